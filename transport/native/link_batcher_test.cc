#include "transport/native/link_batcher.h"

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "transport/envelope_batch.h"
#include "transport/native/native_wire.h"

namespace bossa::transport {
namespace {

using std::chrono::microseconds;
using Batches = std::vector<std::vector<std::string>>;

constexpr auto kGap = LinkBatcher::kStreamingGap;
constexpr auto kDelay = LinkBatcher::kBatchDelay;

std::vector<std::string> envelopes_in(std::string_view chunk) {
  std::vector<std::string> envelopes;
  EXPECT_TRUE(for_each_in_batch(chunk, [&](std::string_view envelope) {
                envelopes.emplace_back(envelope);
              }).ok());
  return envelopes;
}

// A clock that moves only when the test moves it; it starts far from the epoch, as a real clock
// does, so that a link's first send finds it idle.
class FakeClock final : public LinkBatcher::Clock {
 public:
  LinkBatcher::TimePoint now() const override {
    ++reads;
    return now_;
  }
  void advance(std::chrono::nanoseconds by) { now_ += by; }

  mutable int reads = 0;

 private:
  LinkBatcher::TimePoint now_ = LinkBatcher::TimePoint(std::chrono::hours(1));
};

// A link that notes what the batcher asks of it instead of sending and arming timers.
class FakeIo final : public LinkBatcher::Io {
 public:
  void send_inline(std::vector<std::string> chunks) override {
    std::vector<std::string>& batch = inline_batches.emplace_back();
    for (const std::string& chunk : chunks) {
      for (std::string& envelope : envelopes_in(chunk)) batch.push_back(std::move(envelope));
    }
    if (while_sending_inline) std::exchange(while_sending_inline, nullptr)();
  }
  socket::Message frame(std::string chunk) override {
    return native_message(NativeKind::kData, 1, std::move(chunk));
  }
  absl::Status send_queued(std::deque<socket::Message>& messages) override {
    if (peer_full) return absl::UnavailableError("the peer's queue is full");
    std::vector<std::string>& batch = flushed_batches.emplace_back();
    for (; !messages.empty(); messages.pop_front()) {
      for (std::string& envelope : envelopes_in(messages.front()[1].view())) {
        batch.push_back(std::move(envelope));
      }
    }
    return absl::OkStatus();
  }
  void arm_flush(microseconds delay) override { armed_flushes.push_back(delay); }
  void arm_retry() override { ++armed_retries; }
  bool running() const override { return true; }

  Batches inline_batches;   // sent from a sender's thread, one entry a batch
  Batches flushed_batches;  // sent by flush(), one entry a call
  std::vector<microseconds> armed_flushes;
  int armed_retries = 0;
  bool peer_full = false;
  std::function<void()> while_sending_inline;  // runs once, as if on another sender's thread
};

class LinkBatcherTest : public ::testing::Test {
 protected:
  LinkBatcher::SendResult send(std::string_view envelope) {
    return batcher.send(envelope, [this] { ++kept_link; });
  }

