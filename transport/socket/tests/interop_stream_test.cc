// bossa's STREAM against libzmq 4.3's ZMQ_STREAM: both speak raw tcp, so each sees the other as a
// plain peer; connect and disconnect notifications, data both ways, closing by an empty frame.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace bossa::socket {
namespace {

Socket make_bossa(Context& ctx) {
  Socket s(ctx, SocketType::kStream);
  EXPECT_TRUE(s.set(Option::kRcvtimeo, 10000).ok());
  EXPECT_TRUE(s.set(Option::kSndtimeo, 10000).ok());
  EXPECT_TRUE(s.set(Option::kLinger, 1000).ok());
  return s;
}

zmq::socket_t make_zmq(zmq::context_t& ctx) {
  zmq::socket_t s(ctx, zmq::socket_type::stream);
  s.set(zmq::sockopt::rcvtimeo, 10000);
  s.set(zmq::sockopt::sndtimeo, 10000);
  s.set(zmq::sockopt::linger, 1000);
  return s;
}

// [id][data] from either kind of socket; an empty `data` is a notification.
struct Received {
  std::string id;
  std::string data;
};

Received recv(Socket& s) {
  absl::StatusOr<Message> m = s.recv();
  if (!m.ok() || m->size() != 2) {
    ADD_FAILURE() << "bossa STREAM recv: " << (m.ok() ? "not two frames" : m.status().ToString());
    return {};
  }
  return {(*m)[0].to_string(), (*m)[1].to_string()};
}

Received recv(zmq::socket_t& s) {
  zmq::message_t id;
  zmq::message_t data;
  if (!s.recv(id) || !id.more() || !s.recv(data)) {
    ADD_FAILURE() << "libzmq STREAM recv failed";
    return {};
  }
  return {id.to_string(), data.to_string()};
}

void send(zmq::socket_t& s, const std::string& id, const std::string& data) {
  EXPECT_TRUE(s.send(zmq::buffer(id), zmq::send_flags::sndmore).has_value());
  EXPECT_TRUE(s.send(zmq::buffer(data), zmq::send_flags::none).has_value());
}

// Data from `id` until `n` octets came (a read may cut it anywhere).
// The next message on `s` while `peer` closes a connection: libzmq does the closing's work only
// inside calls on its socket, so `peer` is asked for its events meanwhile.
Received recv_while_closing(Socket& s, zmq::socket_t& peer) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    (void)peer.get(zmq::sockopt::events);
    absl::StatusOr<Message> m = s.recv(Flags::kDontwait);
    if (m.ok() && m->size() == 2) return {(*m)[0].to_string(), (*m)[1].to_string()};
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "nothing arrived while the libzmq peer closed";
  return {};
}

template <class S>
std::string recv_bytes(S& s, const std::string& id, std::size_t n) {
  std::string got;
  while (got.size() < n) {
    Received r = recv(s);
    EXPECT_EQ(r.id, id);
    if (r.data.empty()) break;
    got += r.data;
  }
  return got;
}

TEST(InteropStreamTest, LibzmqStreamClientTalksToABossaStreamServer) {
  Context ctx(1);
  zmq::context_t zctx;
  Socket server = make_bossa(ctx);
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  zmq::socket_t client = make_zmq(zctx);
  client.connect(server.last_endpoint());

  const std::string to_server = recv(client).id;  // libzmq's connect notification
  const Received hello = recv(server);
  ASSERT_TRUE(hello.data.empty());
  send(client, to_server, "hello from libzmq");
  EXPECT_EQ(recv_bytes(server, hello.id, 17), "hello from libzmq");
  ASSERT_TRUE(server.send(Message{hello.id, "hello from bossa"}).ok());
  EXPECT_EQ(recv_bytes(client, to_server, 16), "hello from bossa");

  send(client, to_server, "");  // libzmq closes the connection
  const Received bye = recv_while_closing(server, client);
  EXPECT_EQ(bye.id, hello.id);
  EXPECT_TRUE(bye.data.empty());
}

TEST(InteropStreamTest, BossaStreamClientTalksToALibzmqStreamServer) {
  Context ctx(1);
  zmq::context_t zctx;
  zmq::socket_t server = make_zmq(zctx);
  server.bind("tcp://127.0.0.1:*");
  Socket client = make_bossa(ctx);
  ASSERT_TRUE(client.connect(server.get(zmq::sockopt::last_endpoint)).ok());

  const std::string to_server = recv(client).id;
  const Received hello = recv(server);
  ASSERT_TRUE(hello.data.empty());
  ASSERT_TRUE(client.send(Message{to_server, "GET / HTTP/1.0\r\n\r\n"}).ok());
  EXPECT_EQ(recv_bytes(server, hello.id, 18), "GET / HTTP/1.0\r\n\r\n");
  send(server, hello.id, "HTTP/1.0 204 No Content\r\n\r\n");
  send(server, hello.id, "");  // libzmq closes after the response

  const Received response = recv_while_closing(client, server);
  EXPECT_EQ(response.data, "HTTP/1.0 204 No Content\r\n\r\n");
  const Received bye = recv_while_closing(client, server);
  EXPECT_EQ(bye.id, to_server);
  EXPECT_TRUE(bye.data.empty());
}

}  // namespace
}  // namespace bossa::socket
