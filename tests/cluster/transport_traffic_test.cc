// What the native transport counts of what it sends (Transport::bytes_sent): the envelopes and
// its own traffic, which the node's envelope counters leave out, so that an idle cluster's cost
// can be read from its nodes.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cluster/node.h"
#include "gtest/gtest.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

NodeConfig native_config(const std::string& name, std::vector<std::string> seeds = {}) {
  NodeConfig config;
  config.name = name;
  config.workers = 1;
  config.source = name + ".toml";
  config.transport.kind = transport::TransportKind::kNative;
  config.transport.listen = "tcp://127.0.0.1:*";
  config.transport.seeds = std::move(seeds);
  // What this suite sends comes after the handshake: as a member holding a trusted key could.
  config.transport.security = transport::Security::kNone;
  return config;
}

// Whether node's transport_bytes_sent() reaches `octets` within kWait.
bool await_sent(const Node& node, uint64_t octets) {
  for (const absl::Time deadline = absl::Now() + kWait; absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(10))) {
    if (node.transport_bytes_sent() >= octets) return true;
  }
  return node.transport_bytes_sent() >= octets;
}

class TransportTraffic : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Node>> alpha = Node::create(native_config("alpha"));
    ASSERT_TRUE(alpha.ok()) << alpha.status();
    alpha_ = *std::move(alpha);
    ASSERT_TRUE(alpha_->start().ok());
    absl::StatusOr<std::unique_ptr<Node>> beta =
        Node::create(native_config("beta", {alpha_->endpoint()}));
    ASSERT_TRUE(beta.ok()) << beta.status();
    beta_ = *std::move(beta);
    ASSERT_TRUE(beta_->start().ok());
    ASSERT_TRUE(alpha_->await_nodes({"beta"}, kWait));
    ASSERT_TRUE(beta_->await_nodes({"alpha"}, kWait));
  }

  std::unique_ptr<Node> alpha_;
  std::unique_ptr<Node> beta_;
};

TEST_F(TransportTraffic, CountsTheHeartbeatsOfAnIdleNode) {
  // Hellos went out as the nodes met; heartbeats go on every 250 ms with no envelope sent.
  const uint64_t before = alpha_->transport_bytes_sent();
  EXPECT_GT(before, 0u);
  EXPECT_TRUE(await_sent(*alpha_, before + 1));
  EXPECT_TRUE(await_sent(*beta_, beta_->transport_bytes_sent() + 1));
}

TEST_F(TransportTraffic, CountsEveryOctetOfTheEnvelopesSent) {
  const Pid sink =
      beta_->runtime().spawn([](EventedActor&) -> Behavior { return {[](const std::string&) {}}; });
  const uint64_t before = alpha_->transport_bytes_sent();
  constexpr size_t kLarge = 100'000;
  ASSERT_TRUE(alpha_->runtime().send(sink, std::string(kLarge, 'x')).ok());
  EXPECT_TRUE(await_sent(*alpha_, before + kLarge));
  // Whatever the envelope counter has counted, the transport has sent (or is about to).
  EXPECT_TRUE(await_sent(*alpha_, alpha_->counters().bytes_out.load()));
}

}  // namespace
}  // namespace bossa
