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

Socket make_bossa(Context& ctx, SocketType type) {
  Socket s(ctx, type);
  EXPECT_TRUE(s.set(Option::kRcvtimeo, 10000).ok());
  EXPECT_TRUE(s.set(Option::kSndtimeo, 10000).ok());
  EXPECT_TRUE(s.set(Option::kLinger, 1000).ok());
  EXPECT_TRUE(s.set(Option::kReconnectIvl, 20).ok());
  return s;
}

zmq::socket_t make_zmq(zmq::context_t& ctx, zmq::socket_type type) {
  zmq::socket_t s(ctx, type);
  s.set(zmq::sockopt::rcvtimeo, 10000);
  s.set(zmq::sockopt::sndtimeo, 10000);
  s.set(zmq::sockopt::linger, 1000);
  s.set(zmq::sockopt::reconnect_ivl, 20);
  return s;
}

Frames recv(Socket& s, Flags flags = Flags::kNone) {
  Frames out;
  absl::StatusOr<Message> m = s.recv(flags);
  if (m.ok()) {
    for (const Frame& f : *m) out.push_back(f.to_string());
  }
  return out;
}

void send(Socket& s, const Frames& frames) {
  Message m;
  for (const auto& f : frames) m.push_back(f);
  absl::Status st = s.send(std::move(m));
  EXPECT_TRUE(st.ok()) << st;
}

Frames recv(zmq::socket_t& s, zmq::recv_flags flags = zmq::recv_flags::none) {
  Frames out;
  while (true) {
    zmq::message_t m;
    if (!s.recv(m, flags)) return {};
    out.push_back(m.to_string());
    if (!m.more()) return out;
    flags = zmq::recv_flags::none;
  }
}

void send(zmq::socket_t& s, const Frames& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto r = s.send(zmq::buffer(frames[i]),
                    i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    EXPECT_TRUE(r.has_value());
  }
}

std::string sub_msg(const std::string& topic) {
  return "\x01" + topic;
}
std::string cancel_msg(const std::string& topic) {
  return std::string(1, '\0') + topic;
}

std::uint32_t host_order(const std::string& four) {
  std::uint32_t v = 0;
  std::memcpy(&v, four.data(), sizeof v);
  return v;
}

