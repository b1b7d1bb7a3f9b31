// Membership under bad weather, with real node processes: a node frozen (SIGSTOP) while its peers
// give its global names to others, then resumed, ends with one owner per name on every node; a
// second node under a running member's name is refused; a node whose seeds do not answer says so.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_services.h"

namespace bossa::cluster_test {
namespace {

constexpr absl::Duration kCall = absl::Seconds(10);
// How long the nodes may take to agree once the frozen node resumes.
constexpr absl::Duration kSettle = absl::Seconds(30);

class Membership : public ::testing::Test {
 protected:
  Node& main() { return cluster_.main(); }

  // The node id node `node` gives as the holder of global name `name`, 0 if none (or no answer).
  int64_t holder_on(const std::string& node, const std::string& name) {
    return main().rpc_blocking_call<int64_t>(node, "whereis", name, kCall).value_or(-1);
  }

  // Waits until every node of `nodes` names node `holder` as the holder of `name`; false, after
  // saying what each node said, if they do not within `timeout`.
  bool await_holder(const std::vector<std::string>& nodes, const std::string& name, uint32_t holder,
                    absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    std::string seen;
    do {
      seen.clear();
      bool agreed = true;
      for (const std::string& node : nodes) {
        const int64_t on_node = holder_on(node, name);
        absl::StrAppend(&seen, " ", node, "=", on_node);
        agreed &= on_node == holder;
      }
      if (agreed) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (absl::Now() < deadline);
    ADD_FAILURE() << "holder of '" << name << "' is not node " << holder << " everywhere:" << seen;
    return false;
  }

  // Registers `name` for a fresh actor of node `node`, trying again while another pid holds it
  // there (a node that has not yet seen the frozen holder go down denies the claim).
  bool claim(const std::string& node, const std::string& name) {
    const absl::Time deadline = absl::Now() + kCall;
    std::string answer;
    while (absl::Now() < deadline) {
      answer = main().rpc_blocking_call<std::string>(node, "claim", name, kCall).value_or("");
      if (answer == "ok") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << node << " could not claim '" << name << "': " << answer;
    return false;
  }

  // Waits until node `node`'s holder of `name` has noted an exit signal containing `text`.
  bool await_holder_exit(const std::string& node, const std::string& name,
                         const std::string& text) {
    const absl::Time deadline = absl::Now() + kSettle;
    const std::string line = absl::StrCat(name, ": ", text);
    std::string exits;
    do {
      exits = main()
                  .rpc_blocking_call<std::string>(node, "holder_exits", int64_t{0}, kCall)
                  .value_or("");
      if (exits.find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (absl::Now() < deadline);
    ADD_FAILURE() << node << "'s holder of '" << name << "' was not told '" << text
                  << "'; its holders' exits: " << exits;
    return false;
  }

  // Waits until main sees node `name` go down.
  bool await_down(ScopedActor& me, const std::string& name) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      absl::StatusOr<NodeDown> down = me->receive_for<NodeDown>(deadline - absl::Now());
      if (down.ok() && down->name == name) return true;
    }
    ADD_FAILURE() << "main did not see " << name << " go down";
    return false;
  }

  TestCluster cluster_{Backend::kNative};
};

TEST_F(Membership, AFrozenNodeAndItsPeersEndWithOneOwnerPerNameOnEveryNode) {
  const std::vector<std::string> peers = {"p1", "p2", "p3"};
  for (const std::string& peer : peers) cluster_.start_peer(peer);
  std::vector<std::pair<uint32_t, std::string>> by_id = {{main().id(), "main"}};
  for (const std::string& peer : peers) by_id.emplace_back(*main().resolve_node(peer), peer);
  std::sort(by_id.begin(), by_id.end());
  std::vector<std::string> everyone;
  for (const auto& [id, name] : by_id) everyone.push_back(name);
  // The frozen node is a peer with a lower node on one side and a higher one on the other: in
  // every round, its pid is the higher of one name's two holders and the lower of the other's.
  const auto& [frozen_id, frozen] = by_id[by_id[1].second != "main" ? 1 : 2];
  const auto& [lower_id, lower] = by_id.front();
  const auto& [higher_id, higher] = by_id.back();
  ScopedActor me(main().runtime());
  main().monitor_nodes(me.pid());

  for (int seconds : {5, 15, 60}) {
    SCOPED_TRACE(absl::StrCat("frozen for ", seconds, " s"));
    // "low" goes to `lower` while the frozen node is away, "high" to `higher`.
    const std::string low = absl::StrCat("low-", seconds);
    const std::string high = absl::StrCat("high-", seconds);
    ASSERT_TRUE(claim(frozen, low));
    ASSERT_TRUE(claim(frozen, high));
    ASSERT_TRUE(await_holder(everyone, low, frozen_id, kCall));
    ASSERT_TRUE(await_holder(everyone, high, frozen_id, kCall));

    const absl::Time frozen_at = absl::Now();
    ASSERT_EQ(::kill(cluster_.peer_pid(frozen), SIGSTOP), 0);
    ASSERT_TRUE(await_down(me, frozen));
    ASSERT_TRUE(claim(lower, low));
    ASSERT_TRUE(claim(higher, high));
    absl::SleepFor(frozen_at + absl::Seconds(seconds) - absl::Now());
    ASSERT_EQ(::kill(cluster_.peer_pid(frozen), SIGCONT), 0);

    // Every node, the frozen one too, keeps the lower pid of each name; the other holder is told.
    EXPECT_TRUE(await_holder(everyone, low, lower_id, kSettle));
    EXPECT_TRUE(await_holder(everyone, high, frozen_id, kSettle));
    const std::string told = "shutdown: global name '";
    EXPECT_TRUE(await_holder_exit(frozen, low, told + low + "' went to"));
    EXPECT_TRUE(await_holder_exit(higher, high, told + high + "' went to"));
  }

  // A node that leaves takes only its own names: the frozen node's stay everywhere.
  const std::string leaving = lower != "main" ? lower : higher;
  cluster_.kill_peer(leaving);
  ASSERT_TRUE(await_down(me, leaving));
  std::erase(everyone, leaving);
  for (int seconds : {5, 15, 60}) {
    EXPECT_TRUE(await_holder(everyone, absl::StrCat("high-", seconds), frozen_id, kCall));
  }
}

TEST_F(Membership, ASecondNodeUnderARunningMembersNameIsRefusedNamingBoth) {
  cluster_.start_peer("beta");
  const uint32_t beta = *main().resolve_node("beta");
  ScopedActor me(main().runtime());
  main().monitor_nodes(me.pid());

  std::unique_ptr<ChildProcess> twin = cluster_.launch(cluster_.config_for("beta"));
  ASSERT_NE(twin, nullptr);
  absl::StatusOr<std::string> refused =
      twin->await_line(ChildProcess::kStderr, "cannot join", absl::Seconds(15));
  ASSERT_TRUE(refused.ok()) << refused.status();
  // It names itself (refused) and the member that holds the name.
  EXPECT_NE(refused->find(absl::StrCat("held by node 'beta' (id ", beta, ")")), std::string::npos)
      << *refused;
  EXPECT_NE(refused->find("refused"), std::string::npos) << *refused;

  // The cluster keeps the first beta: over several heartbeat rounds and refusals, it does not
  // go down, and it is the only node named beta.
  absl::StatusOr<NodeDown> down = me->receive_for<NodeDown>(absl::Seconds(3));
  EXPECT_FALSE(down.ok()) << "node " << down->name << " (" << down->id << ") went down";
  EXPECT_EQ(main().resolve_node("beta"), beta);
  EXPECT_EQ(main().nodes().size(), 1u);
}

TEST_F(Membership, ANodeRestartedUnderItsNameReplacesItsKilledRun) {
  cluster_.start_peer("beta");
  const uint32_t first = *main().resolve_node("beta");
  cluster_.kill_peer("beta");
  cluster_.start_peer("beta");  // at once: the killed run is not yet declared down
  // The old run may go down a moment before the new one comes up, or after it: wait until the
  // new run alone is left, for 10 s at most.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  auto replaced = [&] {
    const std::optional<uint32_t> beta = main().resolve_node("beta");
    return beta.has_value() && *beta != first && main().nodes().size() == 1u;
  };
  while (!replaced() && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::optional<uint32_t> beta = main().resolve_node("beta");
  ASSERT_TRUE(beta.has_value());
  EXPECT_NE(*beta, first);
  EXPECT_EQ(main().nodes().size(), 1u);
}

TEST_F(Membership, ANodeWhoseSeedsDoNotAnswerSaysSo) {
  // A port nobody listens on: bound, then closed.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(probe);
  const std::string seed = absl::StrCat("tcp://127.0.0.1:", ntohs(address.sin_port));

  NodeConfig config = cluster_.config_for("lonely");
  config.transport.seeds = {seed};
  std::unique_ptr<ChildProcess> lonely = cluster_.launch(config);
  ASSERT_NE(lonely, nullptr);
  absl::StatusOr<std::string> waiting =
      lonely->await_line(ChildProcess::kStderr, "no seed has answered", absl::Seconds(20));
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_NE(waiting->find(seed), std::string::npos) << *waiting;
}

}  // namespace
}  // namespace bossa::cluster_test
