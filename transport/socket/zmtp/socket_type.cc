#include "transport/socket/zmtp/socket_type.h"

#include <array>
#include <utility>

namespace bossa::zmtp {
namespace {

constexpr std::array<std::pair<SocketType, std::string_view>, 12> kNames = {{
    {SocketType::kPair, "PAIR"},
    {SocketType::kPub, "PUB"},
    {SocketType::kSub, "SUB"},
    {SocketType::kReq, "REQ"},
    {SocketType::kRep, "REP"},
    {SocketType::kDealer, "DEALER"},
    {SocketType::kRouter, "ROUTER"},
    {SocketType::kPull, "PULL"},
    {SocketType::kPush, "PUSH"},
    {SocketType::kXpub, "XPUB"},
    {SocketType::kXsub, "XSUB"},
    {SocketType::kStream, "STREAM"},
}};

bool one_way(SocketType a, SocketType b) {
  using T = SocketType;
  switch (a) {
    case T::kPair:
      return b == T::kPair;
    case T::kPub:
    case T::kXpub:
      return b == T::kSub || b == T::kXsub;
    case T::kReq:
      return b == T::kRep || b == T::kRouter;
    case T::kRep:
      return b == T::kReq || b == T::kDealer;
    case T::kDealer:
      return b == T::kRep || b == T::kDealer || b == T::kRouter;
    case T::kRouter:
      return b == T::kReq || b == T::kDealer || b == T::kRouter;
    case T::kPush:
      return b == T::kPull;
    case T::kSub:
    case T::kXsub:
    case T::kPull:
    case T::kStream:
      return false;
  }
  return false;
}

}  // namespace

std::string_view socket_type_name(SocketType type) {
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  return "UNKNOWN";
}

std::optional<SocketType> parse_socket_type(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

bool socket_types_compatible(SocketType a, SocketType b) {
  return one_way(a, b) || one_way(b, a);
}

}  // namespace bossa::zmtp