  FakeClock clock;
  FakeIo io;
  // No room timeout: a send that finds the batch full is refused at once.
  LinkBatcher batcher{io, clock, nullptr, std::chrono::nanoseconds::zero()};
  int kept_link = 0;
};

TEST_F(LinkBatcherTest, AnIdleLinkSendsAnEnvelopeAtOnceAsABatchOfOne) {
  EXPECT_EQ(send("a"), LinkBatcher::SendResult::kQueued);
  EXPECT_EQ(io.inline_batches, Batches{{"a"}});
  EXPECT_TRUE(io.armed_flushes.empty());
  EXPECT_EQ(kept_link, 1);  // sending may wait for the socket
}

TEST_F(LinkBatcherTest, ASendAWholeStreamingGapAfterThePreviousOneAlsoLeavesAtOnce) {
  send("a");
  clock.advance(kGap);
  send("b");
  EXPECT_EQ(io.inline_batches, (Batches{{"a"}, {"b"}}));
  EXPECT_TRUE(io.armed_flushes.empty());
}

TEST_F(LinkBatcherTest, SendsCloserThanTheStreamingGapJoinABatchDueABatchDelayAfterItBegan) {
  send("a");
  clock.advance(kGap - std::chrono::nanoseconds(1));
  send("b");
  EXPECT_EQ(io.inline_batches, Batches{{"a"}});
  EXPECT_EQ(io.armed_flushes, std::vector<microseconds>{kDelay});

  // While the batch waits, later sends join it without a look at the clock, however late.
  const int reads = clock.reads;
  clock.advance(kDelay / 2);
  send("c");
  send("d");
  EXPECT_EQ(clock.reads, reads);
  EXPECT_EQ(io.armed_flushes.size(), 1u);

  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(io.flushed_batches, (Batches{{"b", "c", "d"}}));
  EXPECT_EQ(io.inline_batches, Batches{{"a"}});
}

TEST_F(LinkBatcherTest, ABatchOfLargeMessagesIsDueAtOnce) {
  send("a");
  clock.advance(microseconds(1));
  send(std::string(LinkBatcher::kFullBatchBytes, 'L'));
  EXPECT_EQ(io.armed_flushes, std::vector<microseconds>{microseconds::zero()});
}

TEST_F(LinkBatcherTest, ALinkStopsStreamingAfterAWholeBatchDelayWithoutASend) {
  send("a");
  clock.advance(microseconds(1));
  send("b");
  clock.advance(kDelay);
  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(io.flushed_batches, Batches{{"b"}});
  // The link still streams: the flusher looks again a batch delay later, and a send meanwhile,
  // even one long after the streaming gap, joins the batch it will send.
  EXPECT_EQ(io.armed_flushes, (std::vector<microseconds>{kDelay, kDelay}));
  clock.advance(kDelay / 2);
  send("c");
  clock.advance(kDelay / 2);
  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(io.flushed_batches, (Batches{{"b"}, {"c"}}));
  EXPECT_EQ(io.armed_flushes.size(), 3u);

  // A whole batch delay without a send: the flusher finds nothing and arms no more.
  clock.advance(kDelay);
  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(io.flushed_batches.size(), 2u);
  EXPECT_EQ(io.armed_flushes.size(), 3u);

  // The link is idle again: the next send leaves at once.
  clock.advance(microseconds(1));
  send("d");
  EXPECT_EQ(io.inline_batches, (Batches{{"a"}, {"d"}}));
}

TEST_F(LinkBatcherTest, WhatComesWhileAnIdleLinksSenderSendsLeavesWithTheFlusherAfterIt) {
  io.while_sending_inline = [&] {
    clock.advance(kDelay);
    EXPECT_EQ(send("b"), LinkBatcher::SendResult::kQueued);
    // A flush meanwhile (only stop() calls one) leaves the batch to that sender.
    EXPECT_FALSE(batcher.flush(/*retry=*/false));
    EXPECT_TRUE(io.flushed_batches.empty());
  };
  send("a");
  EXPECT_EQ(io.inline_batches, Batches{{"a"}});
  EXPECT_EQ(io.armed_flushes, std::vector<microseconds>{kDelay});
  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(io.flushed_batches, Batches{{"b"}});
}

TEST_F(LinkBatcherTest, ABatchAtTheByteCapMakesSendsWaitForRoomAndRefuseAfterTheRoomTimeout) {
  send("a");
  clock.advance(microseconds(1));
  const std::string mebibyte(size_t{1} << 20, 'M');
  size_t batched = 0;
  while (batched < LinkBatcher::kMaxBatchBytes) {
    ASSERT_EQ(send(mebibyte), LinkBatcher::SendResult::kQueued);
    batched += 8 + mebibyte.size();
  }
  kept_link = 0;
  EXPECT_EQ(send("x"), LinkBatcher::SendResult::kNoRoom);
  EXPECT_EQ(kept_link, 1);  // the caller lets go of its locks before waiting

  // Once the flusher has taken the batch there is room again.
  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(send("x"), LinkBatcher::SendResult::kQueued);
}

TEST_F(LinkBatcherTest, ABatchThePeerRefusesIsTriedAgainWithWhatCameAfterItHeldBehind) {
  send("a");
  clock.advance(microseconds(1));
  send("b");
  io.peer_full = true;
  EXPECT_FALSE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(io.armed_retries, 1);
  EXPECT_EQ(io.armed_flushes.size(), 1u);

  // Meanwhile the link neither sends at once nor arms a flush: later envelopes wait behind.
  clock.advance(kDelay);
  send("c");
  EXPECT_EQ(io.inline_batches, Batches{{"a"}});
  EXPECT_EQ(io.armed_flushes.size(), 1u);

  io.peer_full = false;
  EXPECT_TRUE(batcher.flush(/*retry=*/true));
  EXPECT_EQ(io.flushed_batches, Batches{{"b"}});
  EXPECT_EQ(io.armed_flushes, (std::vector<microseconds>{kDelay, kDelay}));
  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_EQ(io.flushed_batches, (Batches{{"b"}, {"c"}}));
}

TEST_F(LinkBatcherTest, AClosedLinkDropsItsBatchAndRefusesSends) {
  send("a");
  clock.advance(microseconds(1));
  send("b");
  batcher.close();
  EXPECT_EQ(send("c"), LinkBatcher::SendResult::kClosed);
  EXPECT_TRUE(batcher.flush(/*retry=*/false));
  EXPECT_TRUE(io.flushed_batches.empty());
}

TEST_F(LinkBatcherTest, CountsEveryEnvelopeItAcceptsAndNoneItRefuses) {
  ASSERT_EQ(send("a"), LinkBatcher::SendResult::kQueued);  // idle: at once
  clock.advance(kGap / 2);
  ASSERT_EQ(send("b"), LinkBatcher::SendResult::kQueued);  // streaming: batched
  ASSERT_EQ(send("c"), LinkBatcher::SendResult::kQueued);
  EXPECT_EQ(batcher.accepted(), 3u);
  batcher.close();
  EXPECT_EQ(send("d"), LinkBatcher::SendResult::kClosed);
  EXPECT_EQ(batcher.accepted(), 3u);  // b and c were dropped with the batch: in doubt
}

}  // namespace
}  // namespace bossa::transport
