#include "runtime/mailbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace bossa {
namespace {

ElementPtr element_with(int value, Pid from = Pid{1, 1}) {
  return make_element<int>(from, MessageKind::kUser, 0, value);
}

TEST(MailboxTest, FetchReturnsElementsInPushOrder) {
  Mailbox mailbox;
  for (int i = 0; i < 5; ++i) {
    ElementPtr e = element_with(i);
    ASSERT_EQ(mailbox.push(e), Mailbox::PushResult::kQueued);
  }
  ElementQueue queue;
  EXPECT_EQ(mailbox.fetch(queue), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(*queue.pop_front()->get_if<int>(), i);
  EXPECT_TRUE(queue.empty());
}

TEST(MailboxTest, DepthCountsPushedAndHeldElements) {
  Mailbox mailbox;
  EXPECT_EQ(mailbox.depth(), 0u);
  for (int i = 0; i < 3; ++i) {
    ElementPtr e = element_with(i);
    mailbox.push(e);
  }
  EXPECT_EQ(mailbox.depth(), 3u);  // pushed, not fetched yet
  ElementRun run;
  run.push_back(element_with(3));
  run.push_back(element_with(4));
  mailbox.push(run);
  EXPECT_EQ(mailbox.depth(), 5u);
  ElementQueue queue;
  mailbox.fetch(queue);
  EXPECT_EQ(mailbox.depth(), 5u);  // fetched: held now
  queue.pop_front();
  queue.pop_front();
  queue.pop_front();
  mailbox.set_held(queue.size());
  EXPECT_EQ(mailbox.depth(), 2u);
}

TEST(MailboxTest, DepthCountsPastWhatTheHeadsCountHolds) {
  constexpr size_t kPushed = 200'000;  // the head counts up to 65535
  Mailbox mailbox;
  for (size_t i = 0; i < kPushed; ++i) {
    ElementPtr e = element_with(static_cast<int>(i));
    mailbox.push(e);
  }
  ElementPtr signal = make_element<int>(Pid{1, 1}, MessageKind::kExit, 0, -1);
  mailbox.push_urgent(signal);
  EXPECT_EQ(mailbox.depth(), kPushed + 1);
  ElementQueue queue;
  EXPECT_EQ(mailbox.fetch(queue), kPushed);
  EXPECT_EQ(mailbox.fetch_urgent(queue), 1u);
  mailbox.set_held(0);
  EXPECT_EQ(mailbox.depth(), 0u);
  for (size_t i = 0; i < kPushed; ++i) EXPECT_EQ(*queue.pop_front()->get_if<int>(), i);
}

TEST(MailboxTest, OnlyTheFirstPushAfterBlockingWakesTheReader) {
  Mailbox mailbox;
  ASSERT_TRUE(mailbox.try_block());
  ElementPtr first = element_with(1);
  ElementPtr second = element_with(2);
  EXPECT_EQ(mailbox.push(first), Mailbox::PushResult::kReaderWasBlocked);
  EXPECT_EQ(mailbox.push(second), Mailbox::PushResult::kQueued);
}

TEST(MailboxTest, CannotBlockWhileElementsWait) {
  Mailbox mailbox;
  ElementPtr e = element_with(1);
  mailbox.push(e);
  EXPECT_FALSE(mailbox.try_block());
  ElementQueue queue;
  mailbox.fetch(queue);
  EXPECT_TRUE(mailbox.try_block());
}

TEST(MailboxTest, ClosedMailboxRefusesAndReturnsLeftovers) {
  Mailbox mailbox;
  ElementPtr e = element_with(7);
  mailbox.push(e);
  ElementQueue leftover;
  mailbox.close().move_to(leftover);
  ASSERT_EQ(leftover.size(), 1u);
  EXPECT_EQ(*leftover.pop_front()->get_if<int>(), 7);
  ElementPtr late = element_with(8);
  EXPECT_EQ(mailbox.push(late), Mailbox::PushResult::kClosed);
  ASSERT_NE(late, nullptr);  // still the caller's
  EXPECT_EQ(*late->get_if<int>(), 8);
}

TEST(MailboxTest, ARunArrivesInOrderAfterWhatCameBeforeIt) {
  Mailbox mailbox;
  ElementPtr first = element_with(0);
  mailbox.push(first);
  ElementRun run;
  for (int i = 1; i <= 3; ++i) run.push_back(element_with(i));
  EXPECT_EQ(run.size(), 3u);
  EXPECT_EQ(mailbox.push(run), Mailbox::PushResult::kQueued);
  EXPECT_TRUE(run.empty());
  ElementPtr last = element_with(4);
  mailbox.push(last);
  ElementQueue queue;
  EXPECT_EQ(mailbox.fetch(queue), 5u);
  for (int i = 0; i <= 4; ++i) EXPECT_EQ(*queue.pop_front()->get_if<int>(), i);
}

TEST(MailboxTest, ARunWakesABlockedReaderOnce) {
  Mailbox mailbox;
  ASSERT_TRUE(mailbox.try_block());
  ElementRun run;
  run.push_back(element_with(1));
  run.push_back(element_with(2));
  EXPECT_EQ(mailbox.push(run), Mailbox::PushResult::kReaderWasBlocked);
  ElementPtr after = element_with(3);
  EXPECT_EQ(mailbox.push(after), Mailbox::PushResult::kQueued);
}

TEST(MailboxTest, AClosedMailboxLeavesARunWithItsSender) {
  Mailbox mailbox;
  ElementQueue leftover;
  mailbox.close().move_to(leftover);
  ElementRun run;
  run.push_back(element_with(1));
  run.push_back(element_with(2));
  EXPECT_EQ(mailbox.push(run), Mailbox::PushResult::kClosed);
  ASSERT_EQ(run.size(), 2u);
  ElementQueue refused;
  run.move_to(refused);
  EXPECT_TRUE(run.empty());
  for (int i = 1; i <= 2; ++i) EXPECT_EQ(*refused.pop_front()->get_if<int>(), i);
}

TEST(MailboxTest, RunsRefusedByAClosingMailboxKeepOnlyTheirOwnElements) {
  // Writers push runs while the reader takes some and then closes: every element ends up exactly
  // once with the reader, in the leftovers, or back with its writer (under ASan, a refused run
  // that reached into the reader's elements is a double free).
  constexpr int kWriters = 3;
  constexpr int kRunLength = 8;
  for (int round = 0; round < 200; ++round) {
    Mailbox mailbox;
    std::atomic<bool> closed{false};
    std::atomic<int> pushed{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&] {
        while (!closed.load(std::memory_order_acquire)) {
          ElementRun run;
          for (int i = 0; i < kRunLength; ++i) run.push_back(element_with(i));
          pushed.fetch_add(kRunLength);
          if (mailbox.push(run) == Mailbox::PushResult::kClosed) {
            ElementQueue back;
            run.move_to(back);
            refused.fetch_add(static_cast<int>(back.size()));
            return;
          }
        }
      });
    }
    ElementQueue taken;
    while (taken.size() < 64) mailbox.fetch(taken);
    ElementQueue leftover;
    mailbox.close().move_to(leftover);
    closed.store(true, std::memory_order_release);
    for (auto& t : writers) t.join();
    ASSERT_EQ(static_cast<int>(taken.size() + leftover.size()) + refused.load(), pushed.load())
        << "round " << round;
  }
}

