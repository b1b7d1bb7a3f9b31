// The demo workload and the status service between two in-process nodes (local transport).
#include "examples/cluster/demo_services.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "absl/time/clock.h"
#include "node_program/status_service.h"
#include "runtime/behaviours/call.h"
#include "transport/local/local_network.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;

class DemoServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"a", "b"}) {
      NodeConfig config;
      config.name = name;
      config.workers = 2;
      config.source = "test";
      config.transport.kind = transport::TransportKind::kLocal;
      config.transport.network = network_.name();
      absl::StatusOr<std::unique_ptr<Node>> node =
          Node::create(config, transport::TransportEnvironment{&network_});
      ASSERT_TRUE(node.ok()) << node.status();
      (*node)->log().set_level(LogLevel::kWarning);
      ASSERT_TRUE(add_demo_services(**node).ok());
      ASSERT_TRUE(register_status_service(**node, "local").ok());
      ASSERT_TRUE((*node)->start().ok());
      nodes_.push_back(*std::move(node));
    }
    ASSERT_TRUE(a().await_nodes({"b"}, absl::Seconds(10)));
    ASSERT_TRUE(b().await_nodes({"a"}, absl::Seconds(10)));
    me_ = std::make_unique<ScopedActor>(a().runtime());
  }
  void TearDown() override {
    me_.reset();
    for (auto& node : nodes_) node->stop();
  }

  Node& a() { return *nodes_[0]; }
  Node& b() { return *nodes_[1]; }
  ThreadedActor& me() { return **me_; }

  // Waits until b's "demo.stats" equals `expected`; returns the last reading.
  DemoStats await_stats(const DemoStats& expected) {
    DemoStats last{-1, -1, -1};
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      absl::StatusOr<DemoStats> now =
          a().rpc_blocking_call<DemoStats>("b", "demo.stats", int64_t{0});
      if (now.ok()) last = *now;
      if (last == expected) break;
      absl::SleepFor(absl::Milliseconds(5));  // polling another node's counters
    }
    return last;
  }

  transport::LocalNetwork network_{"demo-services-test"};
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unique_ptr<ScopedActor> me_;
};

TEST(CollatzSteps, CountsThePathToOne) {
  EXPECT_EQ(collatz_steps(1), 0);
  EXPECT_EQ(collatz_steps(2), 1);
  EXPECT_EQ(collatz_steps(27), 111);
}

TEST_F(DemoServicesTest, ARemotePoolIsFoundByGlobalNameAndSharesJobsAmongItsWorkers) {
  absl::StatusOr<Pid> pool = a().spawn_remote("b", "demo.pool", int64_t{3});
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_EQ(pool->node, b().id());
  EXPECT_EQ(a().whereis_global("pool@b"), *pool);

  std::set<std::string> workers;
  for (int64_t id = 0; id < 6; ++id) {
    absl::StatusOr<DemoResult> result = call<DemoResult>(me(), *pool, DemoJob{id, 27 + id});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(std::get<0>(*result), id);
    EXPECT_EQ(std::get<1>(*result), collatz_steps(27 + id));
    workers.insert(std::get<2>(*result));
  }
  EXPECT_EQ(workers, (std::set<std::string>{"b/worker-0", "b/worker-1", "b/worker-2"}));
  EXPECT_EQ(await_stats({3, 6, 0}), (DemoStats{3, 6, 0}));
}

TEST_F(DemoServicesTest, ACrashedWorkerFailsItsCallAndIsRestarted) {
  absl::StatusOr<Pid> pool = a().spawn_remote("b", "demo.pool", int64_t{2});
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::StatusOr<DemoResult> crashed = call<DemoResult>(me(), *pool, DemoJob{7, 0});
  ASSERT_FALSE(crashed.ok());
  EXPECT_THAT(crashed.status().message(), HasSubstr("job 7: deliberate crash"));
  EXPECT_EQ(await_stats({3, 0, 1}), (DemoStats{3, 0, 1}));  // 2 starts + 1 restart

  for (int64_t id = 0; id < 4; ++id) {  // both workers answer again
    absl::StatusOr<DemoResult> result = call<DemoResult>(me(), *pool, DemoJob{id, 9});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(std::get<1>(*result), collatz_steps(9));
  }
}

TEST_F(DemoServicesTest, ASecondPoolOnANodeAndABadSizeAreRefused) {
  ASSERT_TRUE(a().spawn_remote("b", "demo.pool", int64_t{1}).ok());
  EXPECT_FALSE(a().spawn_remote("b", "demo.pool", int64_t{1}).ok());  // pool@b is taken
  EXPECT_FALSE(a().spawn_remote("a", "demo.pool", int64_t{0}).ok());
  EXPECT_FALSE(a().spawn_remote("a", "demo.pool", int64_t{65}).ok());
}

TEST_F(DemoServicesTest, TheStatusRpcDescribesTheNodeThatAnswers) {
  absl::StatusOr<std::string> status =
      a().rpc_blocking_call<std::string>("b", std::string(kStatusRpc), int64_t{0});
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_THAT(*status, HasSubstr("node b (id "));
  EXPECT_THAT(*status, HasSubstr("local"));
  EXPECT_THAT(*status, HasSubstr("peers         1 up: a\n"));
  // This call, and the digest of a's type table at node up.
  EXPECT_THAT(*status, HasSubstr("messages      in 2 "));
}

}  // namespace
}  // namespace bossa
