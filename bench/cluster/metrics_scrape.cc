#include "bench/cluster/metrics_scrape.h"

#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/redirect_error.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http.hpp"

namespace bossa::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint64_t kPageLimit = 1 << 20;

// A completion token that hands a coroutine the error in `error` instead of throwing it.
auto redirect_error(beast::error_code& error) {
  return asio::redirect_error(asio::use_awaitable, error);
}

absl::Status failed(uint16_t port, absl::string_view step, const beast::error_code& error) {
  return absl::UnavailableError(
      absl::StrCat("metrics at 127.0.0.1:", port, ": ", step, ": ", error.message()));
}

// GET /metrics from 127.0.0.1:`port` into `page`, within `timeout`.
asio::awaitable<void> scrape(uint16_t port, absl::Duration timeout,
                             absl::StatusOr<std::string>& page) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(absl::ToChronoNanoseconds(timeout));
  beast::error_code error;
  co_await stream.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                                redirect_error(error));
  if (error) {
    page = failed(port, "connect", error);
    co_return;
  }
  http::request<http::empty_body> request{http::verb::get, "/metrics", 11};
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  co_await http::async_write(stream, request, redirect_error(error));
  if (error) {
    page = failed(port, "request", error);
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kPageLimit);
  co_await http::async_read(stream, buffer, parser, redirect_error(error));
  if (error) {
    page = failed(port, "response", error);
    co_return;
  }
  if (parser.get().result() != http::status::ok) {
    page = absl::UnavailableError(
        absl::StrCat("metrics at 127.0.0.1:", port, ": HTTP status ", parser.get().result_int()));
    co_return;
  }
  page = std::move(parser.get().body());
}

}  // namespace

std::vector<absl::StatusOr<std::string>> scrape_metrics(const std::vector<uint16_t>& ports,
                                                        absl::Duration timeout) {
  std::vector<absl::StatusOr<std::string>> pages(ports.size(), absl::UnknownError("not scraped"));
  asio::io_context io(1);
  for (size_t i = 0; i < ports.size(); ++i) {
    asio::co_spawn(io, scrape(ports[i], timeout, pages[i]), asio::detached);
  }
  io.run();
  return pages;
}

std::optional<double> metric_value(absl::string_view page, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (!absl::StartsWith(line, name) || line.size() == name.size()) continue;
    const char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    double value = 0;
    if (!absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace bossa::bench
