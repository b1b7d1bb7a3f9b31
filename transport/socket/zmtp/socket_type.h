// ZeroMQ socket types as ZMTP names them in the Socket-Type property, and which pairs may talk.
//
// Pure functions over constants; safe from any thread.
#ifndef BOSSA_TRANSPORT_SOCKET_ZMTP_SOCKET_TYPE_H_
#define BOSSA_TRANSPORT_SOCKET_ZMTP_SOCKET_TYPE_H_

#include <optional>
#include <string_view>

namespace bossa::zmtp {

enum class SocketType { pair, pub, sub, req, rep, dealer, router, pull, push, xpub, xsub };

// The upper-case wire name, e.g. "DEALER".
std::string_view SocketTypeName(SocketType type);

// Parses a wire name; exact, upper-case, as RFC 23 writes them.
std::optional<SocketType> ParseSocketType(std::string_view name);

// True when RFC 23's table allows `a` to talk to `b` (symmetric).
bool SocketTypesCompatible(SocketType a, SocketType b);

}  // namespace bossa::zmtp

#endif  // BOSSA_TRANSPORT_SOCKET_ZMTP_SOCKET_TYPE_H_
