// Endpoint strings: inproc://name, ipc:///path, tcp://host:port (host may be *, an IPv4 address, a
// bracketed IPv6 address or a name; port may be * or 0 for an ephemeral port when binding).
//
// Pure parsing; thread-compatible.
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

// Parses `text`. InvalidArgument names what was wrong (scheme, empty name, bad port...).
absl::StatusOr<Endpoint> parse_endpoint(std::string_view text);

}  // namespace bossa::socket
