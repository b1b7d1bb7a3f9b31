// Overload across nodes, with real node processes over tcp: a fast producer on the test's node
// floods a slow actor on node beta whose mailbox is bounded. Beta's memory stays within its
// budget, the producer waits, no node is declared down, another actor on beta answers as usual,
// and every message arrives, in order.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/process_memory.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_services.h"

namespace bossa::cluster_test {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);
constexpr int64_t kCapacity = 20'000;
constexpr auto kFlood = std::chrono::seconds(30);
// What beta may hold beyond its memory before the flood: the sink's full mailbox (an element of
// an int64 is 64 octets, and the allocator's share), and what the producer's node had in flight
// when beta paused it (a link batch of 4 MiB, the tcp buffers), parked at beta as elements.
constexpr uint64_t kBudgetAboveBaseline = kCapacity * 128 + (uint64_t{64} << 20);

// The resident memory of process `pid`, in octets.
uint64_t memory_of(pid_t pid) {
  absl::StatusOr<uint64_t> octets = resident_memory(pid);
  EXPECT_TRUE(octets.ok()) << octets.status();
  return octets.value_or(0);
}

class Overload : public ::testing::Test {
 protected:
  Overload() : cluster_(Backend::kNative) {}

  Node& main() { return cluster_.main(); }
  Pid spawn_on(const std::string& node, const std::string& factory, int64_t arg = 0) {
    absl::StatusOr<Pid> pid = main().spawn_remote(node, factory, arg);
    EXPECT_TRUE(pid.ok()) << pid.status();
    return pid.value_or(Pid{});
  }
  IntPair sink_stats(const std::string& node) {
    absl::StatusOr<IntPair> stats =
        main().rpc_blocking_call<IntPair>(node, "sink_stats", int64_t{0}, kWait);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.value_or(IntPair{-1, 0});
  }

  TestCluster cluster_;
};

TEST_F(Overload, ASlowRemoteActorHoldsUpOnlyItsSendersAndLosesNothing) {
  // The memory bound is beta's, not that of AddressSanitizer's quarantine of the blocks it freed
  // (every CURVE message it opens frees its sealed copy).
  child_processes_without_sanitizer_quarantine();
  cluster_.start_peer("beta");
  const Pid sink = spawn_on("beta", "slow_sink", kCapacity);
  const Pid echo = spawn_on("beta", "echo");
  ScopedActor watcher(main().runtime());
  main().monitor_nodes(watcher.pid());
  const pid_t beta = cluster_.peer_pid("beta");
  const uint64_t baseline = memory_of(beta);

  // The producer: a plain thread, which may wait, sending as fast as its sends return.
  std::atomic<bool> flooding{true};
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> refused{0};
  std::thread producer([&] {
    for (int64_t next = 0; flooding.load(std::memory_order_relaxed); ++next) {
      if (main().runtime().send(sink, next).ok()) {
        sent.fetch_add(1, std::memory_order_relaxed);
      } else {
        refused.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
  });

  ScopedActor me(main().runtime());
  uint64_t peak = baseline;
  absl::Duration slowest_echo;
  int echoes = 0;
  const auto flood_end = std::chrono::steady_clock::now() + kFlood;
  while (std::chrono::steady_clock::now() < flood_end) {
    const absl::Time asked = absl::Now();
    absl::StatusOr<std::string> back = me->request<std::string>(echo, kWait, std::string("ping"));
    ASSERT_TRUE(back.ok()) << back.status();
    slowest_echo = std::max(slowest_echo, absl::Now() - asked);
    ++echoes;
    peak = std::max(peak, memory_of(beta));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  flooding = false;
  // The producer may be waiting for room: the sink speeds up and lets it go.
  ASSERT_TRUE(main().rpc_blocking_call<int64_t>("beta", "sink_slow", int64_t{0}, kWait).ok());
  producer.join();

  std::fprintf(stderr, "sent %ld, beta's memory %lu -> %lu octets, slowest echo %s\n",
               static_cast<long>(sent.load()), static_cast<unsigned long>(baseline),
               static_cast<unsigned long>(peak), absl::FormatDuration(slowest_echo).c_str());
  EXPECT_EQ(refused.load(), 0);
  // The sink took about one a millisecond: the producer, far faster, waited.
  EXPECT_GT(sent.load(), 15'000);
  EXPECT_LE(peak, baseline + kBudgetAboveBaseline)
      << "beta grew from " << baseline << " to " << peak << " octets";
  // Another actor on beta kept answering (a generous bound: this is no benchmark).
  EXPECT_GT(echoes, 100);
  EXPECT_LT(slowest_echo, absl::Seconds(1));
  // No node went down, though the link was saturated for the whole flood.
  absl::StatusOr<NodeDown> down = watcher->receive_for<NodeDown>(absl::ZeroDuration());
  EXPECT_FALSE(down.ok()) << "node " << down->name << " declared down: " << down->reason;

  // Nothing lost: every message sent arrives, in order.
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  IntPair stats = sink_stats("beta");
  while (std::get<0>(stats) < sent.load() && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stats = sink_stats("beta");
  }
  EXPECT_EQ(std::get<0>(stats), sent.load());
  EXPECT_EQ(std::get<1>(stats), 1) << "the sink saw messages out of order";
}

TEST_F(Overload, AFullRemoteMailboxUnderFailRefusesAtTheSourceAndCountsWhatItDropped) {
  cluster_.start_peer("beta");
  const Pid sink = spawn_on("beta", "failing_sink", kCapacity);
  absl::StatusOr<int64_t> dead_before =
      main().rpc_blocking_call<int64_t>("beta", "dead_letters", int64_t{0}, kWait);
  ASSERT_TRUE(dead_before.ok()) << dead_before.status();
  // Sends until the sink's node has told this one the mailbox is full: a send then fails here.
  int64_t sent = 0;
  absl::Status refused;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (refused.ok() && absl::Now() < deadline) {
    refused = main().runtime().send(sink, sent).status();
    if (refused.ok()) ++sent;
  }
  ASSERT_FALSE(refused.ok()) << "no send was refused in 20 s";
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
  EXPECT_NE(refused.message().find("mailbox full"), std::string::npos) << refused;
  ASSERT_TRUE(main().rpc_blocking_call<int64_t>("beta", "sink_slow", int64_t{0}, kWait).ok());
  // What left this node was taken by the sink or dropped as a dead letter on beta: nothing else.
  const absl::Time settled = absl::Now() + absl::Seconds(30);
  int64_t taken = 0;
  int64_t dropped = 0;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    taken = std::get<0>(sink_stats("beta"));
    absl::StatusOr<int64_t> dead =
        main().rpc_blocking_call<int64_t>("beta", "dead_letters", int64_t{0}, kWait);
    ASSERT_TRUE(dead.ok()) << dead.status();
    dropped = *dead - *dead_before;
  } while (taken + dropped < sent && absl::Now() < settled);
  EXPECT_EQ(taken + dropped, sent);
  EXPECT_GE(taken, kCapacity);
}

}  // namespace
}  // namespace bossa::cluster_test
