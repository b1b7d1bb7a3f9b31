// ipc:// listeners and dialers over Unix domain stream sockets. Binding replaces a stale socket
// file; closing the listener removes it.
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include <boost/asio/local/stream_protocol.hpp>

#include "absl/strings/str_cat.h"
#include "transport/socket/transports/stream_transport.h"

namespace bossa::socket {

using boost::asio::local::stream_protocol;

template <>
struct StreamTraits<stream_protocol> {
  struct Resolver {};  // paths need no resolving
  static Resolver make_resolver(boost::asio::io_context&) { return {}; }
  static void configure(stream_protocol::socket&) {}
  static std::string describe(stream_protocol::socket&, const std::string& listener) {
    return listener;
  }
  static void cancel(Resolver&) {}
  template <typename Handler>
  static void connect(Resolver&, stream_protocol::socket& s, const Endpoint& ep, Handler handler) {
    s.async_connect(stream_protocol::endpoint(ep.address),
                    [handler](boost::system::error_code ec) mutable { handler(ec); });
  }
};

absl::StatusOr<std::shared_ptr<Listener>> ListenIpc(const Endpoint& ep, TransportArgs args) {
  boost::system::error_code ec;
  ::unlink(ep.address.c_str());
  stream_protocol::acceptor acceptor(args.io);
  auto failed = [&](std::string_view step) {
    return absl::UnavailableError(
        absl::StrCat("endpoint '", ep.text, "': ", std::string(step), ": ", ec.message()));
  };
  if (acceptor.open(stream_protocol(), ec)) return failed("open");
  if (acceptor.bind(stream_protocol::endpoint(ep.address), ec)) return failed("bind");
  if (acceptor.listen(static_cast<int>(args.options.backlog), ec)) return failed("listen");
  // Remove the socket file on close only if it is still ours: a new listener may have replaced it.
  struct stat st {};
  const ino_t inode = ::stat(ep.address.c_str(), &st) == 0 ? st.st_ino : 0;
  auto listener = std::make_shared<StreamListener<stream_protocol>>(
      std::move(args), std::move(acceptor), ep.text, [path = ep.address, inode] {
        struct stat now {};
        if (::stat(path.c_str(), &now) == 0 && now.st_ino == inode) ::unlink(path.c_str());
      });
  listener->start();
  return listener;
}

std::shared_ptr<Dialer> DialIpc(const Endpoint& ep, TransportArgs args, LinkedPipe persistent) {
  auto dialer =
      std::make_shared<StreamDialer<stream_protocol>>(std::move(args), ep, std::move(persistent));
  dialer->start();
  return dialer;
}

}  // namespace bossa::socket
