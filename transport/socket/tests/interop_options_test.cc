// bossa against libzmq 4.3 for behaviour beyond the plain patterns: linger of a dialer that never
// connected, XPUB cancels for subscribers that go away, ROUTER to ROUTER, probe_router,
// req_correlate's request-id frame, conflate, ipc://* endpoints.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
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

Socket MakeBossa(Context& ctx, SocketType type) {
  Socket s(ctx, type);
  EXPECT_TRUE(s.set(Option::kRcvtimeo, 10000).ok());
  EXPECT_TRUE(s.set(Option::kSndtimeo, 10000).ok());
  EXPECT_TRUE(s.set(Option::kLinger, 1000).ok());
  EXPECT_TRUE(s.set(Option::kReconnectIvl, 20).ok());
  return s;
}

zmq::socket_t MakeZmq(zmq::context_t& ctx, zmq::socket_type type) {
  zmq::socket_t s(ctx, type);
  s.set(zmq::sockopt::rcvtimeo, 10000);
  s.set(zmq::sockopt::sndtimeo, 10000);
  s.set(zmq::sockopt::linger, 1000);
  s.set(zmq::sockopt::reconnect_ivl, 20);
  return s;
}

Frames Recv(Socket& s, Flags flags = Flags::kNone) {
  Frames out;
  absl::StatusOr<Message> m = s.recv(flags);
  if (m.ok()) {
    for (const Frame& f : *m) out.push_back(f.to_string());
  }
  return out;
}

void Send(Socket& s, const Frames& frames) {
  Message m;
  for (const auto& f : frames) m.push_back(f);
  absl::Status st = s.send(std::move(m));
  EXPECT_TRUE(st.ok()) << st;
}

Frames Recv(zmq::socket_t& s, zmq::recv_flags flags = zmq::recv_flags::none) {
  Frames out;
  while (true) {
    zmq::message_t m;
    if (!s.recv(m, flags)) return {};
    out.push_back(m.to_string());
    if (!m.more()) return out;
    flags = zmq::recv_flags::none;
  }
}

void Send(zmq::socket_t& s, const Frames& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto r = s.send(zmq::buffer(frames[i]),
                    i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    EXPECT_TRUE(r.has_value());
  }
}

std::string SubMsg(const std::string& topic) {
  return "\x01" + topic;
}
std::string CancelMsg(const std::string& topic) {
  return std::string(1, '\0') + topic;
}

std::uint32_t HostOrder(const std::string& four) {
  std::uint32_t v = 0;
  std::memcpy(&v, four.data(), sizeof v);
  return v;
}

class InteropOptionsTest : public ::testing::TestWithParam<Transport> {
 protected:
  // An endpoint nobody binds yet.
  std::string UnboundEndpoint() {
    if (GetParam() == Transport::ipc) return testing::BindEndpoint(Transport::ipc);
    Socket probe(ctx_, SocketType::kPull);
    EXPECT_TRUE(probe.bind("tcp://127.0.0.1:*").ok());
    return probe.last_endpoint();
  }
  std::string BindEndpoint() { return testing::BindEndpoint(GetParam()); }
  // Binds `s` to `ep`, retrying while the address is not free yet; false if it never is.
  static bool BindWhenFree(zmq::socket_t& s, const std::string& ep) {
    return testing::Eventually([&] {
      try {
        s.bind(ep);
        return true;
      } catch (const zmq::error_t&) {
        return false;
      }
    });
  }

  Context ctx_{1};
  zmq::context_t zctx_;
};

TEST_P(InteropOptionsTest, UnconnectedBossaPushDeliversToLibzmqWithinLinger) {
  const std::string ep = UnboundEndpoint();
  {
    Socket push = MakeBossa(ctx_, SocketType::kPush);
    ASSERT_TRUE(push.set(Option::kLinger, 2000).ok());
    ASSERT_TRUE(push.connect(ep).ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  }
  zmq::socket_t pull = MakeZmq(zctx_, zmq::socket_type::pull);
  ASSERT_TRUE(BindWhenFree(pull, ep));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Recv(pull), Frames{absl::StrCat("m", i)});
}

TEST_P(InteropOptionsTest, BossaXpubCancelsTheTopicsOfALibzmqSubscriberThatLeft) {
  Socket xpub = MakeBossa(ctx_, SocketType::kXpub);
  ASSERT_TRUE(xpub.bind(BindEndpoint()).ok());
  Socket bossa_sub = MakeBossa(ctx_, SocketType::kSub);
  ASSERT_TRUE(bossa_sub.connect(xpub.last_endpoint()).ok());
  ASSERT_TRUE(bossa_sub.set(Option::kSubscribe, "shared").ok());
  EXPECT_EQ(Recv(xpub), Frames{SubMsg("shared")});
  {
    zmq::socket_t sub = MakeZmq(zctx_, zmq::socket_type::sub);
    sub.connect(xpub.last_endpoint());
    sub.set(zmq::sockopt::subscribe, "shared");
    sub.set(zmq::sockopt::subscribe, "own");
    Frames seen;
    ASSERT_TRUE(testing::Eventually([&] {
      (void)Recv(sub, zmq::recv_flags::dontwait);  // libzmq hands subscriptions on when called
      seen = Recv(xpub, Flags::kDontwait);
      return !seen.empty();
    }));
    EXPECT_EQ(seen, Frames{SubMsg("own")});  // "shared" was not new
  }
  // The libzmq subscriber is gone: only the topic nobody else holds is cancelled.
  EXPECT_EQ(Recv(xpub), Frames{CancelMsg("own")});
  bossa_sub.close();
  EXPECT_EQ(Recv(xpub), Frames{CancelMsg("shared")});
}

