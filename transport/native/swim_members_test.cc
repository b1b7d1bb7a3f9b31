// SwimMembers: every live member probed once a round, the live names indexed, tombstones kept in
// order until they expire, and digests that follow the live entries.
#include "transport/native/swim_members.h"

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace bossa::transport {
namespace {

using namespace std::chrono_literals;
using TimePoint = SwimMembers::TimePoint;

SwimUpdate update(uint32_t id, SwimStatus status, uint32_t epoch = 0) {
  return SwimUpdate{make_swim_node(id, "node-" + std::to_string(id),
                                   "tcp://10.0.0." + std::to_string(id) + ":7000"),
                    status,
                    0,
                    epoch,
                    0,
                    false};
}

class SwimMembersTest : public ::testing::Test {
 protected:
  void set(uint32_t id, SwimStatus status, TimePoint at = TimePoint{}, uint32_t epoch = 0) {
    members_.set(update(id, status, epoch), at, random_);
  }

  SwimMembers members_;
  SwimRandom random_{3};
};

TEST_F(SwimMembersTest, EveryLiveMemberIsProbedOnceARoundAndTheDeadNot) {
  for (uint32_t id = 1; id <= 20; ++id) set(id, SwimStatus::kAlive);
  set(7, SwimStatus::kDead);
  set(8, SwimStatus::kSuspect);
  for (int round = 0; round < 3; ++round) {
    std::set<uint32_t> probed;
    for (int i = 0; i < 19; ++i) probed.insert(members_.next_to_probe(random_)->node->id);
    EXPECT_EQ(probed.size(), 19u) << "round " << round;
    EXPECT_FALSE(probed.contains(7));
  }
}

TEST_F(SwimMembersTest, AMemberThatJoinsMidRoundIsProbedInThatRound) {
  for (uint32_t id = 1; id <= 10; ++id) set(id, SwimStatus::kAlive);
  std::set<uint32_t> probed;
  for (int i = 0; i < 5; ++i) probed.insert(members_.next_to_probe(random_)->node->id);
  set(11, SwimStatus::kAlive);
  for (int i = 0; i < 6; ++i) probed.insert(members_.next_to_probe(random_)->node->id);
  EXPECT_EQ(probed.size(), 11u);
}

TEST_F(SwimMembersTest, OnlyLiveMembersAreFoundByName) {
  set(1, SwimStatus::kAlive);
  set(2, SwimStatus::kSuspect);
  set(3, SwimStatus::kDead);
  EXPECT_EQ(members_.live_named("node-1")->node->id, 1u);
  EXPECT_EQ(members_.live_named("node-2")->node->id, 2u);
  EXPECT_EQ(members_.live_named("node-3"), nullptr);
  set(1, SwimStatus::kLeft);
  EXPECT_EQ(members_.live_named("node-1"), nullptr);
  EXPECT_EQ(members_.live_at("tcp://10.0.0.2:7000")->node->id, 2u);
  EXPECT_EQ(members_.live_count(), 1u);
}

TEST_F(SwimMembersTest, TombstonesLastTheirLifetimeAndTheOldestGoPastTheCount) {
  const TimePoint start{};
  set(1, SwimStatus::kDead, start);
  set(2, SwimStatus::kDead, start + 1s);
  set(3, SwimStatus::kDead, start + 2s);
  members_.expire_tombstones(start + 1500ms, 1s, 10);
  EXPECT_EQ(members_.find(1), nullptr);
  EXPECT_NE(members_.find(2), nullptr);
  EXPECT_EQ(members_.next_expiry(1s), start + 2s);
  members_.expire_tombstones(start + 1500ms, 1s, 1);
  EXPECT_EQ(members_.find(2), nullptr);
  EXPECT_NE(members_.find(3), nullptr);
}

TEST_F(SwimMembersTest, AMemberBackInANewEpochIsNotForgottenWithItsOldTombstone) {
  const TimePoint start{};
  set(1, SwimStatus::kDead, start);
  set(1, SwimStatus::kAlive, start + 1s, 1);
  members_.expire_tombstones(start + 1h, 1s, 10);
  ASSERT_NE(members_.find(1), nullptr);
  EXPECT_TRUE(members_.find(1)->live());
  EXPECT_EQ(members_.random_tombstone(random_), nullptr);
}

TEST_F(SwimMembersTest, DigestsFollowTheLiveEntriesWhateverTheOrderAndAFineSetSelects) {
  SwimMembers other;
  for (uint32_t id = 1; id <= 50; ++id) set(id, SwimStatus::kAlive);
  for (uint32_t id = 50; id >= 1; --id) other.set(update(id, SwimStatus::kAlive), {}, random_);
  EXPECT_EQ(members_.digests(), other.digests());
  set(17, SwimStatus::kDead);
  EXPECT_NE(members_.digests(), other.digests());
  other.set(update(17, SwimStatus::kDead), {}, random_);
  EXPECT_EQ(members_.digests(), other.digests());
  std::vector<uint64_t> fine(kSwimFineWords);
  const uint32_t bucket = swim_fine_bucket(17);
  fine[bucket / 64] |= uint64_t{1} << (bucket % 64);
  std::set<uint32_t> visited;
  members_.for_each(
      fine, [&](const SwimMembers::Member& m) { visited.insert(swim_fine_bucket(m.node->id)); });
  EXPECT_EQ(visited, std::set<uint32_t>{bucket});
}

}  // namespace
}  // namespace bossa::transport
