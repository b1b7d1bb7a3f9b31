// SwimMembers: neighbours that are mutual, few and cover every node, the live names indexed,
// tombstones kept in order until they expire, and digests that follow the live entries.
#include "transport/native/swim_members.h"

#include <chrono>
#include <cstdint>
#include <memory>
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
    members_.set(update(id, status, epoch), at);
  }

  SwimMembers members_;
  SwimRandom random_{3};
};

// The probe targets of `table` through one whole turn.
std::set<uint32_t> one_turn(SwimMembers& table) {
  std::set<uint32_t> probed;
  for (size_t i = 0; i < 2 * SwimMembers::kRings; ++i) {
    if (const SwimMembers::Member* member = table.next_to_probe()) probed.insert(member->node->id);
  }
  return probed;
}

TEST(SwimNeighboursTest, NeighboursAreMutualFewAndEveryNodeIsProbedBySome) {
  constexpr uint32_t kNodes = 200;
  std::vector<std::unique_ptr<SwimMembers>> tables;
  for (uint32_t self = 1; self <= kNodes; ++self) {
    auto table = std::make_unique<SwimMembers>();
    table->set_self(self);
    for (uint32_t id = 1; id <= kNodes; ++id) {
      if (id != self) table->set(update(id, SwimStatus::kAlive), {});
    }
    tables.push_back(std::move(table));
  }
  std::vector<std::set<uint32_t>> probes;
  for (auto& table : tables) probes.push_back(one_turn(*table));
  std::set<uint32_t> probed_by_some;
  for (uint32_t self = 1; self <= kNodes; ++self) {
    const std::set<uint32_t>& mine = probes[self - 1];
    EXPECT_GE(mine.size(), 2u) << "node " << self;
    EXPECT_LE(mine.size(), 2 * SwimMembers::kRings) << "node " << self;
    for (uint32_t other : mine) {
      EXPECT_TRUE(probes[other - 1].contains(self)) << self << " probes " << other;
      probed_by_some.insert(other);
    }
  }
  EXPECT_EQ(probed_by_some.size(), kNodes);
}

TEST_F(SwimMembersTest, OnlyTheDeathOfANeighbourChangesTheNeighbours) {
  members_.set_self(1000);
  for (uint32_t id = 1; id <= 100; ++id) set(id, SwimStatus::kAlive);
  const std::set<uint32_t> before = one_turn(members_);
  uint32_t stranger = 1;
  while (before.contains(stranger)) ++stranger;
  set(stranger, SwimStatus::kDead);
  EXPECT_EQ(one_turn(members_), before);
  const uint32_t neighbour = *before.begin();
  set(neighbour, SwimStatus::kSuspect);
  EXPECT_EQ(one_turn(members_), before) << "a suspect is still probed";
  set(neighbour, SwimStatus::kDead);
  const std::set<uint32_t> after = one_turn(members_);
  EXPECT_FALSE(after.contains(neighbour));
  EXPECT_FALSE(after.contains(stranger));
  EXPECT_GE(after.size(), before.size() - 1);
  members_.set(update(neighbour, SwimStatus::kAlive, 1), {});
  EXPECT_EQ(one_turn(members_), before) << "back in a new epoch, it is a neighbour again";
}

TEST_F(SwimMembersTest, ALoneMemberIsTheOnlyNeighbourAndNoneIsNoProbe) {
  members_.set_self(5);
  EXPECT_EQ(members_.next_to_probe(), nullptr);
  set(9, SwimStatus::kAlive);
  EXPECT_EQ(one_turn(members_), std::set<uint32_t>{9});
  EXPECT_TRUE(members_.random_neighbours(3, 9, random_).empty());
  set(9, SwimStatus::kLeft);
  EXPECT_EQ(members_.next_to_probe(), nullptr);
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
  for (uint32_t id = 50; id >= 1; --id) other.set(update(id, SwimStatus::kAlive), {});
  EXPECT_EQ(members_.digests(), other.digests());
  set(17, SwimStatus::kDead);
  EXPECT_NE(members_.digests(), other.digests());
  other.set(update(17, SwimStatus::kDead), {});
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