TEST_P(InteropOptionsTest, LibzmqXpubCancelsTheTopicsOfABossaSubscriberThatLeft) {
  // The reference behaviour the previous test matches.
  zmq::socket_t xpub = MakeZmq(zctx_, zmq::socket_type::xpub);
  xpub.bind(BindEndpoint());
  const std::string ep = xpub.get(zmq::sockopt::last_endpoint);
  {
    Socket sub = MakeBossa(ctx_, SocketType::kSub);
    ASSERT_TRUE(sub.connect(ep).ok());
    ASSERT_TRUE(sub.set(Option::kSubscribe, "t").ok());
    Frames seen;
    ASSERT_TRUE(testing::Eventually([&] {
      (void)Recv(sub, Flags::kDontwait);
      seen = Recv(xpub, zmq::recv_flags::dontwait);
      return !seen.empty();
    }));
    EXPECT_EQ(seen, Frames{SubMsg("t")});
  }
  EXPECT_EQ(Recv(xpub), Frames{CancelMsg("t")});
}

// ROUTER to ROUTER with explicit routing ids: the connecting side probes so that the binding side
// learns its id and can speak first.
struct RouterCase {
  Transport transport;
  bool bossa_binds;
};

class RouterRouterInteropTest : public ::testing::TestWithParam<RouterCase> {
 protected:
  Context ctx_{1};
  zmq::context_t zctx_;
};

TEST_P(RouterRouterInteropTest, BothSidesRouteByExplicitIds) {
  const RouterCase& c = GetParam();
  Socket b = MakeBossa(ctx_, SocketType::kRouter);
  ASSERT_TRUE(b.set(Option::kRoutingId, "bossa").ok());
  ASSERT_TRUE(b.set(Option::kRouterMandatory, 1).ok());
  zmq::socket_t z = MakeZmq(zctx_, zmq::socket_type::router);
  z.set(zmq::sockopt::routing_id, "zmq");
  z.set(zmq::sockopt::router_mandatory, 1);
  const std::string ep = testing::BindEndpoint(c.transport);
  if (c.bossa_binds) {
    ASSERT_TRUE(b.bind(ep).ok());
    z.set(zmq::sockopt::probe_router, 1);
    z.connect(b.last_endpoint());
    EXPECT_EQ(Recv(b), (Frames{"zmq", ""}));
    Send(b, {"zmq", "hello", "from bossa"});
    EXPECT_EQ(Recv(z), (Frames{"bossa", "hello", "from bossa"}));
    Send(z, {"bossa", "back"});
    EXPECT_EQ(Recv(b), (Frames{"zmq", "back"}));
  } else {
    z.bind(ep);
    ASSERT_TRUE(b.set(Option::kProbeRouter, 1).ok());
    ASSERT_TRUE(b.connect(z.get(zmq::sockopt::last_endpoint)).ok());
    EXPECT_EQ(Recv(z), (Frames{"bossa", ""}));
    Send(z, {"bossa", "hello", "from zmq"});
    EXPECT_EQ(Recv(b), (Frames{"zmq", "hello", "from zmq"}));
    Send(b, {"zmq", "back"});
    EXPECT_EQ(Recv(z), (Frames{"bossa", "back"}));
  }
  EXPECT_EQ(b.stats().protocol_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Sides, RouterRouterInteropTest,
    ::testing::Values(RouterCase{Transport::tcp, true}, RouterCase{Transport::tcp, false},
                      RouterCase{Transport::ipc, true}, RouterCase{Transport::ipc, false}),
    [](const auto& info) {
      return absl::StrCat(testing::TransportName(info.param.transport),
                          info.param.bossa_binds ? "_bossa_binds" : "_zmq_binds");
    });

TEST_P(InteropOptionsTest, BossaDealerProbesALibzmqRouter) {
  zmq::socket_t router = MakeZmq(zctx_, zmq::socket_type::router);
  router.bind(BindEndpoint());
  Socket dealer = MakeBossa(ctx_, SocketType::kDealer);
  ASSERT_TRUE(dealer.set(Option::kRoutingId, "d").ok());
  ASSERT_TRUE(dealer.set(Option::kProbeRouter, 1).ok());
  ASSERT_TRUE(dealer.connect(router.get(zmq::sockopt::last_endpoint)).ok());
  EXPECT_EQ(Recv(router), (Frames{"d", ""}));
}

TEST_P(InteropOptionsTest, LibzmqDealerProbesABossaRouter) {
  Socket router = MakeBossa(ctx_, SocketType::kRouter);
  ASSERT_TRUE(router.bind(BindEndpoint()).ok());
  zmq::socket_t dealer = MakeZmq(zctx_, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::routing_id, "d");
  dealer.set(zmq::sockopt::probe_router, 1);
  dealer.connect(router.last_endpoint());
  EXPECT_EQ(Recv(router), (Frames{"d", ""}));
}

// The frames a correlating REQ puts on the wire, and the reply it accepts, are libzmq's.
TEST_P(InteropOptionsTest, BossaCorrelatingReqMatchesLibzmqFraming) {
  zmq::socket_t router = MakeZmq(zctx_, zmq::socket_type::router);
  router.bind(BindEndpoint());
  Socket req = MakeBossa(ctx_, SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kReqRelaxed, 1).ok());
  ASSERT_TRUE(req.set(Option::kReqCorrelate, 1).ok());
  ASSERT_TRUE(req.connect(router.get(zmq::sockopt::last_endpoint)).ok());
  Send(req, {"q1"});
  const Frames first = Recv(router);
  Send(req, {"q2"});
  const Frames second = Recv(router);
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 4u);
  ASSERT_EQ(first[1].size(), 4u);
  ASSERT_EQ(second[1].size(), 4u);
  EXPECT_EQ(HostOrder(second[1]), HostOrder(first[1]) + 1);  // libzmq counts requests up
  EXPECT_EQ(first[2], "");
  EXPECT_EQ(second[3], "q2");
  Send(router, {first[0], first[1], "", "stale"});
  Send(router, {second[0], second[1], "", "r2"});
  EXPECT_EQ(Recv(req), Frames{"r2"});
}

