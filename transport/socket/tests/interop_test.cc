// bossa against libzmq 4.3 (through cppzmq): every valid socket-type pair, each side binding in
// turn, over tcp and ipc; large and empty frames; subscriptions; libzmq heartbeats; restarts.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using namespace std::chrono_literals;
using Frames = std::vector<std::string>;
using testing::Transport;

// One side of a conversation: a bossa socket or a libzmq socket behind the same three calls.
class Peer {
 public:
  virtual ~Peer() = default;
  virtual void send(const Frames& frames) = 0;
  // Waits up to 10 s; returns no frames on timeout.
  virtual Frames recv() = 0;
  virtual Frames try_recv() = 0;  // no wait
  virtual void subscribe(const std::string& topic) = 0;
  virtual void unsubscribe(const std::string& topic) = 0;
};

class BossaPeer : public Peer {
 public:
  BossaPeer(Context& ctx, SocketType type) : s_(ctx, type) {
    EXPECT_TRUE(s_.set(Option::kRcvtimeo, 10000).ok());
    EXPECT_TRUE(s_.set(Option::kSndtimeo, 10000).ok());
    EXPECT_TRUE(s_.set(Option::kLinger, 1000).ok());
    EXPECT_TRUE(s_.set(Option::kReconnectIvl, 20).ok());
  }
  Socket& socket() { return s_; }
  void send(const Frames& frames) override {
    Message m;
    for (const auto& f : frames) m.push_back(f);
    absl::Status st = s_.send(std::move(m));
    EXPECT_TRUE(st.ok()) << st;
  }
  Frames recv() override { return convert(s_.recv()); }
  Frames try_recv() override { return convert(s_.recv(Flags::kDontwait)); }
  void subscribe(const std::string& t) override { EXPECT_TRUE(s_.set(Option::kSubscribe, t).ok()); }
  void unsubscribe(const std::string& t) override {
    EXPECT_TRUE(s_.set(Option::kUnsubscribe, t).ok());
  }

 private:
  static Frames convert(const absl::StatusOr<Message>& m) {
    Frames out;
    if (!m.ok()) return out;
    for (const Frame& f : *m) out.push_back(f.to_string());
    return out;
  }
  Socket s_;
};

class ZmqPeer : public Peer {
 public:
  ZmqPeer(zmq::context_t& ctx, zmq::socket_type type) : s_(ctx, type) {
    s_.set(zmq::sockopt::rcvtimeo, 10000);
    s_.set(zmq::sockopt::sndtimeo, 10000);
    s_.set(zmq::sockopt::linger, 1000);
    s_.set(zmq::sockopt::reconnect_ivl, 20);
  }
  zmq::socket_t& socket() { return s_; }
  void send(const Frames& frames) override {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      auto r = s_.send(zmq::buffer(frames[i]),
                       i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      EXPECT_TRUE(r.has_value());
    }
  }
  Frames recv() override { return receive(zmq::recv_flags::none); }
  Frames try_recv() override { return receive(zmq::recv_flags::dontwait); }
  void subscribe(const std::string& t) override {
    if (s_.get(zmq::sockopt::type) == ZMQ_XSUB) {
      send({"\x01" + t});
    } else {
      s_.set(zmq::sockopt::subscribe, t);
    }
  }
  void unsubscribe(const std::string& t) override {
    if (s_.get(zmq::sockopt::type) == ZMQ_XSUB) {
      send({std::string(1, '\0') + t});
    } else {
      s_.set(zmq::sockopt::unsubscribe, t);
    }
  }

 private:
  Frames receive(zmq::recv_flags flags) {
    Frames out;
    while (true) {
      zmq::message_t m;
      if (!s_.recv(m, flags)) return {};
      out.push_back(m.to_string());
      if (!m.more()) return out;
      flags = zmq::recv_flags::none;
    }
  }
  zmq::socket_t s_;
};

