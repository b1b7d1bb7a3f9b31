// Monitor events against libzmq 4.3: the frames a bossa socket's monitor sends are the octets
// libzmq's zmq_socket_monitor sends for the same event, and the endpoint rules are the same.
// libzmq's inproc cannot reach bossa's, so each side is read in its own library and the frames
// are compared.
#include <gtest/gtest.h>
#include <zmq.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "transport/socket/core/authenticator.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/monitor.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using Frames = std::vector<std::string>;

// A libzmq context with a monitored socket and the PAIR that reads its monitor.
class LibzmqMonitored {
 public:
  LibzmqMonitored(int type, int events) {
    socket_ = zmq_socket(ctx_, type);
    int linger = 0;
    zmq_setsockopt(socket_, ZMQ_LINGER, &linger, sizeof linger);
    EXPECT_EQ(zmq_socket_monitor(socket_, "inproc://zmq-monitor", events), 0);
    reader_ = zmq_socket(ctx_, ZMQ_PAIR);
    int timeout = 10000;
    zmq_setsockopt(reader_, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(zmq_connect(reader_, "inproc://zmq-monitor"), 0);
  }
  ~LibzmqMonitored() {
    zmq_close(reader_);
    if (socket_ != nullptr) zmq_close(socket_);
    zmq_ctx_term(ctx_);
  }
  void* socket() { return socket_; }
  void* context() { return ctx_; }
  Frames next() {
    Frames frames;
    int more = 0;
    do {
      zmq_msg_t part;
      zmq_msg_init(&part);
      if (zmq_msg_recv(&part, reader_, 0) < 0) return frames;
      frames.emplace_back(static_cast<const char*>(zmq_msg_data(&part)), zmq_msg_size(&part));
      more = zmq_msg_more(&part);
      zmq_msg_close(&part);
    } while (more != 0);
    return frames;
  }

 private:
  void* ctx_ = zmq_ctx_new();
  void* socket_ = nullptr;
  void* reader_ = nullptr;
};

// The same for a bossa socket.
class BossaMonitored {
 public:
  BossaMonitored(SocketType type, std::uint32_t events)
      : socket_(ctx_, type), reader_(ctx_, SocketType::kPair) {
    EXPECT_TRUE(socket_.set(Option::kLinger, 0).ok());
    EXPECT_TRUE(socket_.monitor("inproc://bossa-monitor", events).ok());
    EXPECT_TRUE(reader_.set(Option::kRcvtimeo, 10000).ok());
    EXPECT_TRUE(reader_.connect("inproc://bossa-monitor").ok());
  }
  Socket& socket() { return socket_; }
  Context& context() { return ctx_; }
  Frames next() {
    Frames frames;
    absl::StatusOr<Message> m = reader_.recv();
    if (!m.ok()) return frames;
    for (const Frame& f : *m) frames.push_back(f.to_string());
    return frames;
  }

 private:
  Context ctx_{1};
  Socket socket_;
  Socket reader_;
};

std::uint16_t event_of(const Frames& frames) {
  if (frames.empty() || frames[0].size() != 6) return 0;
  std::uint16_t event;
  std::memcpy(&event, frames[0].data(), sizeof event);
  return event;
}

// Binds a libzmq socket to a wildcard loopback port; the endpoint it got.
std::string bind_loopback(void* socket) {
  EXPECT_EQ(zmq_bind(socket, "tcp://127.0.0.1:*"), 0);
  char endpoint[256] = {};
  std::size_t size = sizeof endpoint;
  zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, endpoint, &size);
  return endpoint;
}