TEST_P(InteropOptionsTest, LibzmqCorrelatingReqIsAnsweredByBossaRouter) {
  Socket router = MakeBossa(ctx_, SocketType::kRouter);
  ASSERT_TRUE(router.bind(BindEndpoint()).ok());
  zmq::socket_t req = MakeZmq(zctx_, zmq::socket_type::req);
  req.set(zmq::sockopt::req_relaxed, 1);
  req.set(zmq::sockopt::req_correlate, 1);
  req.connect(router.last_endpoint());
  Send(req, {"q1"});
  const Frames first = Recv(router);
  Send(req, {"q2"});
  const Frames second = Recv(router);
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 4u);
  ASSERT_EQ(first[1].size(), 4u);
  EXPECT_EQ(HostOrder(second[1]), HostOrder(first[1]) + 1);
  Send(router, {first[0], first[1], "", "stale"});
  Send(router, {second[0], second[1], "", "r2"});
  EXPECT_EQ(Recv(req), Frames{"r2"});
}

TEST_P(InteropOptionsTest, ConflatingBossaPushSendsLibzmqOnlyTheLatest) {
  const std::string ep = UnboundEndpoint();
  Socket push = MakeBossa(ctx_, SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(push.connect(ep).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  zmq::socket_t pull = MakeZmq(zctx_, zmq::socket_type::pull);
  ASSERT_TRUE(BindWhenFree(pull, ep));
  EXPECT_EQ(Recv(pull), Frames{"m99"});
  ASSERT_TRUE(push.send("end").ok());
  EXPECT_EQ(Recv(pull), Frames{"end"});
}

TEST_P(InteropOptionsTest, ConflatingBossaPullKeepsTheLatestFromLibzmq) {
  Socket pull = MakeBossa(ctx_, SocketType::kPull);
  ASSERT_TRUE(pull.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(pull.bind(BindEndpoint()).ok());
  zmq::socket_t push = MakeZmq(zctx_, zmq::socket_type::push);
  push.connect(pull.last_endpoint());
  for (int i = 0; i < 100; ++i) Send(push, {absl::StrCat("m", i)});
  int receives = 0;
  ASSERT_NO_FATAL_FAILURE(testing::ReceiveConflatedUpTo(
      99, [&] { return Recv(pull); }, &receives));
  EXPECT_LT(receives, 100);
}

TEST(InteropIpcWildcard, EachSideReachesTheOthersWildcardEndpoint) {
  Context ctx{1};
  zmq::context_t zctx;
  Socket pull = MakeBossa(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.bind("ipc://*").ok());
  zmq::socket_t zpush = MakeZmq(zctx, zmq::socket_type::push);
  zpush.connect(pull.last_endpoint());
  Send(zpush, {"to bossa"});
  EXPECT_EQ(Recv(pull), Frames{"to bossa"});

  zmq::socket_t zpull = MakeZmq(zctx, zmq::socket_type::pull);
  zpull.bind("ipc://*");
  Socket push = MakeBossa(ctx, SocketType::kPush);
  ASSERT_TRUE(push.connect(zpull.get(zmq::sockopt::last_endpoint)).ok());
  Send(push, {"to zmq"});
  EXPECT_EQ(Recv(zpull), Frames{"to zmq"});
}

INSTANTIATE_TEST_SUITE_P(Transports, InteropOptionsTest,
                         ::testing::Values(Transport::tcp, Transport::ipc),
                         [](const auto& info) { return testing::TransportName(info.param); });

}  // namespace
}  // namespace bossa::socket