zmq::socket_type zmq_type(SocketType t) {
  switch (t) {
    case SocketType::kPair:
      return zmq::socket_type::pair;
    case SocketType::kPub:
      return zmq::socket_type::pub;
    case SocketType::kSub:
      return zmq::socket_type::sub;
    case SocketType::kReq:
      return zmq::socket_type::req;
    case SocketType::kRep:
      return zmq::socket_type::rep;
    case SocketType::kDealer:
      return zmq::socket_type::dealer;
    case SocketType::kRouter:
      return zmq::socket_type::router;
    case SocketType::kPull:
      return zmq::socket_type::pull;
    case SocketType::kPush:
      return zmq::socket_type::push;
    case SocketType::kXpub:
      return zmq::socket_type::xpub;
    case SocketType::kXsub:
      return zmq::socket_type::xsub;
    case SocketType::kStream:
      return zmq::socket_type::stream;
  }
  return zmq::socket_type::pair;
}

struct Case {
  SocketType bossa;
  SocketType zmq;
  Transport transport;
  bool bossa_binds;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return absl::StrCat("bossa_", std::string(zmtp::socket_type_name(c.bossa)), "_zmq_",
                      std::string(zmtp::socket_type_name(c.zmq)), "_",
                      testing::transport_name(c.transport),
                      c.bossa_binds ? "_bossa_binds" : "_zmq_binds");
}

bool is_publisher(SocketType t) {
  return t == SocketType::kPub || t == SocketType::kXpub;
}
bool is_requester(SocketType t) {
  return t == SocketType::kReq || t == SocketType::kDealer;
}

class InteropTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    auto b = std::make_unique<BossaPeer>(ctx_, c.bossa);
    auto z = std::make_unique<ZmqPeer>(zctx_, zmq_type(c.zmq));
    std::string ep = testing::bind_endpoint(c.transport);
    if (c.bossa_binds) {
      ASSERT_TRUE(b->socket().bind(ep).ok());
      z->socket().connect(b->socket().last_endpoint());
    } else {
      z->socket().bind(ep);
      ep = z->socket().get(zmq::sockopt::last_endpoint);
      ASSERT_TRUE(b->socket().connect(ep).ok());
    }
    bossa_ = std::move(b);
    zmq_ = std::move(z);
  }

  // Runs the conversation the pair's pattern defines, with `a` of type `ta` and `b` of type `tb`.
  void converse(Peer& a, SocketType ta, Peer& b, SocketType tb) {
    using T = SocketType;
    const Frames payload = {"", std::string(300, 'p'), "x"};  // empty, long (> 255) and short
    if (ta == T::kPair || (ta == T::kDealer && tb == T::kDealer)) {
      a.send(payload);
      EXPECT_EQ(b.recv(), payload);
      b.send({"back"});
      EXPECT_EQ(a.recv(), Frames{"back"});
    } else if (ta == T::kPush) {
      for (int i = 0; i < 100; ++i) a.send({absl::StrCat(i), std::string(i, 'z')});
      for (int i = 0; i < 100; ++i)
        EXPECT_EQ(b.recv(), (Frames{absl::StrCat(i), std::string(i, 'z')}));
    } else if (is_requester(ta)) {
      // The requester's frames and the replier's view of them depend on who adds envelopes.
      const bool dealer = ta == T::kDealer;
      const bool router = tb == T::kRouter;
      for (int i = 0; i < 3; ++i) {
        const std::string q = absl::StrCat("q", i);
        if (dealer && !router) {
          a.send({"", q});
        } else {
          a.send({q});
        }
        Frames got = b.recv();
        if (router) {
          ASSERT_GE(got.size(), 2u);
          const std::string id = got[0];
          EXPECT_EQ(got.back(), q);
          Frames reply = {id};
          if (!dealer) reply.push_back("");
          reply.push_back("r" + q);
          b.send(reply);
        } else {
          EXPECT_EQ(got, Frames{q});
          b.send({"r" + q});
        }
        Frames answer = a.recv();
        if (dealer && !router) {
          EXPECT_EQ(answer, (Frames{"", "r" + q}));
        } else {
          EXPECT_EQ(answer, Frames{"r" + q});
        }
      }
    } else if (is_publisher(ta)) {
      // A subscriber hands a subscription to a connection its socket has not seen yet only when
      // its owner next calls it (libzmq and bossa alike): keep calling it while waiting.
      auto await_at_publisher = [&](const Frames& expected) {
        Frames seen;
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (seen.empty() && std::chrono::steady_clock::now() < deadline) {
          (void)b.try_recv();
          std::this_thread::sleep_for(1ms);
          seen = a.try_recv();
        }
        EXPECT_EQ(seen, expected);
      };
      b.subscribe("t");
      if (ta == T::kXpub) await_at_publisher(Frames{"\x01t"});
      Frames got;
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (got.empty() && std::chrono::steady_clock::now() < deadline) {
        a.send({"u-skip"});
        a.send({"t-keep", "more"});
        std::this_thread::sleep_for(1ms);
        got = b.try_recv();
      }
      EXPECT_EQ(got, (Frames{"t-keep", "more"}));
      b.unsubscribe("t");
      if (ta == T::kXpub) await_at_publisher(Frames{std::string("\0t", 2)});
    } else {
      FAIL() << "no conversation for this pair";
    }
  }

  Context ctx_{1};
  zmq::context_t zctx_;
  std::unique_ptr<BossaPeer> bossa_;
  std::unique_ptr<ZmqPeer> zmq_;
};

