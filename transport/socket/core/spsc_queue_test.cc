// SpscQueue: order, the high-water mark and the sleep/wake hand-off.
#include "transport/socket/core/spsc_queue.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <semaphore>
#include <thread>

#include <gtest/gtest.h>

namespace bossa::socket {
namespace {

using namespace std::chrono_literals;

// Counts wake-ups; a waiter takes one at a time.
class SemaphoreListener final : public QueueListener {
 public:
  void on_queue_ready() override { ready_.release(); }
  bool wait(std::chrono::milliseconds timeout) { return ready_.try_acquire_for(timeout); }

 private:
  std::counting_semaphore<> ready_{0};
};

TEST(SpscQueueTest, ItemsArriveInOrderAndAnArmedReaderIsAlwaysWoken) {
  constexpr std::uint64_t kItems = 200'000;
  SpscQueue<std::uint64_t> q(0);
  auto reader = std::make_shared<SemaphoreListener>();
  q.set_reader_listener(reader);
  std::jthread producer([&] {  // joined on every exit, failed assertions included
    for (std::uint64_t i = 0; i < kItems; ++i) {
      q.push(std::uint64_t{i});
      q.flush();  // one flush per item, as a socket sends
    }
  });
  std::uint64_t expected = 0;
  while (expected < kItems) {
    std::uint64_t item;
    if (q.pop(item)) {
      ASSERT_EQ(item, expected);
      ++expected;
      continue;
    }
    // pop found the queue empty and armed the wake-up: a lost one would stall here.
    ASSERT_TRUE(reader->wait(10s)) << "reader never woken after " << expected << " items";
  }
}

TEST(SpscQueueTest, FullProducerIsWokenOnceHalfTheQueueIsRead) {
  SpscQueue<int> q(4);
  auto writer = std::make_shared<SemaphoreListener>();
  q.set_writer_listener(writer);
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(q.full());
    q.push(int{i});
  }
  q.flush();
  EXPECT_TRUE(q.full());
  int item;
  ASSERT_TRUE(q.pop(item));
  q.release_reads();
  EXPECT_FALSE(writer->wait(0ms)) << "woken with 3 of 4 still queued";
  ASSERT_TRUE(q.pop(item));
  q.release_reads();
  EXPECT_TRUE(writer->wait(0ms));
  EXPECT_FALSE(q.full());
}

}  // namespace
}  // namespace bossa::socket
