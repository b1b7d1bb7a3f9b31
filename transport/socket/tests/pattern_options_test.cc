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

std::string Sub(const std::string& topic) {
  return "\x01" + topic;
}
std::string cancel(const std::string& topic) {
  return std::string(1, '\0') + topic;
}

class PatternOptionsTest : public ::testing::TestWithParam<Transport> {
 protected:
  Socket Make(SocketType type) {
    Socket s(ctx_, type);
    EXPECT_TRUE(s.set(Option::kRcvtimeo, 10000).ok());
    EXPECT_TRUE(s.set(Option::kSndtimeo, 10000).ok());
    EXPECT_TRUE(s.set(Option::kLinger, 1000).ok());
    EXPECT_TRUE(s.set(Option::kReconnectIvl, 20).ok());
    return s;
  }
  std::string Bind(Socket& s) {
    EXPECT_TRUE(s.bind(testing::BindEndpoint(GetParam())).ok());
    return s.last_endpoint();
  }
  static std::vector<std::string> Recv(Socket& s) {
    std::vector<std::string> out;
    absl::StatusOr<Message> m = s.recv();
    EXPECT_TRUE(m.ok()) << m.status();
    if (m.ok()) {
      for (const Frame& f : *m) out.push_back(f.to_string());
    }
    return out;
  }
  // Publishes `topic` until `sub` receives it: the publisher then holds sub's subscription.
  static void AwaitSubscribed(Socket& pub, Socket& sub, const std::string& topic) {
    ASSERT_TRUE(testing::Eventually([&] {
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
  Socket xpub = Make(SocketType::kXpub);
  const std::string ep = Bind(xpub);
  Socket sub1 = Make(SocketType::kSub);
  Socket sub2 = Make(SocketType::kSub);
  ASSERT_TRUE(sub1.connect(ep).ok());
  ASSERT_TRUE(sub2.connect(ep).ok());
  ASSERT_TRUE(sub1.set(Option::kSubscribe, "a").ok());
  ASSERT_TRUE(sub1.set(Option::kSubscribe, "b").ok());
  ASSERT_TRUE(sub2.set(Option::kSubscribe, "a").ok());
  AwaitSubscribed(xpub, sub1, "b");
  AwaitSubscribed(xpub, sub2, "a");
  // New topics only: sub2's "a" is a duplicate.
  std::vector<std::string> seen = {Recv(xpub).at(0), Recv(xpub).at(0)};
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (Frames{Sub("a"), Sub("b")}));
  EXPECT_FALSE(xpub.recv(Flags::kDontwait).ok());

  sub1.close();  // "a" is still wanted by sub2; "b" by nobody
  EXPECT_EQ(Recv(xpub), Frames{cancel("b")});
  sub2.close();
  EXPECT_EQ(Recv(xpub), Frames{cancel("a")});
  EXPECT_FALSE(xpub.recv(Flags::kDontwait).ok());
}

TEST_P(PatternOptionsTest, ProbeRouterSendsAnEmptyMessageOnConnect) {
  Socket router = Make(SocketType::kRouter);
  const std::string ep = Bind(router);
  Socket dealer = Make(SocketType::kDealer);
  ASSERT_TRUE(dealer.set(Option::kRoutingId, "d").ok());
  ASSERT_TRUE(dealer.set(Option::kProbeRouter, 1).ok());
  ASSERT_TRUE(dealer.connect(ep).ok());
  EXPECT_EQ(Recv(router), (Frames{"d", ""}));
  ASSERT_TRUE(dealer.send("after").ok());
  EXPECT_EQ(Recv(router), (Frames{"d", "after"}));
}

TEST_P(PatternOptionsTest, RouterToRouterWithProbeLetsTheBinderAnswerFirst) {
  Socket server = Make(SocketType::kRouter);
  ASSERT_TRUE(server.set(Option::kRoutingId, "server").ok());
  const std::string ep = Bind(server);
  Socket client = Make(SocketType::kRouter);
  ASSERT_TRUE(client.set(Option::kRoutingId, "client").ok());
  ASSERT_TRUE(client.set(Option::kProbeRouter, 1).ok());
  ASSERT_TRUE(client.connect(ep).ok());
  EXPECT_EQ(Recv(server), (Frames{"client", ""}));
  ASSERT_TRUE(server.set(Option::kRouterMandatory, 1).ok());
  ASSERT_TRUE(server.send(Message{"client", "hello"}).ok());
  EXPECT_EQ(Recv(client), (Frames{"server", "hello"}));
  ASSERT_TRUE(client.send(Message{"server", "back"}).ok());
  EXPECT_EQ(Recv(server), (Frames{"client", "back"}));
}

TEST_P(PatternOptionsTest, ReqRelaxedSendsAgainAndCorrelateDropsTheStaleReply) {
  Socket router = Make(SocketType::kRouter);
  const std::string ep = Bind(router);
  Socket req = Make(SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kReqRelaxed, 1).ok());
  ASSERT_TRUE(req.set(Option::kReqCorrelate, 1).ok());
  ASSERT_TRUE(req.connect(ep).ok());
  ASSERT_TRUE(req.send("q1").ok());
  const Frames first = Recv(router);
  ASSERT_TRUE(req.send("q2").ok());  // no reply yet: strict REQ would refuse
  const Frames second = Recv(router);
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
  EXPECT_EQ(Recv(req), Frames{"r2"});
  EXPECT_EQ(req.recv(Flags::kDontwait).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(PatternOptionsTest, ReqRelaxedWithoutCorrelateKeepsThePlainEnvelope) {
  Socket rep = Make(SocketType::kRep);
  const std::string ep = Bind(rep);
  Socket req = Make(SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kReqRelaxed, 1).ok());
  ASSERT_TRUE(req.connect(ep).ok());
  ASSERT_TRUE(req.send("q1").ok());
  ASSERT_TRUE(req.send("q2").ok());
  EXPECT_EQ(Recv(rep), Frames{"q1"});
  ASSERT_TRUE(rep.send("r1").ok());
  EXPECT_EQ(Recv(rep), Frames{"q2"});
  ASSERT_TRUE(rep.send("r2").ok());
  // Both replies come back on the one pipe: without correlate REQ takes the first.
  EXPECT_EQ(Recv(req), Frames{"r1"});
}

TEST_P(PatternOptionsTest, ConflatingPullReceivesOnlyTheLatestMessage) {
  Socket pull = Make(SocketType::kPull);
  ASSERT_TRUE(pull.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(pull.set(Option::kRcvhwm, 1).ok());  // ignored while conflating
  const std::string ep = Bind(pull);
  Socket push = Make(SocketType::kPush);
  ASSERT_TRUE(push.connect(ep).ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  // Whatever arrived by the time of each recv collapses into its latest message.
  int receives = 0;
  ASSERT_NO_FATAL_FAILURE(testing::ReceiveConflatedUpTo(
      99, [&] { return Recv(pull); }, &receives));
  EXPECT_LT(receives, 100);
  if (GetParam() == Transport::inproc) {
    EXPECT_EQ(receives, 1);  // all were queued before the first recv
  }
}

// Over inproc only the receiving socket conflates (the two share one queue), so a conflating
// sender is a tcp and ipc behaviour.
class StreamPatternOptionsTest : public PatternOptionsTest {};

TEST_P(StreamPatternOptionsTest, ConflatingPushSendsOnlyTheLatestQueuedMessage) {
  Socket push = Make(SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kConflate, 1).ok());
  Socket pull = Make(SocketType::kPull);
  std::string ep = testing::BindEndpoint(GetParam());
  if (GetParam() == Transport::tcp) {
    Socket probe(ctx_, SocketType::kPull);
    ASSERT_TRUE(probe.bind(ep).ok());
    ep = probe.last_endpoint();
  }
  ASSERT_TRUE(push.connect(ep).ok());  // nobody there yet: messages wait in the pipe
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  ASSERT_TRUE(testing::Eventually([&] { return pull.bind(ep).ok(); }));
  EXPECT_EQ(Recv(pull), Frames{"m99"});
  ASSERT_TRUE(push.send("end").ok());
  EXPECT_EQ(Recv(pull), Frames{"end"});
}

TEST_P(PatternOptionsTest, ConflatingSubKeepsTheLatestMatchingMessage) {
  Socket pub = Make(SocketType::kPub);
  const std::string ep = Bind(pub);
  Socket sub = Make(SocketType::kSub);
  ASSERT_TRUE(sub.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(sub.connect(ep).ok());
  ASSERT_TRUE(sub.set(Option::kSubscribe, "t").ok());
  AwaitSubscribed(pub, sub, "t");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pub.send(absl::StrCat("t", i)).ok());
  int last = -1;
  while (last < 99) {
    const Frames got = Recv(sub);
    ASSERT_EQ(got.size(), 1u);
    if (got[0] == "t") continue;  // a late message of AwaitSubscribed
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
                         ::testing::Values(Transport::inproc, Transport::tcp, Transport::ipc),
                         [](const auto& info) { return testing::TransportName(info.param); });
INSTANTIATE_TEST_SUITE_P(Transports, StreamPatternOptionsTest,
                         ::testing::Values(Transport::tcp, Transport::ipc),
                         [](const auto& info) { return testing::TransportName(info.param); });

}  // namespace
}  // namespace bossa::socket
