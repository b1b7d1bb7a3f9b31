// Endpoint strings: inproc://name, ipc:///path, tcp://host:port (host may be *, an IPv4 address, a
// bracketed IPv6 address or a name; port may be * or 0 for an ephemeral port when binding).
// The one parser of endpoint text in bossa: the engine binds and connects with it, and a node's
// config validates its endpoints with it.
//
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bossa::socket {

struct Endpoint {
  enum class Kind { kInproc, kIpc, kTcp };
  Kind kind = Kind::kInproc;
  std::string address;     // inproc name, ipc path, or tcp host without brackets ("*" = any)
  std::uint16_t port = 0;  // tcp only; 0 = ephemeral
  std::string text;        // as given
};

// Parses `text`. InvalidArgument names what was wrong (scheme, empty name, bad port...). A port
// is "*" or 1-5 decimal digits up to 65535, nothing else.
absl::StatusOr<Endpoint> parse_endpoint(std::string_view text);

// The text of `endpoint` from its kind, address and port (not from `text`): a tcp host with a ':'
// in brackets, port 0 as "*". parse_endpoint(format_endpoint(e)) gives back e's kind, address
// and port.
std::string format_endpoint(const Endpoint& endpoint);

}  // namespace bossa::socket
