#include "transport/socket/protocols/protocol.h"

#include "absl/strings/str_cat.h"

namespace bossa::socket {

absl::Status Protocol::subscribe(bool, std::string_view) {
  return absl::UnimplementedError("subscribe/unsubscribe apply to SUB and XSUB sockets only");
}

absl::Status not_supported(SocketType type, std::string_view what) {
  return absl::UnimplementedError(absl::StrCat(std::string(zmtp::socket_type_name(type)),
                                               " sockets cannot ", std::string(what)));
}

std::unique_ptr<Protocol> make_protocol(SocketType type, ProtocolHost& host) {
  switch (type) {
    case SocketType::kPair:
      return make_pair(host);
    case SocketType::kPush:
      return make_push(host);
    case SocketType::kPull:
      return make_pull(host);
    case SocketType::kReq:
      return make_req(host);
    case SocketType::kRep:
      return make_rep(host);
    case SocketType::kDealer:
      return make_dealer(host);
    case SocketType::kRouter:
      return make_router(host);
    case SocketType::kPub:
      return make_pub(host, false);
    case SocketType::kXpub:
      return make_pub(host, true);
    case SocketType::kSub:
      return make_sub(host, false);
    case SocketType::kXsub:
      return make_sub(host, true);
    case SocketType::kStream:
      return make_stream(host);
  }
  return nullptr;
}

}  // namespace bossa::socket