TEST_P(InteropTest, PairConverses) {
  const Case& c = GetParam();
  // The side that starts the pattern goes first.
  const bool bossa_leads =
      c.bossa == SocketType::kPair || c.bossa == SocketType::kPush || is_publisher(c.bossa) ||
      (is_requester(c.bossa) && !(c.bossa == SocketType::kDealer && c.zmq == SocketType::kDealer) &&
       !is_requester(c.zmq)) ||
      (c.bossa == SocketType::kDealer && c.zmq == SocketType::kDealer);
  if (bossa_leads) {
    converse(*bossa_, c.bossa, *zmq_, c.zmq);
  } else {
    converse(*zmq_, c.zmq, *bossa_, c.bossa);
  }
  EXPECT_EQ(bossa_->socket().stats().protocol_errors, 0u);
}

std::vector<Case> all_cases() {
  using T = SocketType;
  const std::vector<std::pair<T, T>> pairs = {
      {T::kPair, T::kPair},     {T::kPush, T::kPull},     {T::kPull, T::kPush},
      {T::kReq, T::kRep},       {T::kRep, T::kReq},       {T::kReq, T::kRouter},
      {T::kRouter, T::kReq},    {T::kDealer, T::kRep},    {T::kRep, T::kDealer},
      {T::kDealer, T::kRouter}, {T::kRouter, T::kDealer}, {T::kDealer, T::kDealer},
      {T::kPub, T::kSub},       {T::kSub, T::kPub},       {T::kPub, T::kXsub},
      {T::kXsub, T::kPub},      {T::kXpub, T::kSub},      {T::kSub, T::kXpub},
      {T::kXpub, T::kXsub},     {T::kXsub, T::kXpub},
  };
  std::vector<Case> cases;
  for (auto [b, z] : pairs) {
    for (Transport t : {Transport::kTcp, Transport::kIpc}) {
      for (bool binds : {true, false}) cases.push_back(Case{b, z, t, binds});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllPairs, InteropTest, ::testing::ValuesIn(all_cases()), case_name);

TEST(Interop, OneMebibyteFramesBothWays) {
  Context ctx{1};
  zmq::context_t zctx;
  BossaPeer b(ctx, SocketType::kPair);
  ZmqPeer z(zctx, zmq::socket_type::pair);
  ASSERT_TRUE(b.socket().bind("tcp://127.0.0.1:*").ok());
  z.socket().connect(b.socket().last_endpoint());
  const Frames big = {std::string(1 << 20, 'a'), "", std::string(1 << 20, 'b')};
  b.send(big);
  EXPECT_EQ(z.recv(), big);
  z.send(big);
  EXPECT_EQ(b.recv(), big);
}

TEST(Interop, LibzmqHeartbeatsKeepTheConnectionAlive) {
  Context ctx{1};
  zmq::context_t zctx;
  BossaPeer b(ctx, SocketType::kPull);
  ZmqPeer z(zctx, zmq::socket_type::push);
  z.socket().set(zmq::sockopt::heartbeat_ivl, 20);
  z.socket().set(zmq::sockopt::heartbeat_ttl, 200);
  z.socket().set(zmq::sockopt::heartbeat_timeout, 100);
  ASSERT_TRUE(b.socket().bind("tcp://127.0.0.1:*").ok());
  z.socket().connect(b.socket().last_endpoint());
  z.send({"first"});
  EXPECT_EQ(b.recv(), Frames{"first"});
  // Many heartbeat intervals: libzmq PINGs, bossa must PONG or libzmq drops the connection.
  std::this_thread::sleep_for(500ms);
  z.send({"second"});
  EXPECT_EQ(b.recv(), Frames{"second"});
  EXPECT_EQ(b.socket().stats().disconnects, 0u);
  EXPECT_EQ(b.socket().stats().connections_established, 1u);
}

TEST(Interop, BossaPingsAreAnsweredByLibzmq) {
  // bossa pings libzmq with a short timeout; libzmq answers PONG, so the connection stays up.
  Context ctx{1};
  zmq::context_t zctx;
  BossaPeer b(ctx, SocketType::kPush);
  ASSERT_TRUE(b.socket().set(Option::kHeartbeatIvl, 20).ok());
  ASSERT_TRUE(b.socket().set(Option::kHeartbeatTimeout, 100).ok());
  ZmqPeer z(zctx, zmq::socket_type::pull);
  z.socket().bind("tcp://127.0.0.1:*");
  ASSERT_TRUE(b.socket().connect(z.socket().get(zmq::sockopt::last_endpoint)).ok());
  b.send({"one"});
  EXPECT_EQ(z.recv(), Frames{"one"});
  std::this_thread::sleep_for(500ms);
  b.send({"two"});
  EXPECT_EQ(z.recv(), Frames{"two"});
  EXPECT_EQ(b.socket().stats().disconnects, 0u);
}

TEST(Interop, LibzmqPeerRestartIsReconnected) {
  Context ctx{1};
  zmq::context_t zctx;
  BossaPeer b(ctx, SocketType::kPush);
  std::string ep;
  {
    ZmqPeer z(zctx, zmq::socket_type::pull);
    z.socket().bind("tcp://127.0.0.1:*");
    ep = z.socket().get(zmq::sockopt::last_endpoint);
    ASSERT_TRUE(b.socket().connect(ep).ok());
    b.send({"before"});
    EXPECT_EQ(z.recv(), Frames{"before"});
  }
  ZmqPeer z(zctx, zmq::socket_type::pull);
  ASSERT_TRUE(testing::eventually([&] {
    try {
      z.socket().bind(ep);
      return true;
    } catch (const zmq::error_t&) {
      return false;
    }
  }));
  ASSERT_TRUE(testing::eventually([&] {
    (void)b.socket().send("after", Flags::kDontwait);
    return !z.try_recv().empty();
  }));
  EXPECT_GE(b.socket().stats().connections_established, 2u);
}

TEST(Interop, BossaRestartIsReconnectedByLibzmq) {
  Context ctx{1};
  zmq::context_t zctx;
  ZmqPeer z(zctx, zmq::socket_type::push);
  std::string ep;
  {
    BossaPeer b(ctx, SocketType::kPull);
    ASSERT_TRUE(b.socket().bind("tcp://127.0.0.1:*").ok());
    ep = b.socket().last_endpoint();
    z.socket().connect(ep);
    z.send({"before"});
    EXPECT_EQ(b.recv(), Frames{"before"});
  }
  BossaPeer b(ctx, SocketType::kPull);
  ASSERT_TRUE(testing::eventually([&] { return b.socket().bind(ep).ok(); }));
  ASSERT_TRUE(testing::eventually([&] {
    z.socket().send(zmq::str_buffer("after"), zmq::send_flags::dontwait);
    return !b.try_recv().empty();
  }));
}

}  // namespace
}  // namespace bossa::socket
