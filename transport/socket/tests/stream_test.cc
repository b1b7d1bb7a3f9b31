// STREAM sockets against plain tcp peers (POSIX sockets): raw octets with a routing id, connect
// and disconnect notifications, closing by an empty frame, unknown ids, large data in bounded
// chunks, and back-pressure on a peer that sends without end.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using testing::bind_endpoint;
using testing::eventually;
using testing::Transport;

constexpr std::size_t kChunk = 8 * 1024;  // the most one received message holds

// One end of a plain tcp connection, blocking, with a 10 s receive timeout.
class PlainConn {
 public:
  explicit PlainConn(int fd) : fd_(fd) {
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  // Connects to a tcp://127.0.0.1:port endpoint.
  static std::unique_ptr<PlainConn> dial(const std::string& endpoint, int sndbuf = 0) {
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(endpoint.substr(endpoint.rfind(':') + 1), &port));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (sndbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    return std::make_unique<PlainConn>(fd);
  }
  ~PlainConn() { ::close(fd_); }
  PlainConn(const PlainConn&) = delete;
  PlainConn& operator=(const PlainConn&) = delete;

  int fd() const { return fd_; }
  bool write(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  // `n` octets; fewer on close or timeout.
  std::string read(std::size_t n) {
    std::string out;
    char buf[16 * 1024];
    while (out.size() < n) {
      const ssize_t got = ::recv(fd_, buf, std::min(n - out.size(), sizeof buf), 0);
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
  }
  // Reads until `delimiter` has arrived; what came, or less on close or timeout.
  std::string read_until(const std::string& delimiter) {
    std::string out;
    char c;
    while (out.find(delimiter) == std::string::npos && ::recv(fd_, &c, 1, 0) == 1) out += c;
    return out;
  }
  // True when the other side closes (within the timeout) without sending more.
  bool sees_close() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  int fd_;
};

// A plain tcp listener on 127.0.0.1.
class PlainServer {
 public:
  PlainServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    endpoint_ = absl::StrCat("tcp://127.0.0.1:", ntohs(addr.sin_port));
  }
  ~PlainServer() { ::close(fd_); }
  const std::string& endpoint() const { return endpoint_; }
  // The next connection, or null when none comes within `timeout`.
  std::unique_ptr<PlainConn> accept(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return nullptr;
    const int fd = ::accept(fd_, nullptr, nullptr);
    return fd < 0 ? nullptr : std::make_unique<PlainConn>(fd);
  }

 private:
  int fd_ = -1;
  std::string endpoint_;
};

// Octets that show their own order: a cut, a loss or a swap changes them.
std::string pattern(std::size_t n, std::size_t from = 0) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(((from + i) * 31 + 7) % 251);
  return out;
}

class StreamTest : public ::testing::Test {
 protected:
  Socket make() {
    Socket s(ctx_, SocketType::kStream);
    EXPECT_TRUE(s.set(Option::kRcvtimeo, 10000).ok());
    EXPECT_TRUE(s.set(Option::kSndtimeo, 10000).ok());
    EXPECT_TRUE(s.set(Option::kLinger, 0).ok());
    return s;
  }
  // The next message, which must be [id][] (a connect or disconnect notification); returns the id.
  static std::string recv_notification(Socket& s) {
    absl::StatusOr<Message> m = s.recv();
    if (!m.ok()) {
      ADD_FAILURE() << m.status();
      return "";
    }
    EXPECT_EQ(m->size(), 2u);
    EXPECT_TRUE(m->size() == 2 && (*m)[1].empty()) << "expected [id][], got data";
    return (*m)[0].to_string();
  }
  // Receives [id][chunk] messages until `n` octets came; each chunk 1 to kChunk octets, from `id`.
  static std::string recv_bytes(Socket& s, const std::string& id, std::size_t n) {
    std::string got;
    while (got.size() < n) {
      absl::StatusOr<Message> m = s.recv();
      if (!m.ok()) {
        ADD_FAILURE() << m.status() << " after " << got.size() << " octets";
        break;
      }
      EXPECT_EQ(m->size(), 2u);
      EXPECT_EQ((*m)[0].to_string(), id);
      const Frame& chunk = (*m)[1];
      if (chunk.empty()) {
        ADD_FAILURE() << "the connection closed after " << got.size() << " of " << n << " octets";
        break;
      }
      EXPECT_LE(chunk.size(), kChunk);
      got += chunk.to_string();
    }
    return got;
  }
  static absl::Status send(Socket& s, const std::string& id, const std::string& data) {
    return s.send(Message{id, data});
  }

