#include "node_program/metrics_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"

namespace bossa {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// A blocking HTTP/1.1 client on one connection to 127.0.0.1:port.
class Client {
 public:
  explicit Client(uint16_t port) {
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    socket_.set_option(asio::socket_base::linger(true, 1));
  }
  http::response<http::string_body> send(http::verb method, const std::string& target) {
    http::request<http::empty_body> request(method, target, 11);
    request.set(http::field::host, "127.0.0.1");
    http::write(socket_, request);
    http::response<http::string_body> response;
    if (method == http::verb::head) {
      http::response_parser<http::string_body> parser;
      parser.skip(true);
      http::read(socket_, buffer_, parser);
      return parser.release();
    }
    http::read(socket_, buffer_, response);
    return response;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_{io_};
  boost::beast::flat_buffer buffer_;
};

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::start(0, [this] {
      ++scrapes_;
      return std::string("bossa_test_total{node=\"t\"} ") + std::to_string(scrapes_.load()) + "\n";
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_NE(server_->port(), 0);
  }

  std::atomic<int> scrapes_{0};
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(MetricsServerTest, AnswersGetMetricsWithTheRenderedText) {
  Client client(server_->port());
  http::response<http::string_body> response = client.send(http::verb::get, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.body(), "bossa_test_total{node=\"t\"} 1\n");
  // Keep-alive: a second scrape on the same connection renders again.
  response = client.send(http::verb::get, "/metrics?debug=1");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "bossa_test_total{node=\"t\"} 2\n");
}

TEST_F(MetricsServerTest, AnswersOtherPathsWithNotFound) {
  Client client(server_->port());
  EXPECT_EQ(client.send(http::verb::get, "/").result(), http::status::not_found);
  EXPECT_EQ(client.send(http::verb::get, "/metricsx").result(), http::status::not_found);
  EXPECT_EQ(scrapes_.load(), 0);
}

TEST_F(MetricsServerTest, RefusesMethodsOtherThanGetAndHead) {
  Client client(server_->port());
  http::response<http::string_body> response = client.send(http::verb::post, "/metrics");
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
  EXPECT_EQ(response[http::field::allow], "GET, HEAD");
  response = client.send(http::verb::head, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_TRUE(response.body().empty());
}

TEST_F(MetricsServerTest, ServesSeveralConnectionsAtOnce) {
  Client first(server_->port());
  Client second(server_->port());
  EXPECT_EQ(second.send(http::verb::get, "/metrics").result(), http::status::ok);
  EXPECT_EQ(first.send(http::verb::get, "/metrics").result(), http::status::ok);
  EXPECT_EQ(scrapes_.load(), 2);
}

TEST_F(MetricsServerTest, AnOccupiedPortIsAClearError) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> again =
      MetricsServer::start(server_->port(), [] { return std::string(); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(again.status().message().find("127.0.0.1:" + std::to_string(server_->port())),
            std::string::npos)
      << again.status();
}

TEST_F(MetricsServerTest, StopClosesTheListener) {
  const uint16_t port = server_->port();
  server_->stop();
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code error;
  socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), error);
  EXPECT_TRUE(error) << "still accepting after stop()";
}

}  // namespace
}  // namespace bossa
