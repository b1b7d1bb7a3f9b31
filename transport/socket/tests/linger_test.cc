// Linger of a dialer that never connected: messages queued on a connecting socket before any peer
// existed are delivered after close() or disconnect() while the linger lasts (libzmq's behaviour),
// dropped at once with linger 0, and dropped once the linger ran out.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::Transport;

class DialerLingerTest : public ::testing::TestWithParam<Transport> {
 protected:
  // An endpoint nobody binds yet. tcp: a port reserved by binding and closing a probe socket.
  std::string unbound_endpoint() {
    if (GetParam() != Transport::kTcp) return testing::bind_endpoint(GetParam());
    Socket probe(ctx_, SocketType::kPull);
    EXPECT_TRUE(probe.bind("tcp://127.0.0.1:*").ok());
    return probe.last_endpoint();
  }

  // Connects a PUSH to `ep`, queues m0..m9 and closes it with `linger`; returns how long close
  // took.
  Clock::duration send_and_close(const std::string& ep, int linger) {
    Socket push(ctx_, SocketType::kPush);
    EXPECT_TRUE(push.set(Option::kLinger, linger).ok());
    EXPECT_TRUE(push.set(Option::kReconnectIvl, 20).ok());
    EXPECT_TRUE(push.connect(ep).ok());
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(push.send(absl::StrCat("m", i)).ok());
    const auto start = Clock::now();
    push.close();
    return Clock::now() - start;
  }

  Socket bound_pull(const std::string& ep, int rcvtimeo) {
    Socket pull(ctx_, SocketType::kPull);
    EXPECT_TRUE(pull.set(Option::kRcvtimeo, rcvtimeo).ok());
    EXPECT_TRUE(pull.set(Option::kLinger, 0).ok());
    EXPECT_TRUE(testing::eventually([&] { return pull.bind(ep).ok(); }));
    return pull;
  }

  Context ctx_{1};
};

TEST_P(DialerLingerTest, QueuedMessagesReachAPeerThatBindsWithinTheLinger) {
  const std::string ep = unbound_endpoint();
  EXPECT_LT(send_and_close(ep, 2000), 500ms);  // close does not wait for the linger
  Socket pull = bound_pull(ep, 5000);
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<Message> m = pull.recv();
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ((*m)[0], absl::StrCat("m", i));
  }
}

TEST_P(DialerLingerTest, InfiniteLingerWaitsForALatePeer) {
  const std::string ep = unbound_endpoint();
  EXPECT_LT(send_and_close(ep, -1), 500ms);
  std::this_thread::sleep_for(300ms);  // the peer shows up well after close
  Socket pull = bound_pull(ep, 5000);
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<Message> m = pull.recv();
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ((*m)[0], absl::StrCat("m", i));
  }
}

TEST_P(DialerLingerTest, LingerZeroDropsQueuedMessagesAtClose) {
  const std::string ep = unbound_endpoint();
  EXPECT_LT(send_and_close(ep, 0), 500ms);
  Socket pull = bound_pull(ep, 500);
  EXPECT_EQ(pull.recv().status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_P(DialerLingerTest, MessagesAreDroppedOnceTheLingerRanOut) {
  const std::string ep = unbound_endpoint();
  EXPECT_LT(send_and_close(ep, 100), 500ms);
  std::this_thread::sleep_for(400ms);  // past the linger: the dialer must have given up
  Socket pull = bound_pull(ep, 500);
  EXPECT_EQ(pull.recv().status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_P(DialerLingerTest, DisconnectedDialerStillDeliversWithinLinger) {
  const std::string ep = unbound_endpoint();
  Socket push(ctx_, SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kLinger, 2000).ok());
  ASSERT_TRUE(push.set(Option::kReconnectIvl, 20).ok());
  ASSERT_TRUE(push.connect(ep).ok());
  ASSERT_TRUE(push.send("queued").ok());
  ASSERT_TRUE(push.disconnect(ep).ok());
  EXPECT_EQ(push.send("after", Flags::kDontwait).code(), absl::StatusCode::kUnavailable);
  Socket pull = bound_pull(ep, 5000);
  absl::StatusOr<Message> m = pull.recv();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)[0], "queued");
}

TEST_P(DialerLingerTest, DisconnectWithLingerZeroDropsWhatNeverLeft) {
  const std::string ep = unbound_endpoint();
  Socket push(ctx_, SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kLinger, 0).ok());
  ASSERT_TRUE(push.set(Option::kReconnectIvl, 20).ok());
  ASSERT_TRUE(push.connect(ep).ok());
  ASSERT_TRUE(push.send("lost").ok());
  ASSERT_TRUE(push.disconnect(ep).ok());
  Socket pull = bound_pull(ep, 500);
  EXPECT_EQ(pull.recv().status().code(), absl::StatusCode::kDeadlineExceeded);
}

INSTANTIATE_TEST_SUITE_P(Transports, DialerLingerTest,
                         ::testing::Values(Transport::kTcp, Transport::kIpc),
                         [](const auto& info) { return testing::transport_name(info.param); });

}  // namespace
}  // namespace bossa::socket