  Context ctx_{1};
};

TEST_F(StreamTest, ServerEchoesAPlainTcpClientAndSeesItConnectAndLeave) {
  Socket server = make();
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto client = PlainConn::dial(server.last_endpoint());

  absl::StatusOr<Message> hello = server.recv();
  ASSERT_TRUE(hello.ok()) << hello.status();
  ASSERT_EQ(hello->size(), 2u);
  EXPECT_TRUE((*hello)[1].empty());
  EXPECT_EQ(server.message_property(*hello, "Peer-Address").value_or(""), "127.0.0.1");
  const std::string id = (*hello)[0].to_string();
  ASSERT_EQ(id.size(), 5u);
  EXPECT_EQ(id[0], '\0');
  ASSERT_TRUE(client->write("hello, stream"));
  ASSERT_EQ(recv_bytes(server, id, 13), "hello, stream");
  ASSERT_TRUE(send(server, id, "hello, stream").ok());
  // The first octets on the wire are the data: no greeting went before them.
  EXPECT_EQ(client->read(13), "hello, stream");

  client.reset();
  EXPECT_EQ(recv_notification(server), id);
  EXPECT_TRUE(absl::IsNotFound(send(server, id, "anyone there?")));
  EXPECT_TRUE(eventually([&] { return server.stats().disconnects == 1; }));
}

TEST_F(StreamTest, EachConnectionHasItsOwnId) {
  Socket server = make();
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto a = PlainConn::dial(server.last_endpoint());
  const std::string id_a = recv_notification(server);
  auto b = PlainConn::dial(server.last_endpoint());
  const std::string id_b = recv_notification(server);
  ASSERT_NE(id_a, id_b);

  ASSERT_TRUE(send(server, id_b, "to b").ok());
  ASSERT_TRUE(send(server, id_a, "to a").ok());
  EXPECT_EQ(a->read(4), "to a");
  EXPECT_EQ(b->read(4), "to b");
  ASSERT_TRUE(b->write("from b"));
  EXPECT_EQ(recv_bytes(server, id_b, 6), "from b");
}

TEST_F(StreamTest, ClientTalksHttpToAPlainServerAndClosesWithAnEmptyFrame) {
  PlainServer http;
  bool saw_close = false;
  std::string request;
  std::thread server([&] {
    auto conn = http.accept();
    if (!conn) return;
    request = conn->read_until("\r\n\r\n");
    conn->write("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    saw_close = conn->sees_close();  // the client closes, not this side
  });

  Socket client = make();
  ASSERT_TRUE(client.connect(http.endpoint()).ok());
  const std::string id = recv_notification(client);
  ASSERT_TRUE(send(client, id, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n").ok());
  const std::string response = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  EXPECT_EQ(recv_bytes(client, id, response.size()), response);
  ASSERT_TRUE(client.send(Message{id, ""}).ok());
  server.join();
  EXPECT_EQ(request, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
  EXPECT_TRUE(saw_close);
  EXPECT_TRUE(absl::IsNotFound(send(client, id, "more")));
  // A connection the application closed is not redialled.
  EXPECT_EQ(http.accept(std::chrono::milliseconds(300)), nullptr);
}

TEST_F(StreamTest, ClientHearsTheServerCloseAfterItsDataAndRedials) {
  PlainServer plain;
  Socket client = make();
  ASSERT_TRUE(client.set(Option::kReconnectIvl, 10).ok());
  ASSERT_TRUE(client.connect(plain.endpoint()).ok());
  {
    auto conn = plain.accept();
    ASSERT_NE(conn, nullptr);
    ASSERT_TRUE(conn->write("last words"));
  }
  const std::string id = recv_notification(client);
  EXPECT_EQ(recv_bytes(client, id, 10), "last words");
  EXPECT_EQ(recv_notification(client), id);
  // The peer ended it, so the dialer connects again, as a new connection with a new id.
  auto again = plain.accept();
  ASSERT_NE(again, nullptr);
  EXPECT_NE(recv_notification(client), id);
}

TEST_F(StreamTest, ConnectRoutingIdNamesTheNextConnection) {
  PlainServer plain;
  Socket client = make();
  ASSERT_TRUE(client.set(Option::kConnectRoutingId, "web").ok());
  ASSERT_TRUE(client.connect(plain.endpoint()).ok());
  EXPECT_EQ(client.get_string(Option::kConnectRoutingId).value_or("?"), "");
  auto conn = plain.accept();
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(recv_notification(client), "web");
  ASSERT_TRUE(send(client, "web", "ping").ok());
  EXPECT_EQ(conn->read(4), "ping");

  ASSERT_TRUE(client.set(Option::kConnectRoutingId, "web").ok());
  EXPECT_TRUE(absl::IsAlreadyExists(client.connect(plain.endpoint())));
  EXPECT_FALSE(client.set(Option::kConnectRoutingId, std::string("\0x", 2)).ok());
  Socket router(ctx_, SocketType::kRouter);
  EXPECT_TRUE(absl::IsUnimplemented(router.set(Option::kConnectRoutingId, "web")));
}

TEST_F(StreamTest, SendingToAnUnknownIdOrWithoutAnIdFails) {
  Socket server = make();
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  EXPECT_TRUE(absl::IsNotFound(send(server, std::string("\0\0\0\0\1", 5), "data")));
  EXPECT_TRUE(absl::IsInvalidArgument(server.send(Message{"only one frame"})));
  EXPECT_TRUE(absl::IsInvalidArgument(server.bind("inproc://stream")));
  EXPECT_TRUE(absl::IsInvalidArgument(server.connect("inproc://stream")));
}

TEST_F(StreamTest, OneMebibyteArrivesWholeInOrderInBoundedChunks) {
  Socket server = make();
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto client = PlainConn::dial(server.last_endpoint());
  const std::string id = recv_notification(server);
  const std::string data = pattern(1 << 20);
  std::thread writer([&] { EXPECT_TRUE(client->write(data)); });
  EXPECT_TRUE(recv_bytes(server, id, data.size()) == data);
  writer.join();

  ASSERT_TRUE(send(server, id, data).ok());
  EXPECT_TRUE(client->read(data.size()) == data);
}

TEST_F(StreamTest, APeerClosingMidStreamIsHeardAfterAllItSent) {
  Socket server = make();
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto client = PlainConn::dial(server.last_endpoint());
  const std::string id = recv_notification(server);
  const std::string data = pattern(100000);
  ASSERT_TRUE(client->write(data));
  client.reset();
  EXPECT_TRUE(recv_bytes(server, id, data.size()) == data);
  EXPECT_EQ(recv_notification(server), id);
}

TEST_F(StreamTest, AnEmptyFrameClosesAfterWhatWasQueuedBeforeIt) {
  Socket server = make();
  ASSERT_TRUE(server.set(Option::kLinger, -1).ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto client = PlainConn::dial(server.last_endpoint());
  const std::string id = recv_notification(server);
  const std::string data = pattern(300000);
  ASSERT_TRUE(send(server, id, data).ok());
  ASSERT_TRUE(server.send(Message{id, ""}).ok());
  EXPECT_TRUE(client->read(data.size()) == data);
  EXPECT_TRUE(client->sees_close());
  EXPECT_TRUE(absl::IsNotFound(send(server, id, "gone")));
}

TEST_F(StreamTest, APeerThatSendsForeverIsHeldBackByRcvhwm) {
  Socket server = make();
  ASSERT_TRUE(server.set(Option::kRcvhwm, 4).ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto client = PlainConn::dial(server.last_endpoint(), /*sndbuf=*/64 * 1024);
  const std::string id = recv_notification(server);
  ::fcntl(client->fd(), F_SETFL, ::fcntl(client->fd(), F_GETFL) | O_NONBLOCK);

  // Write until the connection stops taking octets: the server reads no more than its rcvhwm
  // of chunks lets it, so the kernel's buffers fill. Without back-pressure this runs to the cap.
  constexpr std::size_t kCap = 64 << 20;
  const std::string block = pattern(64 * 1024);
  std::size_t sent = 0;
  while (sent < kCap) {
    pollfd p{client->fd(), POLLOUT, 0};
    if (::poll(&p, 1, 500) == 0) break;  // stalled
    const std::size_t at = sent % block.size();
    const ssize_t n = ::send(client->fd(), block.data() + at, block.size() - at, MSG_NOSIGNAL);
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  EXPECT_LT(sent, kCap) << "the server kept reading what nobody received";

  // Receiving resumes the reading: everything arrives, in order.
  const std::string got = recv_bytes(server, id, sent);
  ASSERT_EQ(got.size(), sent);
  for (std::size_t at = 0; at < sent; at += block.size()) {
    ASSERT_EQ(got.compare(at, std::min(block.size(), sent - at), block, 0,
                          std::min(block.size(), sent - at)),
              0)
        << "at octet " << at;
  }
}

TEST_F(StreamTest, WithStreamNotifyOffOnlyDataArrives) {
  Socket server = make();
  ASSERT_TRUE(server.set(Option::kStreamNotify, 0).ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto client = PlainConn::dial(server.last_endpoint());
  ASSERT_TRUE(client->write("x"));
  absl::StatusOr<Message> m = server.recv();
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[1].to_string(), "x");
  client.reset();
  EXPECT_TRUE(eventually([&] { return server.stats().disconnects == 1; }));
  EXPECT_TRUE(absl::IsUnavailable(server.recv(Flags::kDontwait).status()));
}

TEST_F(StreamTest, MonitorSeesEachConnectionAndDataLeftAfterACloseCountsAsDropped) {
  Socket server = make();
  std::mutex mu;
  std::vector<std::uint32_t> events;
  server.set_monitor_callback(
      [&](const MonitorEvent& e) {
        std::lock_guard lock(mu);
        events.push_back(e.event);
      },
      kEventAccepted | kEventHandshakeSucceeded | kEventDisconnected);
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  auto client = PlainConn::dial(server.last_endpoint());
  const std::string id = recv_notification(server);
  client.reset();
  EXPECT_EQ(recv_notification(server), id);
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return events ==
           std::vector<std::uint32_t>{kEventAccepted, kEventHandshakeSucceeded, kEventDisconnected};
  }));

  // Data the application has not received when it closes the connection is dropped, counted.
  auto late = PlainConn::dial(server.last_endpoint());
  const std::string late_id = recv_notification(server);
  ASSERT_TRUE(late->write("unread"));
  ASSERT_TRUE(eventually([&] { return server.readable(); }));
  ASSERT_TRUE(server.send(Message{late_id, ""}).ok());
  EXPECT_TRUE(late->sees_close());
  EXPECT_TRUE(absl::IsUnavailable(server.recv(Flags::kDontwait).status()));
  EXPECT_EQ(server.drop_counts().pipe_closed, 1u);
}

class StreamBetweenStreamsTest : public StreamTest,
                                 public ::testing::WithParamInterface<Transport> {};

TEST_P(StreamBetweenStreamsTest, TwoStreamSocketsExchangeRawOctets) {
  Socket server = make();
  ASSERT_TRUE(server.bind(bind_endpoint(GetParam())).ok());
  Socket client = make();
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  const std::string to_server = recv_notification(client);
  const std::string to_client = recv_notification(server);
  ASSERT_TRUE(send(client, to_server, "ping").ok());
  EXPECT_EQ(recv_bytes(server, to_client, 4), "ping");
  ASSERT_TRUE(send(server, to_client, "pong").ok());
  EXPECT_EQ(recv_bytes(client, to_server, 4), "pong");
  ASSERT_TRUE(server.send(Message{to_client, ""}).ok());
  EXPECT_EQ(recv_notification(client), to_server);
}

INSTANTIATE_TEST_SUITE_P(Transports, StreamBetweenStreamsTest,
                         ::testing::Values(Transport::kTcp, Transport::kIpc),
                         [](const auto& info) { return testing::transport_name(info.param); });

}  // namespace
}  // namespace bossa::socket
