// GlobalNames' claim protocol, driven message by message: each node's outgoing system messages
// wait in a queue until the test delivers them, so the interleavings that races produce on a
// real network are played out exactly.
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/global_names.h"
#include "gtest/gtest.h"

namespace bossa {
namespace {

// Three nodes whose messages go through one queue the test drains by hand.
class NameNetwork {
 public:
  explicit NameNetwork(std::vector<uint32_t> ids) {
    for (uint32_t id : ids) {
      nodes_[id] = std::make_unique<GlobalNames>(
          id, absl::Seconds(10),
          GlobalNames::Hooks{
              .send = [this, id](uint32_t to,
                                 std::string payload) { enqueue(id, to, std::move(payload)); },
              .up_nodes =
                  [this, id] {
                    std::vector<uint32_t> others;
                    for (const auto& [other, names] : nodes_) {
                      if (other != id) others.push_back(other);
                    }
                    return others;
                  },
              .watch = [](const std::string&, Pid, bool) {}});
    }
  }

  GlobalNames& node(uint32_t id) { return *nodes_.at(id); }

  // Waits until a message from `from` to `to` is queued, then delivers the oldest such one.
  void deliver(uint32_t from, uint32_t to) {
    Queued message;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto match = [&] {
        for (auto it = queue_.begin(); it != queue_.end(); ++it) {
          if (it->from == from && it->to == to) return it;
        }
        return queue_.end();
      };
      ASSERT_TRUE(
          queued_.wait_for(lock, std::chrono::seconds(10), [&] { return match() != queue_.end(); }))
          << "no message from " << from << " to " << to;
      auto it = match();
      message = std::move(*it);
      queue_.erase(it);
    }
    ASSERT_TRUE(node(to).on_system(from, message.payload, DecodeLimits{}).ok());
  }

  // Delivers everything queued, and what that causes, until every claim in `pending` is decided.
  void deliver_until_decided(std::vector<std::future<absl::Status>*> pending) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      deliver_all();
      bool decided = true;
      for (auto* claim : pending) {
        decided &= claim->wait_for(std::chrono::milliseconds(1)) == std::future_status::ready;
      }
      if (decided) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "claims never decided";
    }
    deliver_all();
  }

  // Delivers everything queued, and what that causes, in order.
  void deliver_all() {
    for (;;) {
      Queued message;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (queue_.empty()) return;
        message = std::move(queue_.front());
        queue_.pop_front();
      }
      ASSERT_TRUE(node(message.to).on_system(message.from, message.payload, DecodeLimits{}).ok());
    }
  }

 private:
  struct Queued {
    uint32_t from = 0;
    uint32_t to = 0;
    std::string payload;
  };

  void enqueue(uint32_t from, uint32_t to, std::string payload) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(Queued{from, to, std::move(payload)});
    }
    queued_.notify_all();
  }

  std::map<uint32_t, std::unique_ptr<GlobalNames>> nodes_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Queued> queue_;
};

constexpr uint32_t kA = 1, kB = 2, kM = 3;
const Pid a{kA, 5};
const Pid b{kB, 5};

TEST(GlobalNames, ALowerClaimRevokesAHigherOneGrantedBeforeItExisted) {
  NameNetwork net({kA, kB, kM});
  // b claims first; its claim reaches A before A's own claim exists, and M too: both grant.
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name("x", b); });
  net.deliver(kB, kA);
  net.deliver(kB, kM);
  // Now a, lower, claims: A revokes b at once, and b must lose although A had granted it.
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver(kA, kB);  // A's grant of b
  net.deliver(kA, kB);  // the revoke (a deny naming a), before M's grant of b reaches B
  net.deliver(kA, kM);  // a's claim
  net.deliver_until_decided({&a_claims, &b_claims});
  absl::Status b_result = b_claims.get();
  absl::Status a_result = a_claims.get();
  EXPECT_TRUE(a_result.ok()) << a_result;
  EXPECT_TRUE(absl::IsAlreadyExists(b_result)) << b_result;
  EXPECT_NE(b_result.message().find(a.to_string()), absl::string_view::npos) << b_result;
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis("x"), a) << "on node " << id;
}

TEST(GlobalNames, ACommittedNameNeverYieldsToALowerLaterClaim) {
  NameNetwork net({kA, kB, kM});
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name("x", b); });
  net.deliver(kB, kA);
  net.deliver(kB, kM);
  net.deliver(kA, kB);
  net.deliver(kM, kB);
  ASSERT_TRUE(b_claims.get().ok());
  net.deliver_all();  // the commit
  absl::Status late = net.node(kA).register_name("x", a);
  EXPECT_TRUE(absl::IsAlreadyExists(late)) << late;
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis("x"), b) << "on node " << id;
}

TEST(GlobalNames, ARevokedClaimLosesOnlyThatName) {
  NameNetwork net({kA, kB, kM});
  // b claims "x" and "y"; A and M grant both, but M's grants are held back.
  auto b_x = std::async(std::launch::async, [&] { return net.node(kB).register_name("x", b); });
  net.deliver(kB, kA);
  net.deliver(kB, kM);
  auto b_y = std::async(std::launch::async, [&] { return net.node(kB).register_name("y", b); });
  net.deliver(kB, kA);
  net.deliver(kB, kM);
  // a, lower, claims "x": A revokes b's claim on "x" only.
  auto a_x = std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  for (int i = 0; i < 4; ++i) net.deliver(kA, kB);  // grant x, grant y, the revoke, a's claim
  net.deliver_until_decided({&b_x, &b_y, &a_x});
  EXPECT_TRUE(a_x.get().ok());
  EXPECT_TRUE(absl::IsAlreadyExists(b_x.get()));
  EXPECT_TRUE(b_y.get().ok());
  for (uint32_t id : {kA, kB, kM}) {
    EXPECT_EQ(net.node(id).whereis("x"), a) << "on node " << id;
    EXPECT_EQ(net.node(id).whereis("y"), b) << "on node " << id;
  }
}

TEST(GlobalNames, ANodeGoingDownCountsAsAGrantAndTakesItsNamesAlong) {
  NameNetwork net({kA, kB, kM});
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver(kA, kB);
  net.deliver(kB, kA);
  net.node(kA).node_down(kM);  // M never answers: it went down
  ASSERT_TRUE(a_claims.get().ok());
  net.deliver_all();
  EXPECT_EQ(net.node(kB).whereis("x"), a);
  net.node(kB).node_down(kA);
  EXPECT_FALSE(net.node(kB).whereis("x").has_value());
}

TEST(GlobalNames, ClaimsSpeakingForAnotherNodesActorAreRefused) {
  NameNetwork net({kA, kB});
  absl::Status own = net.node(kA).register_name("x", b);
  EXPECT_TRUE(absl::IsInvalidArgument(own)) << own;
  EXPECT_FALSE(net.node(kA).whereis("x").has_value());
}

}  // namespace
}  // namespace bossa
