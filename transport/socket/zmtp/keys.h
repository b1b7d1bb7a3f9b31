// Z85 text (ZeroMQ RFC 32) and CURVE key pairs (Curve25519, libsodium's crypto_box).
//
//   z85_encode: every 4 octets (big-endian) become 5 characters of an 85-character alphabet, so
//               a 32-octet key is 40 characters; the input size must be a multiple of 4.
//   z85_decode: the reverse; the text size must be a multiple of 5, every character in the
//               alphabet, and every 5-character group at most 2^32 - 1.
//   curve_keypair / curve_public: as libzmq's zmq_curve_keypair and zmq_curve_public, keys as
//               40-character Z85 text.
//
// Pure functions apart from the random source of curve_keypair; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bossa::zmtp {

inline constexpr std::size_t kCurveKeySize = 32;     // raw octets of a public or secret key
inline constexpr std::size_t kCurveKeyZ85Size = 40;  // the same key as Z85 text

absl::StatusOr<std::string> z85_encode(std::string_view data);
absl::StatusOr<std::string> z85_decode(std::string_view text);

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

// A fresh key pair from the system's random source.
CurveKeyPair curve_keypair();
// The public key of a secret key given as 40 characters of Z85 (or 32 raw octets).
absl::StatusOr<std::string> curve_public(std::string_view secret_key);

// Whether a peer's public key (32 raw octets) is one a shared key can be made with: false for a
// point of small order (all zeros, say), with which every box would be open to anyone.
bool curve_key_usable(std::string_view public_key, std::string_view own_secret_key);

// A key given as 32 raw octets or 40 characters of Z85, as 32 raw octets.
absl::StatusOr<std::string> curve_key_bytes(std::string_view key);

// Makes libsodium ready (idempotent, thread-safe); every use of it goes through here first.
void sodium_ready();

}  // namespace bossa::zmtp
