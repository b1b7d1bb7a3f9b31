// ZeroMQ socket types as ZMTP names them in the Socket-Type property, and which pairs may talk.
//
// Pure functions over constants; safe from any thread.
#pragma once

#include <optional>
#include <string_view>

namespace bossa::zmtp {

enum class SocketType {
  kPair,
  kPub,
  kSub,
  kReq,
  kRep,
  kDealer,
  kRouter,
  kPull,
  kPush,
  kXpub,
  kXsub,
  kStream  // raw tcp/ipc, no ZMTP: compatible with no ZMTP socket type (libzmq's ZMQ_STREAM)
};

// The upper-case wire name, e.g. "DEALER".
std::string_view socket_type_name(SocketType type);

// Parses a wire name; exact, upper-case, as RFC 23 writes them.
std::optional<SocketType> parse_socket_type(std::string_view name);

// True when RFC 23's table allows `a` to talk to `b` (symmetric).
bool socket_types_compatible(SocketType a, SocketType b);

}  // namespace bossa::zmtp
