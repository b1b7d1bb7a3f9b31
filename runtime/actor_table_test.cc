// The process table: lookups, erasure and snapshots across its shards and pages, in any order of
// serials, and under concurrent use.
#include "runtime/actor_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "runtime/runtime.h"

namespace bossa {
namespace {

// Actors that never start: the table only holds and hands out references.
class ActorTableTest : public ::testing::Test {
 protected:
  ActorPtr make_actor(uint64_t serial) {
    return ActorPtr(new EventedActor(runtime_, Pid{1, serial}));
  }
  // An actor whose behavior holds `alive`: the actor is destroyed when alive.use_count() drops.
  ActorPtr make_actor(uint64_t serial, const std::shared_ptr<int>& alive) {
    boost::intrusive_ptr<EventedActor> actor(new EventedActor(runtime_, Pid{1, serial}));
    actor->start([alive](EventedActor&) -> Behavior { return {[alive](int) {}}; });
    return actor;
  }

  std::set<uint64_t> serials_in(const ActorTable& table) {
    std::set<uint64_t> serials;
    table.for_each([&serials](const ActorPtr& actor) {
      EXPECT_TRUE(serials.insert(actor->pid().serial).second) << "visited twice";
    });
    return serials;
  }

  Runtime runtime_{{.workers = 1}};
};

TEST_F(ActorTableTest, FindsWhatWasInsertedAndNothingElse) {
  ActorTable table;
  std::vector<ActorPtr> actors;
  for (uint64_t serial = 1; serial <= 5000; ++serial) {
    actors.push_back(make_actor(serial));
    table.insert(serial, actors.back());
  }
  for (const ActorPtr& actor : actors) EXPECT_EQ(table.find(actor->pid().serial), actor);
  EXPECT_EQ(table.find(0), nullptr);
  EXPECT_EQ(table.find(5001), nullptr);
  EXPECT_EQ(table.find(1'000'000'007), nullptr);
}

TEST_F(ActorTableTest, EraseDropsOnlyThatSerialAndItsReference) {
  ActorTable table;
  ActorPtr kept = make_actor(7);
  auto alive = std::make_shared<int>();
  table.insert(7, kept);
  table.insert(8, make_actor(8, alive));
  EXPECT_EQ(alive.use_count(), 2);
  table.erase(8);
  table.erase(8);     // twice: nothing left to do
  table.erase(9999);  // never there
  EXPECT_EQ(table.find(8), nullptr);
  EXPECT_EQ(table.find(7), kept);
  EXPECT_EQ(alive.use_count(), 1);  // the table's was the last reference
}

TEST_F(ActorTableTest, SerialsInAnyOrderAndPagesEmptiedAndFilledAgain) {
  ActorTable table;
  // A high serial first, then lower ones in pages before it; then those pages empty and fill.
  const std::vector<uint64_t> order = {1'000'000, 3, 100'000, 64, 1'000'064, 2, 5'000, 67};
  for (uint64_t serial : order) table.insert(serial, make_actor(serial));
  EXPECT_EQ(serials_in(table), std::set<uint64_t>(order.begin(), order.end()));
  for (uint64_t serial : order) table.erase(serial);
  EXPECT_TRUE(serials_in(table).empty());
  for (uint64_t serial : order) EXPECT_EQ(table.find(serial), nullptr);
  table.insert(3, make_actor(3));
  table.insert(1'000'000, make_actor(1'000'000));
  EXPECT_EQ(serials_in(table), (std::set<uint64_t>{3, 1'000'000}));
}

TEST_F(ActorTableTest, InsertReplacesWhatTheSerialHeld) {
  ActorTable table;
  auto alive = std::make_shared<int>();
  ActorPtr second = make_actor(5);
  table.insert(5, make_actor(5, alive));
  table.insert(5, second);
  EXPECT_EQ(table.find(5), second);
  EXPECT_EQ(alive.use_count(), 1);  // the first actor went with its slot
  table.erase(5);
  EXPECT_TRUE(serials_in(table).empty());
}

TEST_F(ActorTableTest, ThreadsInsertFindAndEraseTheirOwnSerialsTogether) {
  ActorTable table;
  constexpr uint64_t kThreads = 4;
  constexpr uint64_t kPerThread = 20'000;
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Interleaved serials: every thread writes into the same shards and pages.
      for (uint64_t i = 0; i < kPerThread; ++i) {
        const uint64_t serial = 1 + i * kThreads + t;
        ActorPtr actor = make_actor(serial);
        table.insert(serial, actor);
        ASSERT_EQ(table.find(serial), actor);
        if (i % 2 == 0) table.erase(serial);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::set<uint64_t> left = serials_in(table);
  EXPECT_EQ(left.size(), kThreads * kPerThread / 2);
  for (uint64_t serial : left) EXPECT_EQ((serial - 1) / kThreads % 2, 1u) << serial;
}

}  // namespace
}  // namespace bossa
