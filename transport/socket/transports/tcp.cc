// tcp:// listeners and dialers: IPv4 and IPv6, wildcard host and ephemeral port, TCP_NODELAY.
#include <cerrno>
#include <memory>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include "absl/strings/str_cat.h"
#include "transport/socket/transports/stream_transport.h"

namespace bossa::socket {

using boost::asio::ip::tcp;

template <>
struct StreamTraits<tcp> {
  using Resolver = tcp::resolver;
  static constexpr bool kConnectDelays = true;
  static Resolver make_resolver(boost::asio::io_context& io) { return Resolver(io); }
  static void configure(tcp::socket& s) {
    boost::system::error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
  }
  static std::string describe(tcp::socket& s, const std::string& fallback) {
    boost::system::error_code ec;
    tcp::endpoint remote = s.remote_endpoint(ec);
    if (ec) return fallback;
    const boost::asio::ip::address address = unmapped(remote.address());
    const std::string host = address.to_string();
    return absl::StrCat("tcp://", address.is_v6() ? absl::StrCat("[", host, "]") : host, ":",
                        remote.port());
  }
  static void cancel(Resolver& r) { r.cancel(); }
  // A numeric address is connected at once; a host name goes through the resolver's thread
  // first (a hop each way that a node dialling its peers by address need not pay).
  template <typename Handler>
  static void connect(Resolver& r, tcp::socket& s, const Endpoint& ep, Handler handler) {
    boost::system::error_code parsed;
    const boost::asio::ip::address address = boost::asio::ip::make_address(ep.address, parsed);
    if (!parsed) {
      s.async_connect(tcp::endpoint(address, ep.port),
                      [handler](boost::system::error_code ec) mutable { handler(ec); });
      return;
    }
    r.async_resolve(
        ep.address, std::to_string(ep.port),
        [&s, handler](boost::system::error_code ec, tcp::resolver::results_type results) mutable {
          if (ec) {
            handler(ec);
            return;
          }
          boost::asio::async_connect(
              s, results, [handler](boost::system::error_code ec, const tcp::endpoint&) mutable {
                handler(ec);
              });
        });
  }
};

absl::StatusOr<std::shared_ptr<Listener>> listen_tcp(const Endpoint& ep, TransportArgs args) {
  boost::system::error_code ec;
  tcp::endpoint local;
  if (ep.address == "*") {
    local =
        args.options.ipv6 ? tcp::endpoint(tcp::v6(), ep.port) : tcp::endpoint(tcp::v4(), ep.port);
  } else {
    boost::asio::ip::address addr = boost::asio::ip::make_address(ep.address, ec);
    if (ec) {
      tcp::resolver resolver(args.io);
      auto results = resolver.resolve(ep.address, std::to_string(ep.port), ec);
      if (ec || results.empty()) {
        bind_failed(ep, args, EINVAL);
        return absl::InvalidArgumentError(
            absl::StrCat("endpoint '", ep.text, "': cannot resolve host: ", ec.message()));
      }
      local = results.begin()->endpoint();
    } else {
      local = tcp::endpoint(addr, ep.port);
    }
  }
  tcp::acceptor acceptor(args.io);
  auto failed = [&](std::string_view step) {
    bind_failed(ep, args, ec.value());
    return absl::UnavailableError(
        absl::StrCat("endpoint '", ep.text, "': ", std::string(step), ": ", ec.message()));
  };
  if (acceptor.open(local.protocol(), ec)) return failed("open");
  if (local.address().is_v6() && ep.address == "*") {
    acceptor.set_option(boost::asio::ip::v6_only(false), ec);
  }
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(local, ec)) {
    if (ec == boost::asio::error::address_in_use) {
      bind_failed(ep, args, EADDRINUSE);
      return absl::AlreadyExistsError(absl::StrCat("endpoint '", ep.text, "': address in use"));
    }
    return failed("bind");
  }
  if (acceptor.listen(static_cast<int>(args.options.backlog), ec)) return failed("listen");
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  const std::string host = bound.address().to_string();
  std::string text = absl::StrCat(
      "tcp://", bound.address().is_v6() ? absl::StrCat("[", host, "]") : host, ":", bound.port());
  auto listener = std::make_shared<StreamListener<tcp>>(std::move(args), std::move(acceptor),
                                                        std::move(text), nullptr);
  listener->start();
  return listener;
}

std::shared_ptr<Dialer> dial_tcp(const Endpoint& ep, TransportArgs args, LinkedPipe persistent) {
  auto dialer = std::make_shared<StreamDialer<tcp>>(std::move(args), ep, std::move(persistent));
  dialer->start();
  return dialer;
}

}  // namespace bossa::socket
