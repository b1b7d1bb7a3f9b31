#include "cluster/signal_order.h"

#include <gtest/gtest.h>

#include <vector>

namespace bossa {
namespace {

constexpr uint32_t kPeer = 7;

SignalOrder::Held signal_at(uint64_t watermark, SignalOrder::Clock::time_point since) {
  return SignalOrder::Held{.kind = EnvelopeKind::kLinkExit,
                           .to = Pid{1, 1},
                           .from = Pid{kPeer, watermark},
                           .correlation_id = 0,
                           .reason = ExitReason::error("gone"),
                           .watermark = watermark,
                           .since = since};
}

TEST(SignalOrder, HoldsASignalUntilTheMessagesSentBeforeItArrived) {
  SignalOrder order;
  const auto now = SignalOrder::Clock::now();
  SignalOrder::Held early = signal_at(0, now);
  EXPECT_FALSE(order.hold(kPeer, early)) << "nothing was sent before it";
  SignalOrder::Held second = signal_at(2, now);
  ASSERT_TRUE(order.hold(kPeer, second));
  SignalOrder::Held third = signal_at(2, now);
  ASSERT_TRUE(order.hold(kPeer, third)) << "behind a held one, a signal waits too";
  EXPECT_TRUE(order.holding());
  EXPECT_FALSE(order.received_data(kPeer));
  std::vector<SignalOrder::Held> due;
  order.take_due(kPeer, now, due);
  EXPECT_TRUE(due.empty());
  EXPECT_TRUE(order.received_data(kPeer)) << "the second message was the last before them";
  order.take_due(kPeer, now, due);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].from, second.from);
  EXPECT_FALSE(order.holding());
}

TEST(SignalOrder, LetsASignalGoAfterItsLongestWait) {
  SignalOrder order;
  const auto then = SignalOrder::Clock::now();
  SignalOrder::Held lost = signal_at(5, then);  // its messages were lost with a connection
  ASSERT_TRUE(order.hold(kPeer, lost));
  std::vector<SignalOrder::Held> due;
  order.take_due(0, then + SignalOrder::kMaxHold / 2, due);
  EXPECT_TRUE(due.empty());
  order.take_due(0, then + SignalOrder::kMaxHold, due);
  EXPECT_EQ(due.size(), 1u);
}

TEST(SignalOrder, ANodeGoingDownReleasesWhatItHeld) {
  SignalOrder order;
  SignalOrder::Held held = signal_at(3, SignalOrder::Clock::now());
  ASSERT_TRUE(order.hold(kPeer, held));
  std::vector<SignalOrder::Held> due;
  order.node_down(kPeer, due);
  EXPECT_EQ(due.size(), 1u);
  EXPECT_FALSE(order.holding());
}

}  // namespace
}  // namespace bossa
