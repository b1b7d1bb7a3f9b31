// Pattern options and pattern edge cases over each transport: XPUB cancels for subscribers that go
// away, probe_router, ROUTER to ROUTER, req_relaxed / req_correlate, conflate.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using namespace std::chrono_literals;
using testing::Transport;

std::string sub(const std::string& topic) {
  return "\x01" + topic;
}
std::string cancel(const std::string& topic) {
  return std::string(1, '\0') + topic;
}

class PatternOptionsTest : public ::testing::TestWithParam<Transport> {
 protected:
  Socket make(SocketType type) {
    Socket s(ctx_, type);
    EXPECT_TRUE(s.set(Option::kRcvtimeo, 10000).ok());
    EXPECT_TRUE(s.set(Option::kSndtimeo, 10000).ok());
    EXPECT_TRUE(s.set(Option::kLinger, 1000).ok());
    EXPECT_TRUE(s.set(Option::kReconnectIvl, 20).ok());
    return s;
  }
  std::string bind(Socket& s) {
    EXPECT_TRUE(s.bind(testing::bind_endpoint(GetParam())).ok());
    return s.last_endpoint();
  }
  static std::vector<std::string> recv(Socket& s) {
    std::vector<std::string> out;
    absl::StatusOr<Message> m = s.recv();
    EXPECT_TRUE(m.ok()) << m.status();
    if (m.ok()) {
      for (const Frame& f : *m) out.push_back(f.to_string());
    }
    return out;
  }
  // Publishes `topic` until `sub` receives it: the publisher then holds sub's subscription.
  static void await_subscribed(Socket& pub, Socket& sub, const std::string& topic) {
    ASSERT_TRUE(testing::eventually([&] {
      EXPECT_TRUE(pub.send(topic).ok());
      return sub.recv(Flags::kDontwait).ok();
    }));
    while (sub.recv(Flags::kDontwait).ok()) {
    }
  }

  Context ctx_{1};
};

using Frames = std::vector<std::string>;

TEST_P(PatternOptionsTest, XpubReportsCancelsForTopicsNoRemainingSubscriberHolds) {
  Socket xpub = make(SocketType::kXpub);
  const std::string ep = bind(xpub);
  Socket sub1 = make(SocketType::kSub);
  Socket sub2 = make(SocketType::kSub);
  ASSERT_TRUE(sub1.connect(ep).ok());
  ASSERT_TRUE(sub2.connect(ep).ok());
  ASSERT_TRUE(sub1.set(Option::kSubscribe, "a").ok());
  ASSERT_TRUE(sub1.set(Option::kSubscribe, "b").ok());
  ASSERT_TRUE(sub2.set(Option::kSubscribe, "a").ok());
  await_subscribed(xpub, sub1, "b");
  await_subscribed(xpub, sub2, "a");
  // New topics only: sub2's "a" is a duplicate.
  std::vector<std::string> seen = {recv(xpub).at(0), recv(xpub).at(0)};
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (Frames{sub("a"), sub("b")}));
  EXPECT_FALSE(xpub.recv(Flags::kDontwait).ok());

  sub1.close();  // "a" is still wanted by sub2; "b" by nobody
  EXPECT_EQ(recv(xpub), Frames{cancel("b")});
  sub2.close();
  EXPECT_EQ(recv(xpub), Frames{cancel("a")});
  EXPECT_FALSE(xpub.recv(Flags::kDontwait).ok());
}

TEST_P(PatternOptionsTest, ProbeRouterSendsAnEmptyMessageOnConnect) {
  Socket router = make(SocketType::kRouter);
  const std::string ep = bind(router);
  Socket dealer = make(SocketType::kDealer);
  ASSERT_TRUE(dealer.set(Option::kRoutingId, "d").ok());
  ASSERT_TRUE(dealer.set(Option::kProbeRouter, 1).ok());
  ASSERT_TRUE(dealer.connect(ep).ok());
  EXPECT_EQ(recv(router), (Frames{"d", ""}));
  ASSERT_TRUE(dealer.send("after").ok());
  EXPECT_EQ(recv(router), (Frames{"d", "after"}));
}

TEST_P(PatternOptionsTest, RouterToRouterWithProbeLetsTheBinderAnswerFirst) {
  Socket server = make(SocketType::kRouter);
  ASSERT_TRUE(server.set(Option::kRoutingId, "server").ok());
  const std::string ep = bind(server);
  Socket client = make(SocketType::kRouter);
  ASSERT_TRUE(client.set(Option::kRoutingId, "client").ok());
  ASSERT_TRUE(client.set(Option::kProbeRouter, 1).ok());
  ASSERT_TRUE(client.connect(ep).ok());
  EXPECT_EQ(recv(server), (Frames{"client", ""}));
  ASSERT_TRUE(server.set(Option::kRouterMandatory, 1).ok());
  ASSERT_TRUE(server.send(Message{"client", "hello"}).ok());
  EXPECT_EQ(recv(client), (Frames{"server", "hello"}));
  ASSERT_TRUE(client.send(Message{"server", "back"}).ok());
  EXPECT_EQ(recv(server), (Frames{"client", "back"}));
}

