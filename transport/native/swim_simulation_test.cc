// The membership protocol among 50 to 500 simulated nodes (tests/support/swim_simulation.h):
// they converge, a crashed node is detected in time, no live node is declared dead under message
// loss, and what a node sends does not grow with the cluster. The figures at 1,000 and 10,000
// nodes come from bench_bossa_swim_simulation (docs/cluster.md).
#include <chrono>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/swim_simulation.h"

namespace bossa {
namespace {

using namespace std::chrono_literals;
using Swim = transport::SwimMembership;
using Kind = Swim::Event::Kind;

// Starts `n` nodes 2 ms apart, each joining through the first three; true once every node has
// every other up, within `limit` of the last start.
bool form(SwimSimulation& sim, size_t n, std::chrono::nanoseconds limit) {
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> seeds;
    for (size_t s = 0; s < std::min<size_t>(i, 3); ++s) seeds.push_back(s);
    sim.add(seeds);
    sim.run_for(2ms);
  }
  return sim.run_until([&] { return sim.converged(); }, sim.now() + limit);
}

// Counts the node-down events about nodes that run, and the nodes told they were declared dead.
struct FalseDowns {
  explicit FalseDowns(SwimSimulation& sim) {
    sim.set_observer([this, &sim](size_t, const Swim::Event& event) {
      if (event.kind == Kind::kDeclaredDown) ++declared;
      if (event.kind != Kind::kDown) return;
      for (size_t i = 0; i < sim.node_count(); ++i) {
        if (sim.running(i) && sim.id_of(i) == event.node->id) ++downs;
      }
    });
  }
  uint64_t downs = 0;
  uint64_t declared = 0;
};

// Messages a node sends a second, over `window`.
double messages_per_node_per_second(SwimSimulation& sim, std::chrono::seconds window) {
  sim.reset_counters();
  sim.run_for(window);
  return static_cast<double>(sim.counters().messages) / static_cast<double>(sim.running_count()) /
         static_cast<double>(window.count());
}

TEST(SwimSimulationTest, OneHundredTwentyEightNodesSeeACrashedNodeDownWithinThreeSeconds) {
  SwimSimulation sim(7);
  ASSERT_TRUE(form(sim, 128, 30s));
  sim.run_for(30s);
  for (size_t victim : {17, 77, 120}) {
    const uint32_t id = sim.id_of(victim);
    size_t reported = 0;
    sim.set_observer([&](size_t, const Swim::Event& event) {
      if (event.kind == Kind::kDown && event.node->id == id) ++reported;
    });
    const auto crashed = sim.now();
    sim.crash(victim);
    EXPECT_TRUE(sim.run_until([&] { return reported == sim.running_count(); }, crashed + 3s))
        << "node " << victim << ": " << reported << " of " << sim.running_count();
    ASSERT_TRUE(sim.run_until([&] { return sim.converged(); }, sim.now() + 10s));
  }
}

TEST(SwimSimulationTest, TwoHundredNodesDeclareNoLiveNodeDeadUnderOneOrFivePercentLoss) {
  SwimSimulation sim(8);
  ASSERT_TRUE(form(sim, 200, 30s));
  sim.run_for(30s);
  FalseDowns false_downs(sim);
  for (double loss : {0.01, 0.05}) {
    sim.set_loss(loss);
    sim.run_for(60s);
    EXPECT_EQ(false_downs.downs, 0u) << "loss " << loss;
    EXPECT_EQ(false_downs.declared, 0u) << "loss " << loss;
  }
  sim.set_loss(0);
  EXPECT_TRUE(sim.run_until([&] { return sim.converged(); }, sim.now() + 30s));
}

// Under heavy loss a refutation misses a few nodes among thousands of receptions; one that hears
// the suspicion only afterwards must still learn of the refutation before the suspicion ends.
TEST(SwimSimulationTest, FiveHundredNodesDeclareNoLiveNodeDeadUnderFifteenPercentLoss) {
  SwimSimulation sim(3);
  ASSERT_TRUE(form(sim, 500, 60s));
  sim.run_for(30s);
  FalseDowns false_downs(sim);
  sim.set_loss(0.15);
  sim.run_for(60s);
  EXPECT_EQ(false_downs.downs, 0u);
  EXPECT_EQ(false_downs.declared, 0u);
  sim.set_loss(0);
  EXPECT_TRUE(sim.run_until([&] { return sim.converged(); }, sim.now() + 30s));
}

TEST(SwimSimulationTest, FiftyNodesCutInTwoForAMinuteConvergeAgainAfterTheHeal) {
  SwimSimulation sim(9);
  ASSERT_TRUE(form(sim, 50, 30s));
  std::vector<int> halves(50);
  for (size_t i = 25; i < 50; ++i) halves[i] = 1;
  sim.partition(halves);
  sim.run_for(60s);
  EXPECT_FALSE(sim.converged());
  sim.partition({});
  EXPECT_TRUE(sim.run_until([&] { return sim.converged(); }, sim.now() + 60s));
}

TEST(SwimSimulationTest, WhatANodeSendsDoesNotGrowWithTheCluster) {
  SwimSimulation small(10);
  SwimSimulation large(10);
  ASSERT_TRUE(form(small, 50, 30s));
  ASSERT_TRUE(form(large, 200, 30s));
  small.run_for(60s);  // until the news of the joins has died out
  large.run_for(60s);
  const double few = messages_per_node_per_second(small, 20s);
  const double many = messages_per_node_per_second(large, 20s);
  EXPECT_LT(many, few * 1.1) << few << " a node a second among 50, " << many << " among 200";
  EXPECT_LT(many, 10.0);
}

}  // namespace
}  // namespace bossa
