#include "node_program/metrics_server.h"

#include <chrono>
#include <exception>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/redirect_error.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http.hpp"

namespace bossa {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(10);
constexpr uint32_t kHeaderLimit = 8 * 1024;

http::response<http::string_body> answer(const http::request<http::empty_body>& request,
                                         const MetricsServer::Render& render) {
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::server, "bossa-node");
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "only GET and HEAD are served\n";
  } else if (target != "/metrics") {
    response.result(http::status::not_found);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "not found: the metrics are at /metrics\n";
  } else {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = render();
  }
  response.prepare_payload();
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

// Serves one connection until the peer closes it, asks to, errs or stays idle too long.
asio::awaitable<void> serve(tcp::socket socket, const MetricsServer::Render& render) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(kHeaderLimit);
      stream.expires_after(kIdleTimeout);
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
      http::response<http::string_body> response = answer(parser.get(), render);
      const bool keep_alive = response.keep_alive();
      stream.expires_after(kIdleTimeout);
      co_await http::async_write(stream, response, asio::use_awaitable);
      if (!keep_alive) break;
    }
  } catch (const std::exception&) {
    // The peer closed, sent what is not HTTP, or went idle: this connection ends, nothing else.
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const MetricsServer::Render& render) {
  for (;;) {
    boost::system::error_code error;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (error == asio::error::operation_aborted || !acceptor.is_open()) co_return;  // stopped
    if (error) {
      // Out of descriptors or buffers for now: a scrape can wait, the server must not end.
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::use_awaitable);
      continue;
    }
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), render), asio::detached);
  }
}

}  // namespace

MetricsServer::MetricsServer(Render render, uint16_t port)
    : render_(std::move(render)), port_(port) {}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::start(uint16_t port, Render render) {
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(render), port));
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
  beast::error_code error;
  server->acceptor_.open(endpoint.protocol(), error);
  if (!error) server->acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) server->acceptor_.bind(endpoint, error);
  if (!error) server->acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("metrics server: cannot listen on 127.0.0.1:", port, ": ", error.message()));
  }
  server->port_ = server->acceptor_.local_endpoint().port();
  asio::co_spawn(server->io_, accept_loop(server->acceptor_, server->render_), asio::detached);
  server->thread_ = std::thread([io = &server->io_] { io->run(); });
  return server;
}

MetricsServer::~MetricsServer() {
  stop();
}

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
  beast::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace bossa