TEST_P(PatternOptionsTest, ReqRelaxedSendsAgainAndCorrelateDropsTheStaleReply) {
  Socket router = make(SocketType::kRouter);
  const std::string ep = bind(router);
  Socket req = make(SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kReqRelaxed, 1).ok());
  ASSERT_TRUE(req.set(Option::kReqCorrelate, 1).ok());
  ASSERT_TRUE(req.connect(ep).ok());
  ASSERT_TRUE(req.send("q1").ok());
  const Frames first = recv(router);
  ASSERT_TRUE(req.send("q2").ok());  // no reply yet: strict REQ would refuse
  const Frames second = recv(router);
  // [routing id, request id (4 octets), delimiter, body]
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(second.size(), 4u);
  EXPECT_EQ(first[1].size(), 4u);
  EXPECT_NE(first[1], second[1]);
  EXPECT_EQ(first[2], "");
  EXPECT_EQ(first[3], "q1");
  EXPECT_EQ(second[3], "q2");
  // The late answer to q1 comes first and must be dropped.
  ASSERT_TRUE(router.send(Message{first[0], first[1], "", "r1"}).ok());
  ASSERT_TRUE(router.send(Message{second[0], second[1], "", "r2"}).ok());
  EXPECT_EQ(recv(req), Frames{"r2"});
  EXPECT_EQ(req.recv(Flags::kDontwait).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(PatternOptionsTest, ReqRelaxedWithoutCorrelateKeepsThePlainEnvelope) {
  Socket rep = make(SocketType::kRep);
  const std::string ep = bind(rep);
  Socket req = make(SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kReqRelaxed, 1).ok());
  ASSERT_TRUE(req.connect(ep).ok());
  ASSERT_TRUE(req.send("q1").ok());
  ASSERT_TRUE(req.send("q2").ok());
  EXPECT_EQ(recv(rep), Frames{"q1"});
  ASSERT_TRUE(rep.send("r1").ok());
  EXPECT_EQ(recv(rep), Frames{"q2"});
  ASSERT_TRUE(rep.send("r2").ok());
  // Both replies come back on the one pipe: without correlate REQ takes the first.
  EXPECT_EQ(recv(req), Frames{"r1"});
}

TEST_P(PatternOptionsTest, ConflatingPullReceivesOnlyTheLatestMessage) {
  Socket pull = make(SocketType::kPull);
  ASSERT_TRUE(pull.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(pull.set(Option::kRcvhwm, 1).ok());  // ignored while conflating
  const std::string ep = bind(pull);
  Socket push = make(SocketType::kPush);
  ASSERT_TRUE(push.connect(ep).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  // Whatever arrived by the time of each recv collapses into its latest message.
  int receives = 0;
  ASSERT_NO_FATAL_FAILURE(testing::receive_conflated_up_to(
      99, [&] { return recv(pull); }, &receives));
  EXPECT_LT(receives, 100);
  if (GetParam() == Transport::kInproc) {
    EXPECT_EQ(receives, 1);  // all were queued before the first recv
  }
}

// Over inproc only the receiving socket conflates (the two share one queue), so a conflating
// sender is a tcp and ipc behaviour.
class StreamPatternOptionsTest : public PatternOptionsTest {};

TEST_P(StreamPatternOptionsTest, ConflatingPushSendsOnlyTheLatestQueuedMessage) {
  Socket push = make(SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kConflate, 1).ok());
  Socket pull = make(SocketType::kPull);
  std::string ep = testing::bind_endpoint(GetParam());
  if (GetParam() == Transport::kTcp) {
    Socket probe(ctx_, SocketType::kPull);
    ASSERT_TRUE(probe.bind(ep).ok());
    ep = probe.last_endpoint();
  }
  ASSERT_TRUE(push.connect(ep).ok());  // nobody there yet: messages wait in the pipe
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  ASSERT_TRUE(testing::eventually([&] { return pull.bind(ep).ok(); }));
  EXPECT_EQ(recv(pull), Frames{"m99"});
  ASSERT_TRUE(push.send("end").ok());
  EXPECT_EQ(recv(pull), Frames{"end"});
}

TEST_P(PatternOptionsTest, ConflatingSubKeepsTheLatestMatchingMessage) {
  Socket pub = make(SocketType::kPub);
  const std::string ep = bind(pub);
  Socket sub = make(SocketType::kSub);
  ASSERT_TRUE(sub.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(sub.connect(ep).ok());
  ASSERT_TRUE(sub.set(Option::kSubscribe, "t").ok());
  await_subscribed(pub, sub, "t");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pub.send(absl::StrCat("t", i)).ok());
  int last = -1;
  while (last < 99) {
    const Frames got = recv(sub);
    ASSERT_EQ(got.size(), 1u);
    if (got[0] == "t") continue;  // a late message of await_subscribed
    const int n = std::stoi(got[0].substr(1));
    EXPECT_GT(n, last);
    last = n;
  }
  EXPECT_FALSE(sub.recv(Flags::kDontwait).ok());
}

TEST(SocketOptions, NewOptionsAreFlagsThatReadBack) {
  Context ctx(0);
  Socket s(ctx, SocketType::kDealer);
  for (Option o :
       {Option::kProbeRouter, Option::kReqRelaxed, Option::kReqCorrelate, Option::kConflate}) {
    EXPECT_EQ(*s.get_int(o), 0) << option_name(o);
    EXPECT_TRUE(s.set(o, 1).ok()) << option_name(o);
    EXPECT_EQ(*s.get_int(o), 1) << option_name(o);
    EXPECT_EQ(s.set(o, 2).code(), absl::StatusCode::kInvalidArgument) << option_name(o);
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, PatternOptionsTest,
                         ::testing::Values(Transport::kInproc, Transport::kTcp, Transport::kIpc),
                         [](const auto& info) { return testing::transport_name(info.param); });
INSTANTIATE_TEST_SUITE_P(Transports, StreamPatternOptionsTest,
                         ::testing::Values(Transport::kTcp, Transport::kIpc),
                         [](const auto& info) { return testing::transport_name(info.param); });

}  // namespace
}  // namespace bossa::socket