// A libzmq PULL that listens for both sides to connect to.
class LibzmqServer {
 public:
  LibzmqServer() {
    socket_ = zmq_socket(ctx_, ZMQ_PULL);
    int linger = 0;
    zmq_setsockopt(socket_, ZMQ_LINGER, &linger, sizeof linger);
    endpoint_ = bind_loopback(socket_);
  }
  ~LibzmqServer() {
    zmq_close(socket_);
    zmq_ctx_term(ctx_);
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  void* ctx_ = zmq_ctx_new();
  void* socket_ = nullptr;
  std::string endpoint_;
};

TEST(InteropMonitor, BindFailedIsTheSameOctetsAsLibzmqs) {
  LibzmqServer holder;
  LibzmqMonitored zmq_side(ZMQ_PULL, ZMQ_EVENT_BIND_FAILED);
  EXPECT_NE(zmq_bind(zmq_side.socket(), holder.endpoint().c_str()), 0);
  BossaMonitored bossa_side(SocketType::kPull, kEventBindFailed);
  EXPECT_FALSE(bossa_side.socket().bind(holder.endpoint()).ok());
  const Frames theirs = zmq_side.next();
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(event_of(theirs), ZMQ_EVENT_BIND_FAILED);
  EXPECT_EQ(bossa_side.next(), theirs);
}

TEST(InteropMonitor, HandshakeSucceededAndMonitorStoppedAreTheSameOctetsAsLibzmqs) {
  LibzmqServer server;
  const int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_MONITOR_STOPPED;
  LibzmqMonitored zmq_side(ZMQ_PUSH, events);
  ASSERT_EQ(zmq_connect(zmq_side.socket(), server.endpoint().c_str()), 0);
  BossaMonitored bossa_side(SocketType::kPush, static_cast<std::uint32_t>(events));
  ASSERT_TRUE(bossa_side.socket().connect(server.endpoint()).ok());
  const Frames theirs = zmq_side.next();
  ASSERT_EQ(event_of(theirs), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  EXPECT_EQ(theirs[1], server.endpoint());
  EXPECT_EQ(bossa_side.next(), theirs);

  EXPECT_EQ(zmq_socket_monitor(zmq_side.socket(), nullptr, 0), 0);
  ASSERT_TRUE(bossa_side.socket().monitor("").ok());
  const Frames stopped = zmq_side.next();
  ASSERT_EQ(event_of(stopped), ZMQ_EVENT_MONITOR_STOPPED);
  EXPECT_EQ(bossa_side.next(), stopped);
}

TEST(InteropMonitor, ARefusedDialReportsWhatLibzmqReportsInTheSameOrder) {
  std::string endpoint;
  {
    LibzmqServer gone;
    endpoint = gone.endpoint();
  }
  const int events = ZMQ_EVENT_CONNECT_DELAYED | ZMQ_EVENT_CLOSED | ZMQ_EVENT_CONNECT_RETRIED;
  LibzmqMonitored zmq_side(ZMQ_PUSH, events);
  ASSERT_EQ(zmq_connect(zmq_side.socket(), endpoint.c_str()), 0);
  BossaMonitored bossa_side(SocketType::kPush, static_cast<std::uint32_t>(events));
  ASSERT_TRUE(bossa_side.socket().connect(endpoint).ok());
  // CONNECT_DELAYED carries EINPROGRESS on both: the same octets. CLOSED carries a descriptor
  // and CONNECT_RETRIED a jittered interval, which differ; their event and endpoint do not.
  const Frames delayed = zmq_side.next();
  ASSERT_EQ(event_of(delayed), ZMQ_EVENT_CONNECT_DELAYED);
  EXPECT_EQ(bossa_side.next(), delayed);
  for (int event : {ZMQ_EVENT_CLOSED, ZMQ_EVENT_CONNECT_RETRIED}) {
    const Frames theirs = zmq_side.next();
    const Frames ours = bossa_side.next();
    ASSERT_EQ(theirs.size(), 2u);
    ASSERT_EQ(ours.size(), 2u);
    EXPECT_EQ(event_of(theirs), event);
    EXPECT_EQ(event_of(ours), event);
    EXPECT_EQ(ours[1], theirs[1]);
  }
}

// Both sides reported HANDSHAKE_FAILED_AUTH with the same status, octet for octet.
void expect_same_auth_failure(const Frames& theirs, const Frames& ours) {
  ASSERT_EQ(theirs.size(), 2u);
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_EQ(event_of(theirs), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  EXPECT_EQ(ours[0], theirs[0]);  // event and status 400, octet for octet
}

// A ZAP handler bound in the libzmq context `ctx`, for refuse_zap_requests to serve. Bound
// before a server's socket is: a libzmq server that finds no handler lets every client in.
void* bind_zap_handler(void* ctx) {
  void* handler = zmq_socket(ctx, ZMQ_REP);
  int timeout = 50;
  int linger = 0;
  zmq_setsockopt(handler, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  zmq_setsockopt(handler, ZMQ_LINGER, &linger, sizeof linger);
  EXPECT_EQ(zmq_bind(handler, "inproc://zeromq.zap.01"), 0);
  return handler;
}

// Refuses every request to `handler` with `status` until `stop`, then closes it.
void refuse_zap_requests(void* handler, const char* status, const std::atomic<bool>* stop) {
  while (!stop->load()) {
    std::vector<std::string> request;
    int more = 0;
    do {
      zmq_msg_t part;
      zmq_msg_init(&part);
      if (zmq_msg_recv(&part, handler, 0) < 0) break;
      request.emplace_back(static_cast<const char*>(zmq_msg_data(&part)), zmq_msg_size(&part));
      more = zmq_msg_more(&part);
      zmq_msg_close(&part);
    } while (more != 0);
    if (request.size() < 2) continue;
    const std::vector<std::string> reply = {"1.0", request[1], status, "refused", "", ""};
    for (std::size_t f = 0; f < reply.size(); ++f) {
      zmq_send(handler, reply[f].data(), reply[f].size(), f + 1 < reply.size() ? ZMQ_SNDMORE : 0);
    }
  }
  zmq_close(handler);
}

// A libzmq PUSH client with a wrong PLAIN password, connected to `endpoint`.
class WrongPassword {
 public:
  explicit WrongPassword(const std::string& endpoint) {
    int linger = 0;
    zmq_setsockopt(socket_, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(socket_, ZMQ_PLAIN_USERNAME, "admin", 5);
    zmq_setsockopt(socket_, ZMQ_PLAIN_PASSWORD, "guess", 5);
    EXPECT_EQ(zmq_connect(socket_, endpoint.c_str()), 0);
  }
  ~WrongPassword() {
    zmq_close(socket_);
    zmq_ctx_term(ctx_);
  }

 private:
  void* ctx_ = zmq_ctx_new();
  void* socket_ = zmq_socket(ctx_, ZMQ_PUSH);
};

TEST(InteropMonitor, APlainServersRefusalIsReportedWithItsZapStatusAsLibzmqReportsIt) {
  // libzmq's server asks a ZAP handler that answers 400; bossa's asks its authenticator.
  LibzmqMonitored zmq_side(ZMQ_PULL, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  std::atomic<bool> stop{false};
  std::thread zap(refuse_zap_requests, bind_zap_handler(zmq_side.context()), "400", &stop);
  int one = 1;
  zmq_setsockopt(zmq_side.socket(), ZMQ_PLAIN_SERVER, &one, sizeof one);
  const std::string endpoint = bind_loopback(zmq_side.socket());
  BossaMonitored bossa_side(SocketType::kPull, kEventHandshakeFailedAuth);
  auto auth = std::make_shared<Authenticator>();
  auth->allow_plain("", "admin", "secret");
  bossa_side.context().set_authenticator(auth);
  ASSERT_TRUE(bossa_side.socket().set(Option::kPlainServer, 1).ok());
  ASSERT_TRUE(bossa_side.socket().bind("tcp://127.0.0.1:*").ok());
  {
    WrongPassword to_libzmq(endpoint);
    WrongPassword to_bossa(bossa_side.socket().last_endpoint());
    const Frames theirs = zmq_side.next();
    const Frames ours = bossa_side.next();
    ASSERT_NO_FATAL_FAILURE(expect_same_auth_failure(theirs, ours));
    EXPECT_EQ(theirs[1], endpoint);
    EXPECT_EQ(ours[1], bossa_side.socket().last_endpoint());
  }
  stop = true;
  zap.join();
}

// A libzmq PULL server, PLAIN or CURVE, whose ZAP handler refuses every client with 400.
class RefusingLibzmqServer {
 public:
  explicit RefusingLibzmqServer(bool curve) {
    int linger = 0;
    zmq_setsockopt(socket_, ZMQ_LINGER, &linger, sizeof linger);
    int one = 1;
    if (curve) {
      char secret[41];
      EXPECT_EQ(zmq_curve_keypair(public_key_, secret), 0);
      zmq_setsockopt(socket_, ZMQ_CURVE_SERVER, &one, sizeof one);
      zmq_setsockopt(socket_, ZMQ_CURVE_SECRETKEY, secret, 40);
    } else {
      zmq_setsockopt(socket_, ZMQ_PLAIN_SERVER, &one, sizeof one);
    }
    endpoint_ = bind_loopback(socket_);
  }
  ~RefusingLibzmqServer() {
    stop_ = true;
    zap_.join();
    zmq_close(socket_);
    zmq_ctx_term(ctx_);
  }
  const std::string& endpoint() const { return endpoint_; }
  std::string public_key() const { return public_key_; }

 private:
  void* ctx_ = zmq_ctx_new();
  std::atomic<bool> stop_{false};
  std::thread zap_{refuse_zap_requests, bind_zap_handler(ctx_), "400", &stop_};
  void* socket_ = zmq_socket(ctx_, ZMQ_PULL);
  char public_key_[41] = {};
  std::string endpoint_;
};

// A client refused by a libzmq server sees the server's ERROR: an auth failure with the ZAP
// status, the same monitor octets a libzmq client reports, and the reason in its log.
void expect_refusal_reported_as_libzmq_does(bool curve) {
  RefusingLibzmqServer server(curve);
  const int events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
  LibzmqMonitored zmq_side(ZMQ_PUSH, events);
  BossaMonitored bossa_side(SocketType::kPush, static_cast<std::uint32_t>(events));
  testing::LogLines log(bossa_side.context());
  char public_key[41];
  char secret_key[41];
  ASSERT_EQ(zmq_curve_keypair(public_key, secret_key), 0);
  if (curve) {
    zmq_setsockopt(zmq_side.socket(), ZMQ_CURVE_SERVERKEY, server.public_key().c_str(), 40);
    zmq_setsockopt(zmq_side.socket(), ZMQ_CURVE_PUBLICKEY, public_key, 40);
    zmq_setsockopt(zmq_side.socket(), ZMQ_CURVE_SECRETKEY, secret_key, 40);
    ASSERT_TRUE(bossa_side.socket().set(Option::kCurveServerkey, server.public_key()).ok());
    ASSERT_TRUE(bossa_side.socket().set(Option::kCurvePublickey, public_key).ok());
    ASSERT_TRUE(bossa_side.socket().set(Option::kCurveSecretkey, secret_key).ok());
  } else {
    zmq_setsockopt(zmq_side.socket(), ZMQ_PLAIN_USERNAME, "admin", 5);
    zmq_setsockopt(zmq_side.socket(), ZMQ_PLAIN_PASSWORD, "guess", 5);
    ASSERT_TRUE(bossa_side.socket().set(Option::kPlainUsername, "admin").ok());
    ASSERT_TRUE(bossa_side.socket().set(Option::kPlainPassword, "guess").ok());
  }
  ASSERT_EQ(zmq_connect(zmq_side.socket(), server.endpoint().c_str()), 0);
  ASSERT_TRUE(bossa_side.socket().connect(server.endpoint()).ok());
  const Frames theirs = zmq_side.next();
  const Frames ours = bossa_side.next();
  ASSERT_NO_FATAL_FAILURE(expect_same_auth_failure(theirs, ours));
  EXPECT_EQ(ours[1], server.endpoint());
  const std::string reason =
      curve ? "ZMTP CURVE: server refused: 400" : "ZMTP PLAIN: server refused: 400";
  EXPECT_TRUE(testing::eventually([&] { return log.contains(reason); }))
      << ::testing::PrintToString(log.lines());
}

TEST(InteropMonitor, APlainClientRefusedByALibzmqServerReportsAnAuthFailureAsLibzmqDoes) {
  expect_refusal_reported_as_libzmq_does(/*curve=*/false);
}

TEST(InteropMonitor, ACurveClientRefusedByALibzmqServerReportsAnAuthFailureAsLibzmqDoes) {
  expect_refusal_reported_as_libzmq_does(/*curve=*/true);
}

TEST(InteropMonitor, BothRefuseAMonitorEndpointThatIsNotInproc) {
  void* ctx = zmq_ctx_new();
  void* s = zmq_socket(ctx, ZMQ_PULL);
  EXPECT_EQ(zmq_socket_monitor(s, "tcp://127.0.0.1:5999", ZMQ_EVENT_ALL), -1);
  EXPECT_EQ(zmq_errno(), EPROTONOSUPPORT);
  zmq_close(s);
  zmq_ctx_term(ctx);
  Context bossa_ctx(1);
  Socket ours(bossa_ctx, SocketType::kPull);
  EXPECT_TRUE(absl::IsInvalidArgument(ours.monitor("tcp://127.0.0.1:5999", kEventAll)));
}

}  // namespace
}  // namespace bossa::socket