class InteropOptionsTest : public ::testing::TestWithParam<Transport> {
 protected:
  // An endpoint nobody binds yet.
  std::string unbound_endpoint() {
    if (GetParam() == Transport::kIpc) return testing::bind_endpoint(Transport::kIpc);
    Socket probe(ctx_, SocketType::kPull);
    EXPECT_TRUE(probe.bind("tcp://127.0.0.1:*").ok());
    return probe.last_endpoint();
  }
  std::string bind_endpoint() { return testing::bind_endpoint(GetParam()); }
  // Binds `s` to `ep`, retrying while the address is not free yet; false if it never is.
  static bool bind_when_free(zmq::socket_t& s, const std::string& ep) {
    return testing::eventually([&] {
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
  const std::string ep = unbound_endpoint();
  {
    Socket push = make_bossa(ctx_, SocketType::kPush);
    ASSERT_TRUE(push.set(Option::kLinger, 2000).ok());
    ASSERT_TRUE(push.connect(ep).ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  }
  zmq::socket_t pull = make_zmq(zctx_, zmq::socket_type::pull);
  ASSERT_TRUE(bind_when_free(pull, ep));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(recv(pull), Frames{absl::StrCat("m", i)});
}

TEST_P(InteropOptionsTest, BossaXpubCancelsTheTopicsOfALibzmqSubscriberThatLeft) {
  Socket xpub = make_bossa(ctx_, SocketType::kXpub);
  ASSERT_TRUE(xpub.bind(bind_endpoint()).ok());
  Socket bossa_sub = make_bossa(ctx_, SocketType::kSub);
  ASSERT_TRUE(bossa_sub.connect(xpub.last_endpoint()).ok());
  ASSERT_TRUE(bossa_sub.set(Option::kSubscribe, "shared").ok());
  EXPECT_EQ(recv(xpub), Frames{sub_msg("shared")});
  {
    zmq::socket_t sub = make_zmq(zctx_, zmq::socket_type::sub);
    sub.connect(xpub.last_endpoint());
    sub.set(zmq::sockopt::subscribe, "shared");
    sub.set(zmq::sockopt::subscribe, "own");
    Frames seen;
    ASSERT_TRUE(testing::eventually([&] {
      (void)recv(sub, zmq::recv_flags::dontwait);  // libzmq hands subscriptions on when called
      seen = recv(xpub, Flags::kDontwait);
      return !seen.empty();
    }));
    EXPECT_EQ(seen, Frames{sub_msg("own")});  // "shared" was not new
  }
  // The libzmq subscriber is gone: only the topic nobody else holds is cancelled.
  EXPECT_EQ(recv(xpub), Frames{cancel_msg("own")});
  bossa_sub.close();
  EXPECT_EQ(recv(xpub), Frames{cancel_msg("shared")});
}

TEST_P(InteropOptionsTest, LibzmqXpubCancelsTheTopicsOfABossaSubscriberThatLeft) {
  // The reference behaviour the previous test matches.
  zmq::socket_t xpub = make_zmq(zctx_, zmq::socket_type::xpub);
  xpub.bind(bind_endpoint());
  const std::string ep = xpub.get(zmq::sockopt::last_endpoint);
  {
    Socket sub = make_bossa(ctx_, SocketType::kSub);
    ASSERT_TRUE(sub.connect(ep).ok());
    ASSERT_TRUE(sub.set(Option::kSubscribe, "t").ok());
    Frames seen;
    ASSERT_TRUE(testing::eventually([&] {
      (void)recv(sub, Flags::kDontwait);
      seen = recv(xpub, zmq::recv_flags::dontwait);
      return !seen.empty();
    }));
    EXPECT_EQ(seen, Frames{sub_msg("t")});
  }
  EXPECT_EQ(recv(xpub), Frames{cancel_msg("t")});
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
  Socket b = make_bossa(ctx_, SocketType::kRouter);
  ASSERT_TRUE(b.set(Option::kRoutingId, "bossa").ok());
  ASSERT_TRUE(b.set(Option::kRouterMandatory, 1).ok());
  zmq::socket_t z = make_zmq(zctx_, zmq::socket_type::router);
  z.set(zmq::sockopt::routing_id, "zmq");
  z.set(zmq::sockopt::router_mandatory, 1);
  const std::string ep = testing::bind_endpoint(c.transport);
  if (c.bossa_binds) {
    ASSERT_TRUE(b.bind(ep).ok());
    z.set(zmq::sockopt::probe_router, 1);
    z.connect(b.last_endpoint());
    EXPECT_EQ(recv(b), (Frames{"zmq", ""}));
    send(b, {"zmq", "hello", "from bossa"});
    EXPECT_EQ(recv(z), (Frames{"bossa", "hello", "from bossa"}));
    send(z, {"bossa", "back"});
    EXPECT_EQ(recv(b), (Frames{"zmq", "back"}));
  } else {
    z.bind(ep);
    ASSERT_TRUE(b.set(Option::kProbeRouter, 1).ok());
    ASSERT_TRUE(b.connect(z.get(zmq::sockopt::last_endpoint)).ok());
    EXPECT_EQ(recv(z), (Frames{"bossa", ""}));
    send(z, {"bossa", "hello", "from zmq"});
    EXPECT_EQ(recv(b), (Frames{"zmq", "hello", "from zmq"}));
    send(b, {"zmq", "back"});
    EXPECT_EQ(recv(z), (Frames{"bossa", "back"}));
  }
  EXPECT_EQ(b.stats().protocol_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Sides, RouterRouterInteropTest,
    ::testing::Values(RouterCase{Transport::kTcp, true}, RouterCase{Transport::kTcp, false},
                      RouterCase{Transport::kIpc, true}, RouterCase{Transport::kIpc, false}),
    [](const auto& info) {
      return absl::StrCat(testing::transport_name(info.param.transport),
                          info.param.bossa_binds ? "_bossa_binds" : "_zmq_binds");
    });

TEST_P(InteropOptionsTest, BossaDealerProbesALibzmqRouter) {
  zmq::socket_t router = make_zmq(zctx_, zmq::socket_type::router);
  router.bind(bind_endpoint());
  Socket dealer = make_bossa(ctx_, SocketType::kDealer);
  ASSERT_TRUE(dealer.set(Option::kRoutingId, "d").ok());
  ASSERT_TRUE(dealer.set(Option::kProbeRouter, 1).ok());
  ASSERT_TRUE(dealer.connect(router.get(zmq::sockopt::last_endpoint)).ok());
  EXPECT_EQ(recv(router), (Frames{"d", ""}));
}

TEST_P(InteropOptionsTest, LibzmqDealerProbesABossaRouter) {
  Socket router = make_bossa(ctx_, SocketType::kRouter);
  ASSERT_TRUE(router.bind(bind_endpoint()).ok());
  zmq::socket_t dealer = make_zmq(zctx_, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::routing_id, "d");
  dealer.set(zmq::sockopt::probe_router, 1);
  dealer.connect(router.last_endpoint());
  EXPECT_EQ(recv(router), (Frames{"d", ""}));
}

// The frames a correlating REQ puts on the wire, and the reply it accepts, are libzmq's.
TEST_P(InteropOptionsTest, BossaCorrelatingReqMatchesLibzmqFraming) {
  zmq::socket_t router = make_zmq(zctx_, zmq::socket_type::router);
  router.bind(bind_endpoint());
  Socket req = make_bossa(ctx_, SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kReqRelaxed, 1).ok());
  ASSERT_TRUE(req.set(Option::kReqCorrelate, 1).ok());
  ASSERT_TRUE(req.connect(router.get(zmq::sockopt::last_endpoint)).ok());
  send(req, {"q1"});
  const Frames first = recv(router);
  send(req, {"q2"});
  const Frames second = recv(router);
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 4u);
  ASSERT_EQ(first[1].size(), 4u);
  ASSERT_EQ(second[1].size(), 4u);
  EXPECT_EQ(host_order(second[1]), host_order(first[1]) + 1);  // libzmq counts requests up
  EXPECT_EQ(first[2], "");
  EXPECT_EQ(second[3], "q2");
  send(router, {first[0], first[1], "", "stale"});
  send(router, {second[0], second[1], "", "r2"});
  EXPECT_EQ(recv(req), Frames{"r2"});
}

TEST_P(InteropOptionsTest, LibzmqCorrelatingReqIsAnsweredByBossaRouter) {
  Socket router = make_bossa(ctx_, SocketType::kRouter);
  ASSERT_TRUE(router.bind(bind_endpoint()).ok());
  zmq::socket_t req = make_zmq(zctx_, zmq::socket_type::req);
  req.set(zmq::sockopt::req_relaxed, 1);
  req.set(zmq::sockopt::req_correlate, 1);
  req.connect(router.last_endpoint());
  send(req, {"q1"});
  const Frames first = recv(router);
  send(req, {"q2"});
  const Frames second = recv(router);
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 4u);
  ASSERT_EQ(first[1].size(), 4u);
  EXPECT_EQ(host_order(second[1]), host_order(first[1]) + 1);
  send(router, {first[0], first[1], "", "stale"});
  send(router, {second[0], second[1], "", "r2"});
  EXPECT_EQ(recv(req), Frames{"r2"});
}

TEST_P(InteropOptionsTest, ConflatingBossaPushSendsLibzmqOnlyTheLatest) {
  const std::string ep = unbound_endpoint();
  Socket push = make_bossa(ctx_, SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(push.connect(ep).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  zmq::socket_t pull = make_zmq(zctx_, zmq::socket_type::pull);
  ASSERT_TRUE(bind_when_free(pull, ep));
  EXPECT_EQ(recv(pull), Frames{"m99"});
  ASSERT_TRUE(push.send("end").ok());
  EXPECT_EQ(recv(pull), Frames{"end"});
}

TEST_P(InteropOptionsTest, ConflatingBossaPullKeepsTheLatestFromLibzmq) {
  Socket pull = make_bossa(ctx_, SocketType::kPull);
  ASSERT_TRUE(pull.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(pull.bind(bind_endpoint()).ok());
  zmq::socket_t push = make_zmq(zctx_, zmq::socket_type::push);
  push.connect(pull.last_endpoint());
  for (int i = 0; i < 100; ++i) send(push, {absl::StrCat("m", i)});
  int receives = 0;
  ASSERT_NO_FATAL_FAILURE(testing::receive_conflated_up_to(
      99, [&] { return recv(pull); }, &receives));
  EXPECT_LT(receives, 100);
}

TEST(InteropIpcWildcard, EachSideReachesTheOthersWildcardEndpoint) {
  Context ctx{1};
  zmq::context_t zctx;
  Socket pull = make_bossa(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.bind("ipc://*").ok());
  zmq::socket_t zpush = make_zmq(zctx, zmq::socket_type::push);
  zpush.connect(pull.last_endpoint());
  send(zpush, {"to bossa"});
  EXPECT_EQ(recv(pull), Frames{"to bossa"});

  zmq::socket_t zpull = make_zmq(zctx, zmq::socket_type::pull);
  zpull.bind("ipc://*");
  Socket push = make_bossa(ctx, SocketType::kPush);
  ASSERT_TRUE(push.connect(zpull.get(zmq::sockopt::last_endpoint)).ok());
  send(push, {"to zmq"});
  EXPECT_EQ(recv(zpull), Frames{"to zmq"});
}

INSTANTIATE_TEST_SUITE_P(Transports, InteropOptionsTest,
                         ::testing::Values(Transport::kTcp, Transport::kIpc),
                         [](const auto& info) { return testing::transport_name(info.param); });

}  // namespace
}  // namespace bossa::socket
