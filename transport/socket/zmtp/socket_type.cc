#include "transport/socket/zmtp/socket_type.h"

#include <array>
#include <utility>

namespace bossa::zmtp {
namespace {

constexpr std::array<std::pair<SocketType, std::string_view>, 11> kNames = {{
    {SocketType::pair, "PAIR"},
    {SocketType::pub, "PUB"},
    {SocketType::sub, "SUB"},
    {SocketType::req, "REQ"},
    {SocketType::rep, "REP"},
    {SocketType::dealer, "DEALER"},
    {SocketType::router, "ROUTER"},
    {SocketType::pull, "PULL"},
    {SocketType::push, "PUSH"},
    {SocketType::xpub, "XPUB"},
    {SocketType::xsub, "XSUB"},
}};

bool OneWay(SocketType a, SocketType b) {
  using T = SocketType;
  switch (a) {
    case T::pair:
      return b == T::pair;
    case T::pub:
    case T::xpub:
      return b == T::sub || b == T::xsub;
    case T::req:
      return b == T::rep || b == T::router;
    case T::rep:
      return b == T::req || b == T::dealer;
    case T::dealer:
      return b == T::rep || b == T::dealer || b == T::router;
    case T::router:
      return b == T::req || b == T::dealer || b == T::router;
    case T::push:
      return b == T::pull;
    case T::sub:
    case T::xsub:
    case T::pull:
      return false;
  }
  return false;
}

}  // namespace

std::string_view SocketTypeName(SocketType type) {
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  return "UNKNOWN";
}

std::optional<SocketType> ParseSocketType(std::string_view name) {
  for (const auto& [t, n] : kNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

bool SocketTypesCompatible(SocketType a, SocketType b) {
  return OneWay(a, b) || OneWay(b, a);
}

}  // namespace bossa::zmtp
