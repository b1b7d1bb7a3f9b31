#include "transport/socket/protocols/protocol.h"

#include "absl/strings/str_cat.h"

namespace bossa::socket {

absl::Status Protocol::subscribe(bool, std::string_view) {
  return absl::UnimplementedError("subscribe/unsubscribe apply to SUB and XSUB sockets only");
}

absl::Status NotSupported(SocketType type, std::string_view what) {
  return absl::UnimplementedError(
      absl::StrCat(std::string(zmtp::SocketTypeName(type)), " sockets cannot ", std::string(what)));
}

std::unique_ptr<Protocol> MakeProtocol(SocketType type, ProtocolHost& host) {
  switch (type) {
    case SocketType::pair:
      return MakePair(host);
    case SocketType::push:
      return MakePush(host);
    case SocketType::pull:
      return MakePull(host);
    case SocketType::req:
      return MakeReq(host);
    case SocketType::rep:
      return MakeRep(host);
    case SocketType::dealer:
      return MakeDealer(host);
    case SocketType::router:
      return MakeRouter(host);
    case SocketType::pub:
      return MakePub(host, false);
    case SocketType::xpub:
      return MakePub(host, true);
    case SocketType::sub:
      return MakeSub(host, false);
    case SocketType::xsub:
      return MakeSub(host, true);
  }
  return nullptr;
}

}  // namespace bossa::socket
