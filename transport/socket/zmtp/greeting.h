// ZMTP greeting codec: the fixed 64-octet opening each peer sends (RFC 23 section "The Greeting").
//
//   octets 0-9   signature: 0xFF, 8 octets of padding (ignored), 0x7F
//   octets 10-11 version major, minor (3, 1 for ZMTP 3.1; 3, 0 for ZMTP 3.0 peers)
//   octets 12-31 mechanism name, ASCII upper-case, null-padded ("NULL", "PLAIN", "CURVE")
//   octet  32    as-server: 1 when this peer is the server of the security handshake
//   octets 33-63 filler, zero
//
// Pure functions over buffers; thread-compatible. Malformed input yields a Status, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bossa::zmtp {

struct Greeting {
  std::uint8_t major = 3;
  std::uint8_t minor = 1;
  std::string mechanism = "NULL";
  bool as_server = false;
};

// Appends the 64-octet greeting. `mechanism` must be at most 20 ASCII characters.
void append_greeting(std::string& out, const Greeting& greeting);

// Checks the octets of a greeting received so far (any prefix, even empty), so that garbage is
// refused before 64 octets arrive. InvalidArgument names the offending octet.
absl::Status check_greeting_prefix(std::string_view prefix);

// Decodes a complete greeting (the first 64 octets of `bytes`). Refuses a bad signature, a major
// version below 3, and a mechanism name that is not upper-case ASCII followed by null padding.
// A version above 3.1 is reported as it came; the caller talks 3.1 to it, as RFC 23 asks.
absl::StatusOr<Greeting> decode_greeting(std::string_view bytes);

}  // namespace bossa::zmtp
