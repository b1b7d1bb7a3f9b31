// GlobalNames' claim protocol, driven message by message: each node's outgoing system messages
// wait in a queue until the test delivers them, so the interleavings that races produce on a
// real network are played out exactly.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
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
                    std::lock_guard<std::mutex> lock(mutex_);
                    for (const auto& [other, names] : nodes_) {
                      if (other != id && !cut_.contains({id, other})) others.push_back(other);
                    }
                    return others;
                  },
              .watch = [](const std::string&, Pid, bool) {},
              .lost =
                  [this, id](const std::string& name, Pid loser, Pid winner) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    lost_.push_back(Lost{id, name, loser, winner});
                  }});
    }
  }

  GlobalNames& node(uint32_t id) { return *nodes_.at(id); }

  // A name a node's actor lost in a conflict, as the node's Hooks::lost heard it.
  struct Lost {
    uint32_t node;
    std::string name;
    Pid loser;
    Pid winner;
    friend bool operator==(const Lost&, const Lost&) = default;
  };
  std::vector<Lost> lost() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lost_;
  }

  // Cuts `x` off every other node: what is queued between them is lost, and each side sees the
  // other go down.
  void isolate(uint32_t x) {
    std::vector<uint32_t> others;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& [other, names] : nodes_) {
        if (other == x) continue;
        others.push_back(other);
        cut_.insert({x, other});
        cut_.insert({other, x});
      }
      std::erase_if(queue_, [&](const Queued& m) { return cut_.contains({m.from, m.to}); });
    }
    for (uint32_t other : others) {
      node(x).node_down(other);
      node(other).node_down(x);
    }
  }
  // Joins `x` to the others again: each side sees the other come up.
  void rejoin(uint32_t x) {
    std::vector<uint32_t> others;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& [other, names] : nodes_) {
        if (other == x) continue;
        others.push_back(other);
        cut_.erase({x, other});
        cut_.erase({other, x});
      }
    }
    for (uint32_t other : others) {
      node(x).node_up(other);
      node(other).node_up(x);
    }
  }

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
      if (cut_.contains({from, to})) return;
      queue_.push_back(Queued{from, to, std::move(payload)});
    }
    queued_.notify_all();
  }

  std::map<uint32_t, std::unique_ptr<GlobalNames>> nodes_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Queued> queue_;
  std::set<std::pair<uint32_t, uint32_t>> cut_;  // (from, to) pairs that cannot talk
  std::vector<Lost> lost_;
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

TEST(GlobalNames, APartitionThatHealsLeavesTheLowerPidOnEveryNodeAndTellsTheLoser) {
  NameNetwork net({kA, kB, kM});
  const Pid m{kM, 5};  // a < b < m
  // B holds both names before the partition.
  for (const char* name : {"low", "high"}) {
    auto claims =
        std::async(std::launch::async, [&, name] { return net.node(kB).register_name(name, b); });
    net.deliver_until_decided({&claims});
    ASSERT_TRUE(claims.get().ok()) << name;
  }
  net.isolate(kB);
  // Each side commits what the other holds: "low" for a lower pid, "high" for a higher one.
  auto a_low = std::async(std::launch::async, [&] { return net.node(kA).register_name("low", a); });
  auto m_high =
      std::async(std::launch::async, [&] { return net.node(kM).register_name("high", m); });
  net.deliver_until_decided({&a_low, &m_high});
  ASSERT_TRUE(a_low.get().ok());
  ASSERT_TRUE(m_high.get().ok());
  EXPECT_EQ(net.node(kB).whereis("low"), b);

  net.rejoin(kB);
  net.deliver_all();
  for (uint32_t id : {kA, kB, kM}) {
    EXPECT_EQ(net.node(id).whereis("low"), a) << "on node " << id;
    EXPECT_EQ(net.node(id).whereis("high"), b) << "on node " << id;
  }
  std::vector<NameNetwork::Lost> lost = net.lost();
  std::sort(lost.begin(), lost.end(), [](const auto& x, const auto& y) { return x.node < y.node; });
  EXPECT_EQ(lost, (std::vector<NameNetwork::Lost>{{kB, "low", b, a}, {kM, "high", m, b}}));
}

TEST(GlobalNames, ClaimsSpeakingForAnotherNodesActorAreRefused) {
  NameNetwork net({kA, kB});
  absl::Status own = net.node(kA).register_name("x", b);
  EXPECT_TRUE(absl::IsInvalidArgument(own)) << own;
  EXPECT_FALSE(net.node(kA).whereis("x").has_value());
}

}  // namespace
}  // namespace bossa
