#include "transport/socket/protocols/protocol.h"

#include "absl/strings/str_cat.h"

namespace bossa::socket {

absl::Status Protocol::subscribe(bool, std::string_view) {
  return absl::UnimplementedError("subscribe/unsubscribe apply to SUB and XSUB sockets only");
}

absl::Status not_supported(SocketType type, std::string_view what) {
  return absl::UnimplementedError(
      absl::StrCat(std::string(zmtp::SocketTypeName(type)), " sockets cannot ", std::string(what)));
}

std::unique_ptr<Protocol> make_protocol(SocketType type, ProtocolHost& host) {
  switch (type) {
    case SocketType::pair:
      return make_pair(host);
    case SocketType::push:
      return make_push(host);
    case SocketType::pull:
      return make_pull(host);
    case SocketType::req:
      return make_req(host);
    case SocketType::rep:
      return make_rep(host);
    case SocketType::dealer:
      return make_dealer(host);
    case SocketType::router:
      return make_router(host);
    case SocketType::pub:
      return make_pub(host, false);
    case SocketType::xpub:
      return make_pub(host, true);
    case SocketType::sub:
      return make_sub(host, false);
    case SocketType::xsub:
      return make_sub(host, true);
  }
  return nullptr;
}

}  // namespace bossa::socket
