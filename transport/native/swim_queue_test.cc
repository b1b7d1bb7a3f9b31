// SwimQueue: least-sent first, newest first among equals, out after `limit` sends (or hearings),
// and the most-sent dropped past capacity.
#include "transport/native/swim_queue.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace bossa::transport {
namespace {

std::vector<uint32_t> take(SwimQueue& queue, size_t max, uint32_t limit) {
  std::vector<uint32_t> out;
  queue.take(max, limit, out);
  return out;
}

TEST(SwimQueueTest, TheLeastSentGoFirstAndTheNewestAmongThem) {
  SwimQueue queue(100);
  queue.push(1);
  queue.push(2);
  EXPECT_EQ(take(queue, 1, 10), (std::vector<uint32_t>{2}));
  queue.push(3);
  EXPECT_EQ(take(queue, 10, 10), (std::vector<uint32_t>{3, 1, 2}));
  EXPECT_EQ(take(queue, 10, 10), (std::vector<uint32_t>{3, 1, 2}));
}

TEST(SwimQueueTest, AnIdSentLimitTimesLeaves) {
  SwimQueue queue(100);
  queue.push(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(take(queue, 5, 3).size(), 1u);
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(take(queue, 5, 3).empty());
}

TEST(SwimQueueTest, NewerNewsOfAnIdStartsItsCountAgainAndIsSentOnce) {
  SwimQueue queue(100);
  queue.push(1);
  take(queue, 5, 3);
  take(queue, 5, 3);
  queue.push(1);
  EXPECT_EQ(take(queue, 5, 3), (std::vector<uint32_t>{1}));
  EXPECT_EQ(take(queue, 5, 3), (std::vector<uint32_t>{1}));
  EXPECT_EQ(take(queue, 5, 3), (std::vector<uint32_t>{1}));
  EXPECT_TRUE(queue.empty());
}

TEST(SwimQueueTest, HearingNewsFromOthersCountsAsSendingIt) {
  SwimQueue queue(100);
  queue.push(1);
  queue.push(2);
  queue.heard(1, 3);
  queue.heard(1, 3);
  queue.heard(7, 3);  // not queued: nothing
  EXPECT_EQ(take(queue, 5, 3), (std::vector<uint32_t>{2, 1}));
  EXPECT_EQ(queue.size(), 1u) << "1 was sent (or heard) three times";
}

TEST(SwimQueueTest, PastCapacityTheMostSentIsDropped) {
  SwimQueue queue(2);
  queue.push(1);
  take(queue, 1, 10);  // 1 sent once
  queue.push(2);
  queue.push(3);
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(take(queue, 5, 10), (std::vector<uint32_t>{3, 2}));
}

}  // namespace
}  // namespace bossa::transport
