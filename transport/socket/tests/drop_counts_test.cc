// Drop accounting: every message a socket discards by its type's rule is counted per reason
// (drop_counts) and reported as a MESSAGE_DROPPED monitor event, one test per reason.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/monitor_test.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using testing::MonitorReader;

// The next `n` events must each be MESSAGE_DROPPED of one message for `reason`.
void expect_drops(MonitorReader& events, int n, DropReason reason) {
  for (int i = 0; i < n; ++i) {
    const MonitorEvent e = events.expect(kEventMessageDropped);
    EXPECT_EQ(e.value, 1u);
    EXPECT_EQ(e.endpoint, drop_reason_name(reason));
  }
  EXPECT_FALSE(events.next(20).has_value());
}

TEST(DropCounts, PubDropsWhatASubscriberAtItsHighWaterMarkCannotTake) {
  Context ctx(0);
  Socket pub(ctx, SocketType::kPub);
  ASSERT_TRUE(pub.set(Option::kSndhwm, 1).ok());
  MonitorReader events(ctx, "inproc://mon-pub");
  ASSERT_TRUE(pub.monitor("inproc://mon-pub", kEventMessageDropped).ok());
  ASSERT_TRUE(pub.bind("inproc://pub").ok());
  Socket sub(ctx, SocketType::kSub);
  ASSERT_TRUE(sub.set(Option::kRcvhwm, 1).ok());
  ASSERT_TRUE(sub.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(sub.set(Option::kSubscribe, "").ok());
  ASSERT_TRUE(sub.connect("inproc://pub").ok());
  // The subscription is in once a message gets through.
  ASSERT_TRUE(testing::eventually([&] {
    EXPECT_TRUE(pub.send("probe").ok());
    return sub.recv(Flags::kDontwait).ok();
  }));
  while (sub.recv(Flags::kDontwait).ok()) {
  }
  const std::uint64_t before = pub.drop_counts().hwm;
  while (events.next(20).has_value()) {  // probes sent while the subscription travelled
  }
  // An inproc pipe holds the sender's sndhwm plus the receiver's rcvhwm: 2 of the 10.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pub.send(absl::StrCat("m", i)).ok());
  EXPECT_EQ(pub.drop_counts().hwm - before, 8u);
  EXPECT_EQ(pub.drop_counts().total(), pub.drop_counts().hwm);
  EXPECT_EQ(pub.stats().messages_dropped, pub.drop_counts().total());
  expect_drops(events, 8, DropReason::kHwm);
}

TEST(DropCounts, RouterDropsAnUnknownRoutingIdUnlessMandatory) {
  Context ctx(0);
  Socket router(ctx, SocketType::kRouter);
  MonitorReader events(ctx, "inproc://mon-router");
  ASSERT_TRUE(router.monitor("inproc://mon-router").ok());
  ASSERT_TRUE(router.send(Message{"nobody", "hello"}).ok());
  EXPECT_EQ(router.drop_counts().unroutable, 1u);
  expect_drops(events, 1, DropReason::kUnroutable);
  ASSERT_TRUE(router.set(Option::kRouterMandatory, 1).ok());
  EXPECT_TRUE(absl::IsNotFound(router.send(Message{"nobody", "hello"})));
  EXPECT_EQ(router.drop_counts().unroutable, 1u);
}

TEST(DropCounts, RouterDropsForAPeerAtItsHighWaterMark) {
  Context ctx(0);
  Socket router(ctx, SocketType::kRouter);
  ASSERT_TRUE(router.set(Option::kSndhwm, 1).ok());
  ASSERT_TRUE(router.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(router.bind("inproc://router").ok());
  Socket dealer(ctx, SocketType::kDealer);
  ASSERT_TRUE(dealer.set(Option::kRoutingId, "d").ok());
  ASSERT_TRUE(dealer.set(Option::kRcvhwm, 1).ok());
  ASSERT_TRUE(dealer.connect("inproc://router").ok());
  ASSERT_TRUE(dealer.send("hello").ok());
  ASSERT_TRUE(router.recv().ok());
  MonitorReader events(ctx, "inproc://mon-router-hwm");
  ASSERT_TRUE(router.monitor("inproc://mon-router-hwm").ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(router.send(Message{"d", "m"}).ok());
  EXPECT_EQ(router.drop_counts().hwm, 3u);
  expect_drops(events, 3, DropReason::kHwm);
}

TEST(DropCounts, RepDropsARequestWithoutEnvelopeAndAReplyWhoseRequesterLeft) {
  Context ctx(0);
  Socket rep(ctx, SocketType::kRep);
  ASSERT_TRUE(rep.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(rep.bind("inproc://rep").ok());
  MonitorReader events(ctx, "inproc://mon-rep");
  ASSERT_TRUE(rep.monitor("inproc://mon-rep").ok());
  {
    Socket dealer(ctx, SocketType::kDealer);
    ASSERT_TRUE(dealer.connect("inproc://rep").ok());
    ASSERT_TRUE(dealer.send("no envelope").ok());
    ASSERT_TRUE(dealer.send(Message{"", "fine"}).ok());
    absl::StatusOr<Message> m = rep.recv();
    ASSERT_TRUE(m.ok());
    EXPECT_EQ((*m)[0], "fine");
    EXPECT_EQ(rep.drop_counts().unexpected, 1u);
    expect_drops(events, 1, DropReason::kUnexpected);
  }
  ASSERT_TRUE(rep.send("to nobody").ok());
  EXPECT_EQ(rep.drop_counts().unroutable, 1u);
  expect_drops(events, 1, DropReason::kUnroutable);
}

TEST(DropCounts, ReqDropsAReplyThatIsNotForTheLastRequest) {
  Context ctx(0);
  Socket router(ctx, SocketType::kRouter);
  ASSERT_TRUE(router.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(router.bind("inproc://req").ok());
  Socket req(ctx, SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kReqCorrelate, 1).ok());
  ASSERT_TRUE(req.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(req.connect("inproc://req").ok());
  ASSERT_TRUE(req.send("q").ok());
  absl::StatusOr<Message> request = router.recv();  // [peer id, request id, "", "q"]
  ASSERT_TRUE(request.ok());
  ASSERT_EQ(request->size(), 4u);
  Message stale{(*request)[0].view(), "\xff\xff\xff\xff", "", "old"};
  ASSERT_TRUE(router.send(std::move(stale)).ok());
  ASSERT_TRUE(router.send(std::move(*request)).ok());  // the request itself, echoed as reply
  absl::StatusOr<Message> reply = req.recv();
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ((*reply)[0], "q");
  EXPECT_EQ(req.drop_counts().unexpected, 1u);
}

TEST(DropCounts, ConflateCountsTheMessagesANewerOneReplacedOnReceipt) {
  Context ctx(0);
  Socket pull(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(pull.bind("inproc://conflate").ok());
  MonitorReader events(ctx, "inproc://mon-conflate");
  ASSERT_TRUE(pull.monitor("inproc://mon-conflate").ok());
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.connect("inproc://conflate").ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  absl::StatusOr<Message> m = pull.recv(Flags::kDontwait);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[0], "m4");
  EXPECT_EQ(pull.drop_counts().conflated, 4u);
  const MonitorEvent e = events.expect(kEventMessageDropped);
  EXPECT_EQ(e.value, 4u);  // one event for the four one read skipped
  EXPECT_EQ(e.endpoint, "conflated");
}

TEST(DropCounts, ConflateCountsTheMessagesANewerOneReplacedBeforeSending) {
  Context ctx(1);
  const std::string endpoint = testing::unused_tcp_endpoint(ctx);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kConflate, 1).ok());
  ASSERT_TRUE(push.set(Option::kReconnectIvl, 20).ok());
  ASSERT_TRUE(push.connect(endpoint).ok());  // nobody there yet: the messages wait
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(push.send(absl::StrCat("m", i)).ok());
  Socket pull(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(pull.bind(endpoint).ok());
  absl::StatusOr<Message> m = pull.recv();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[0], "m4");
  EXPECT_TRUE(testing::eventually([&] { return push.drop_counts().conflated == 4; }));
}

TEST(DropCounts, MessagesLeftQueuedWhenAnInprocPeerClosesAreCountedByTheSender) {
  Context ctx(0);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.bind("inproc://left").ok());
  {
    Socket pull(ctx, SocketType::kPull);
    ASSERT_TRUE(pull.connect("inproc://left").ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(push.send("unread").ok());
  }
  EXPECT_TRUE(testing::eventually([&] {
    push.writable();  // lets the socket see its peer go
    return push.drop_counts().pipe_closed == 3;
  }));
}

TEST(DropCounts, AMessageUnreadWhenATcpReceiverClosesIsCountedByIt) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.bind("tcp://127.0.0.1:*").ok());
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.connect(pull.last_endpoint()).ok());
  ASSERT_TRUE(push.send(Message{"one", "message", "unread"}).ok());
  ASSERT_TRUE(testing::eventually([&] { return pull.readable(); }));  // whole, or not at all
  pull.close();
  EXPECT_TRUE(testing::eventually([&] { return pull.drop_counts().pipe_closed == 1; }));
}

TEST(DropCounts, MessagesQueuedForAPeerThatNeverCameAreCountedWhenTheLingerEnds) {
  Context ctx(1);
  const std::string endpoint = testing::unused_tcp_endpoint(ctx);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kLinger, 0).ok());
  ASSERT_TRUE(push.connect(endpoint).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(push.send("never sent").ok());
  push.close();
  EXPECT_TRUE(testing::eventually([&] { return push.drop_counts().pipe_closed == 3; }));
}

TEST(DropCounts, MessagesQueuedOnAnInprocConnectNobodyBoundAreCountedOnClose) {
  Context ctx(0);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.connect("inproc://never-bound").ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(push.send("waiting").ok());
  push.close();
  EXPECT_EQ(push.drop_counts().pipe_closed, 2u);
}

}  // namespace
}  // namespace bossa::socket
