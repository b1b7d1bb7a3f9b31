// Every envelope a node sends another is accounted for when the other dies: acknowledged by it,
// or reported in doubt with the node down. A real node process, killed with SIGKILL mid-stream.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_services.h"

namespace bossa::cluster_test {
namespace {

constexpr absl::Duration kWait = absl::Seconds(15);

TEST(InDoubt, ANodeKilledMidStreamLeavesEveryEnvelopeAcknowledgedOrInDoubt) {
  TestCluster cluster(Backend::kNative);
  cluster.start_peer("beta");
  absl::StatusOr<Pid> sink = cluster.main().spawn_remote("beta", "sequence", int64_t{0});
  ASSERT_TRUE(sink.ok()) << sink.status();
  ScopedActor me(cluster.main().runtime());
  cluster.main().monitor_nodes(me.pid());

  // A stream to the sink until a send fails: the node went down, or its queue stayed full.
  std::atomic<int64_t> sent{0};
  absl::Status refused;
  std::thread streamer([&] {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int64_t i = 0; std::chrono::steady_clock::now() < give_up; ++i) {
      SendResult result = cluster.main().runtime().send(*sink, i);
      if (!result.ok()) {
        refused = std::move(result).status();
        return;
      }
      sent.fetch_add(1, std::memory_order_relaxed);
    }
  });
  // Killed mid-stream, once the stream has flooded beta for several heartbeat rounds (250 ms
  // each): its heartbeats, and the acks in them, must have come through the flood meanwhile.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_GT(sent.load(), 0);
  cluster.kill_peer("beta");
  absl::StatusOr<NodeDown> down = me->receive_for<NodeDown>(kWait);
  streamer.join();
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->name, "beta");
  EXPECT_FALSE(refused.ok());
  EXPECT_GT(sent.load(), 0);

  // Every envelope the transport accepted for beta (the stream, the spawn, the name protocol) was
  // acknowledged by it or is in doubt: none is unaccounted for.
  const uint64_t sent_ok = cluster.main().counters().messages_out.load();
  EXPECT_GT(down->acked, 0u);     // beta's heartbeats came through the flood
  EXPECT_GT(down->in_doubt, 0u);  // what was on its way when it died
  EXPECT_EQ(sent_ok, down->acked + down->in_doubt)
      << "acked " << down->acked << ", in doubt " << down->in_doubt;
  EXPECT_EQ(cluster.main().counters().envelopes_in_doubt.load(), down->in_doubt);

  // A send to the node that is down fails at once, naming it; the message is a dead letter.
  const SendResult after = cluster.main().runtime().send(*sink, int64_t{-1});
  EXPECT_TRUE(absl::IsUnavailable(after.status())) << after.status();
  EXPECT_NE(after.status().message().find(absl::StrCat("node ", sink->node)), std::string::npos)
      << after.status();
}

}  // namespace
}  // namespace bossa::cluster_test