TEST(MailboxTest, ConcurrentSendersKeepTheirOwnOrder) {
  constexpr int kSenders = 4;
  constexpr int kPerSender = 50000;
  Mailbox mailbox;
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&mailbox, s] {
      for (int i = 0; i < kPerSender; ++i) {
        ElementPtr e = element_with(i, Pid{1, static_cast<uint64_t>(s + 1)});
        mailbox.push(e);
      }
    });
  }
  std::vector<int> next(kSenders, 0);
  ElementQueue queue;
  int received = 0;
  while (received < kSenders * kPerSender) {
    mailbox.fetch(queue);
    while (ElementPtr e = queue.pop_front()) {
      const int sender = static_cast<int>(e->from.serial) - 1;
      ASSERT_EQ(*e->get_if<int>(), next[sender]) << "sender " << sender;
      ++next[sender];
      ++received;
    }
  }
  for (auto& t : senders) t.join();
}

TEST(ElementQueueTest, PrependKeepsBothOrders) {
  ElementQueue a;
  ElementQueue b;
  a.push_back(element_with(3));
  a.push_back(element_with(4));
  b.push_back(element_with(1));
  b.push_back(element_with(2));
  a.prepend(b);
  EXPECT_TRUE(b.empty());
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(*a.pop_front()->get_if<int>(), i);
}

}  // namespace
}  // namespace bossa
