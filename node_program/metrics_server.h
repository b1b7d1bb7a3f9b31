// MetricsServer: a small HTTP/1.1 server on the loopback interface that answers GET /metrics
// with the text a callback renders (Prometheus' text exposition format), and 404 to any other
// path. It exists so that a Prometheus (or curl) on the same host can scrape a node.
//
//   absl::StatusOr<std::unique_ptr<MetricsServer>> server =
//       MetricsServer::start(0, [&] { return format_prometheus(read_metrics(...)); });
//   std::printf("metrics on 127.0.0.1:%u\n", (*server)->port());
//
// It listens on 127.0.0.1 only: the numbers it shows are not secret, but a node's operator, not
// the network, decides who sees them. One thread of its own runs the sockets (Boost.Asio,
// coroutines; Boost.Beast parses HTTP); `render` runs on that thread, once per scrape, and must
// be thread-safe. Requests are bounded (8 KiB of headers, no body) and idle connections are
// closed after 10 s. Lifetime: stop() joins the thread and closes the listener; destroying the
// server stops it and closes the connections still open.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"

namespace bossa {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;

  // Listens on 127.0.0.1:`port` (0: a free port the system picks) and starts serving.
  // Unavailable, naming the address and the reason, if it cannot listen there.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> start(uint16_t port, Render render);

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer();

  // The port it listens on.
  uint16_t port() const noexcept { return port_; }
  // Stops serving, joins the thread and closes the listener. Idempotent.
  void stop();

 private:
  MetricsServer(Render render, uint16_t port);

  const Render render_;
  uint16_t port_;
  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

}  // namespace bossa
