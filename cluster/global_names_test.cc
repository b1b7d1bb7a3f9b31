// GlobalNames' claim protocol, driven message by message: each node's outgoing system messages
// wait in a queue until the test delivers them, so the interleavings that races produce on a
// real network are played out exactly. Names are picked for the home node a test needs.
#include <capnp/message.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster/global_names.h"
#include "cluster/name_home.h"
#include "cluster/system.capnp.h"
#include "gtest/gtest.h"
#include "serialization/capnp_frame.h"

namespace bossa {
namespace {

// Nodes whose messages go through one queue the test drains by hand.
class NameNetwork {
 public:
  explicit NameNetwork(std::vector<uint32_t> ids,
                       absl::Duration claim_timeout = absl::Seconds(10)) {
    for (uint32_t id : ids) {
      nodes_[id] = std::make_unique<GlobalNames>(
          id, claim_timeout,
          GlobalNames::Hooks{
              .send = [this, id](uint32_t to,
                                 std::string payload) { enqueue(id, to, std::move(payload)); },
              .up_nodes =
                  [this, id] {
                    std::vector<uint32_t> others;
                    std::lock_guard<std::mutex> lock(mutex_);
                    for (const auto& [other, names] : nodes_) {
                      if (other != id && !cut_.contains({id, other}) &&
                          !hidden_.contains({id, other})) {
                        others.push_back(other);
                      }
                    }
                    return others;
                  },
              .watch = [](const std::string&, Pid, bool) {},
              .lost =
                  [this, id](const std::string& name, Pid loser, Pid winner) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    lost_.push_back(Lost{id, name, loser, winner});
                  },
              .left =
                  [this](const NameLeft& left) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    left_.push_back(
                        Left{left.watcher, left.watch, left.name, left.holder, left.now});
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

  // A watch that fired, as a node's Hooks::left heard it.
  struct Left {
    Pid watcher;
    uint64_t watch;
    std::string name;
    Pid holder;
    Pid now;
    friend bool operator==(const Left&, const Left&) = default;
  };
  std::vector<Left> left() {
    std::lock_guard<std::mutex> lock(mutex_);
    return left_;
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

  // `viewer` sees `node` go down (hidden) or come up again, while their messages still flow: two
  // nodes' views of the members differ for a moment.
  void hide(uint32_t viewer, uint32_t node) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      hidden_.insert({viewer, node});
    }
    this->node(viewer).node_down(node);
  }
  void unhide(uint32_t viewer, uint32_t node) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      hidden_.erase({viewer, node});
    }
    this->node(viewer).node_up(node);
  }

  // While held, a thread of node `from` that sends waits in the send (as on a full link).
  void hold_sends(uint32_t from) {
    std::lock_guard<std::mutex> lock(mutex_);
    held_from_ = from;
  }
  // Waits until a thread waits in a held send.
  void await_held_send() {
    std::unique_lock<std::mutex> lock(mutex_);
    ASSERT_TRUE(queued_.wait_for(lock, std::chrono::seconds(10), [&] { return held_ > 0; }));
  }
  void release_sends() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      held_from_ = 0;
    }
    queued_.notify_all();
  }
  size_t queued(uint32_t from, uint32_t to) {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::count_if(queue_.begin(), queue_.end(),
                         [&](const Queued& m) { return m.from == from && m.to == to; });
  }

  // Waits until a message from `from` to `to` is queued.
  void await_queued(uint32_t from, uint32_t to) {
    std::unique_lock<std::mutex> lock(mutex_);
    ASSERT_TRUE(queued_.wait_for(lock, std::chrono::seconds(10),
                                 [&] {
                                   return std::any_of(queue_.begin(), queue_.end(),
                                                      [&](const Queued& m) {
                                                        return m.from == from && m.to == to;
                                                      });
                                 }))
        << "no message from " << from << " to " << to;
  }

  // Waits until a message from `from` to `to` is queued, then delivers the oldest such one.
  void deliver(uint32_t from, uint32_t to) {
    const std::string payload = take(from, to);
    if (payload.empty()) return;
    ASSERT_TRUE(node(to).on_system(from, payload, DecodeLimits{}).ok());
  }

  // Waits until a message from `from` to `to` is queued, and takes the oldest such one off the
  // queue undelivered; empty (and a failure) if none comes.
  std::string take(uint32_t from, uint32_t to) {
    Queued message;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto match = [&] {
        for (auto it = queue_.begin(); it != queue_.end(); ++it) {
          if (it->from == from && it->to == to) return it;
        }
        return queue_.end();
      };
      const bool queued =
          queued_.wait_for(lock, std::chrono::seconds(10), [&] { return match() != queue_.end(); });
      EXPECT_TRUE(queued) << "no message from " << from << " to " << to;
      if (!queued) return {};
      auto it = match();
      message = std::move(*it);
      queue_.erase(it);
    }
    return std::move(message.payload);
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
      std::unique_lock<std::mutex> lock(mutex_);
      if (held_from_ == from) {
        ++held_;
        queued_.notify_all();
        queued_.wait(lock, [&] { return held_from_ != from; });
        --held_;
      }
      if (cut_.contains({from, to})) return;
      queue_.push_back(Queued{from, to, std::move(payload)});
    }
    queued_.notify_all();
  }

  std::map<uint32_t, std::unique_ptr<GlobalNames>> nodes_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Queued> queue_;
  std::set<std::pair<uint32_t, uint32_t>> cut_;     // (from, to) pairs that cannot talk
  std::set<std::pair<uint32_t, uint32_t>> hidden_;  // (viewer, node): viewer thinks node is down
  std::vector<Lost> lost_;
  std::vector<Left> left_;
  uint32_t held_from_ = 0;  // the node whose sends wait, or 0
  int held_ = 0;            // threads waiting in a held send
};

constexpr uint32_t kA = 1, kB = 2, kM = 3;
const Pid a{kA, 5};
const Pid b{kB, 5};

// The first name (after `skip` others) whose home, seen from each view in `homes`, is the node
// paired with it.
std::string name_homed(std::vector<std::pair<std::vector<uint32_t>, uint32_t>> homes,
                       int skip = 0) {
  for (int i = 0;; ++i) {
    std::string name = absl::StrCat("n", i);
    if (std::all_of(homes.begin(), homes.end(),
                    [&](const auto& view) { return name_home(name, view.first) == view.second; }) &&
        skip-- == 0) {
      return name;
    }
  }
}

// A system message as node `from` would send it, for the tests of untrusted input.
std::string commit_payload(const std::string& name, Pid pid) {
  capnp::MallocMessageBuilder message;
  auto entry = message.initRoot<wire::SystemMessage>().initNameCommit();
  entry.setName(name);
  entry.initPid().setNode(pid.node);
  entry.getPid().setSerial(pid.serial);
  return capnp_frame::write(message);
}
std::string commits_payload(const std::vector<std::pair<std::string, Pid>>& entries) {
  capnp::MallocMessageBuilder message;
  auto list = message.initRoot<wire::SystemMessage>().initNameCommits(
      static_cast<unsigned>(entries.size()));
  for (unsigned i = 0; i < entries.size(); ++i) {
    list[i].setName(entries[i].first);
    list[i].initPid().setNode(entries[i].second.node);
    list[i].getPid().setSerial(entries[i].second.serial);
  }
  return capnp_frame::write(message);
}
std::string claim_payload(uint64_t claim, const std::string& name, Pid pid) {
  capnp::MallocMessageBuilder message;
  auto group = message.initRoot<wire::SystemMessage>().initNameClaim();
  group.setClaim(claim);
  group.initEntry().setName(name);
  group.getEntry().initPid().setNode(pid.node);
  group.getEntry().getPid().setSerial(pid.serial);
  return capnp_frame::write(message);
}
std::string grant_payload(uint64_t claim) {
  capnp::MallocMessageBuilder message;
  message.initRoot<wire::SystemMessage>().setNameGrant(claim);
  return capnp_frame::write(message);
}

TEST(GlobalNames, OfTwoClaimsRacingForANameTheHomeGrantsTheFirst) {
  NameNetwork net({kA, kB, kM});
  const std::string name = name_homed({{{kA, kB, kM}, kM}});
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name(name, a); });
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name(name, b); });
  // b's claim reaches the home first: b wins although a is the lower pid.
  net.deliver(kB, kM);
  net.deliver(kA, kM);
  net.deliver_until_decided({&a_claims, &b_claims});
  absl::Status a_result = a_claims.get();
  EXPECT_TRUE(b_claims.get().ok());
  EXPECT_TRUE(absl::IsAlreadyExists(a_result)) << a_result;
  EXPECT_NE(a_result.message().find(b.to_string()), absl::string_view::npos) << a_result;
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis(name), b) << "on node " << id;
  EXPECT_TRUE(net.lost().empty());
}

TEST(GlobalNames, AClaimTheHomeRefusesAsUnauthorizedFailsWithPermissionDenied) {
  NameNetwork net({kA, kB});
  const std::string name = name_homed({{{kA, kB}, kB}});
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name(name, a); });
  // B's cluster layer does not let A register names: it answers the claim with refuse_claim.
  absl::StatusOr<GlobalNames::Asked> asked = GlobalNames::asked(net.take(kA, kB), DecodeLimits{});
  ASSERT_TRUE(asked.ok()) << asked.status();
  ASSERT_TRUE(asked->claim.has_value());
  net.node(kB).refuse_claim(kA, *asked->claim);
  net.deliver(kB, kA);
  const absl::Status result = a_claims.get();
  EXPECT_TRUE(absl::IsPermissionDenied(result)) << result;
  EXPECT_NE(result.message().find("not authorized: names " + name), absl::string_view::npos)
      << result;
  net.deliver_all();
  for (uint32_t id : {kA, kB}) EXPECT_FALSE(net.node(id).whereis(name)) << "on node " << id;
}

TEST(GlobalNames, AskedTellsAnswersApartFromWhatRegistersNames) {
  auto asked = [](const std::string& payload) {
    absl::StatusOr<GlobalNames::Asked> read = GlobalNames::asked(payload, DecodeLimits{});
    EXPECT_TRUE(read.ok()) << read.status();
    return read.value_or(GlobalNames::Asked{});
  };
  EXPECT_TRUE(asked(grant_payload(3)).answer);
  const GlobalNames::Asked claim = asked(claim_payload(7, "x", a));
  EXPECT_FALSE(claim.answer);
  EXPECT_EQ(claim.names, std::vector<std::string>{"x"});
  EXPECT_EQ(claim.claim, 7u);
  const GlobalNames::Asked commits = asked(commits_payload({{"x", a}, {"y", a}}));
  EXPECT_EQ(commits.names, (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(commits.claim.has_value());
  EXPECT_EQ(asked(commit_payload("z", a)).names, std::vector<std::string>{"z"});
  EXPECT_FALSE(GlobalNames::asked("not a message", DecodeLimits{}).ok());
}

TEST(GlobalNames, AHomeDecidesItsOwnClaimsAtOnceAndHonoursItsReservations) {
  NameNetwork net({kA, kB, kM});
  const std::string name = name_homed({{{kA, kB, kM}, kA}});
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name(name, b); });
  net.deliver(kB, kA);  // A, the home, grants b and reserves the name for it
  absl::Status a_result = net.node(kA).register_name(name, a);
  EXPECT_TRUE(absl::IsAlreadyExists(a_result)) << a_result;
  EXPECT_NE(a_result.message().find("being registered to " + b.to_string()),
            absl::string_view::npos)
      << a_result;
  net.deliver_until_decided({&b_claims});
  EXPECT_TRUE(b_claims.get().ok());
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis(name), b) << "on node " << id;
  // The home registers its own names without a message: nothing is delivered here.
  const std::string own = name_homed({{{kA, kB, kM}, kA}}, 1);
  ASSERT_TRUE(net.node(kA).register_name(own, a).ok());
  EXPECT_EQ(net.node(kA).whereis(own), a);
  net.deliver_all();
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis(own), a) << "on node " << id;
}

TEST(GlobalNames, ACommittedNameNeverYieldsToALowerLaterClaim) {
  NameNetwork net({kA, kB, kM});
  const std::string name = name_homed({{{kA, kB, kM}, kM}});
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name(name, b); });
  net.deliver(kB, kM);
  net.deliver(kM, kB);
  ASSERT_TRUE(b_claims.get().ok());
  net.deliver(kB, kM);  // the commit reaches the home, and not yet A
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name(name, a); });
  net.deliver(kA, kM);
  net.deliver(kM, kA);  // the home denies, naming b
  absl::Status late = a_claims.get();
  EXPECT_TRUE(absl::IsAlreadyExists(late)) << late;
  EXPECT_NE(late.message().find(b.to_string()), absl::string_view::npos) << late;
  net.deliver_all();
  // Once the commit is in, a node refuses a claim for a held name without asking the home.
  late = net.node(kA).register_name(name, a);
  EXPECT_TRUE(absl::IsAlreadyExists(late)) << late;
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis(name), b) << "on node " << id;
}

TEST(GlobalNames, AClaimWhoseHomeGoesDownGoesToTheNewHome) {
  NameNetwork net({kA, kB, kM});
  const std::string name = name_homed({{{kA, kB, kM}, kM}, {{kA, kB}, kB}});
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name(name, a); });
  net.await_queued(kA, kM);
  net.isolate(kM);  // the claim to M is lost with it, and M going down is no grant
  net.deliver(kA, kB);
  net.deliver(kB, kA);
  ASSERT_TRUE(a_claims.get().ok());
  net.deliver_all();
  EXPECT_EQ(net.node(kA).whereis(name), a);
  EXPECT_EQ(net.node(kB).whereis(name), a);
  EXPECT_FALSE(net.node(kM).whereis(name).has_value());
}

TEST(GlobalNames, AReservationEndsWhenItsClaimantGoesDown) {
  NameNetwork net({kA, kB, kM});
  const std::string name = name_homed({{{kA, kB, kM}, kM}});
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name(name, a); });
  net.deliver(kA, kM);  // M reserves the name for a; its grant is lost with A
  net.isolate(kA);
  // Alone, A is its own home now and takes the name on its side.
  EXPECT_TRUE(a_claims.get().ok());
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name(name, b); });
  net.deliver_until_decided({&b_claims});
  EXPECT_TRUE(b_claims.get().ok());
  EXPECT_EQ(net.node(kB).whereis(name), b);
  EXPECT_EQ(net.node(kM).whereis(name), b);
}

TEST(GlobalNames, AClaimTheHomeLeavesUnansweredTimesOutAndLetsGoOfItsReservation) {
  NameNetwork net({kA, kB, kM}, absl::Milliseconds(200));
  const std::string name = name_homed({{{kA, kB, kM}, kM}});
  absl::Status result = net.node(kA).register_name(name, a);
  EXPECT_TRUE(absl::IsDeadlineExceeded(result)) << result;
  net.deliver(kA, kM);  // the claim: M reserves the name for a
  net.deliver(kA, kM);  // the release a's node sent when it gave up
  net.deliver_all();    // the late grant, ignored
  EXPECT_FALSE(net.node(kA).whereis(name).has_value());
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name(name, b); });
  net.deliver_until_decided({&b_claims});
  EXPECT_TRUE(b_claims.get().ok());
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis(name), b) << "on node " << id;
}

TEST(GlobalNames, ClaimantsWithDifferentViewsBothCommitAndTheLowerPidWinsEverywhere) {
  NameNetwork net({kA, kB, kM});
  // A sees every node and asks M; B does not see M yet and is its own home.
  const std::string name = name_homed({{{kA, kB, kM}, kM}, {{kA, kB}, kB}});
  net.hide(kB, kM);
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name(name, a); });
  ASSERT_TRUE(net.node(kB).register_name(name, b).ok());
  net.deliver(kA, kM);
  net.deliver(kM, kA);  // A commits a before b's commit reaches it
  ASSERT_TRUE(a_claims.get().ok());
  net.deliver_all();
  net.unhide(kB, kM);
  net.deliver_all();
  for (uint32_t id : {kA, kB, kM}) EXPECT_EQ(net.node(id).whereis(name), a) << "on node " << id;
  EXPECT_EQ(net.lost(), (std::vector<NameNetwork::Lost>{{kB, name, b, a}}));
}

TEST(GlobalNames, CommitsQueuedWhileOneIsSentLeaveTogetherAndAheadOfLaterMessages) {
  NameNetwork net({kA, kB});
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) names.push_back(name_homed({{{kA, kB}, kA}}, i));  // A decides
  net.hold_sends(kA);
  auto first = std::async(std::launch::async, [&] {
    return net.node(kA).register_name(names[0], Pid{kA, 5});
  });
  net.await_held_send();  // the first commit is on its way
  auto second = std::async(std::launch::async, [&] {
    return net.node(kA).register_name(names[1], Pid{kA, 6});
  });
  auto third = std::async(std::launch::async, [&] {
    return net.node(kA).register_name(names[2], Pid{kA, 7});
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (const std::string& name : {names[1], names[2]}) {
    while (!net.node(kA).whereis(name).has_value()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << name << " never committed";
      std::this_thread::yield();
    }
  }
  // The second and third find the first's commit being sent: they return with theirs queued
  // behind it, and a message sent after them waits until those have left.
  EXPECT_TRUE(second.get().ok());
  EXPECT_TRUE(third.get().ok());
  EXPECT_EQ(net.queued(kA, kB), 0u);
  auto later_message = std::async(std::launch::async, [&] { net.node(kA).await_sent(); });
  EXPECT_EQ(later_message.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout)
      << "a message would leave before the commits queued ahead of it";
  net.release_sends();
  EXPECT_TRUE(first.get().ok());
  later_message.get();
  EXPECT_EQ(net.queued(kA, kB), 2u) << "the second and third commits share a message";
  net.deliver_all();
  for (const std::string& name : names) EXPECT_TRUE(net.node(kB).whereis(name).has_value()) << name;
}

TEST(GlobalNames, ANodeGoingDownTakesItsNamesAlong) {
  NameNetwork net({kA, kB, kM});
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver_until_decided({&a_claims});
  ASSERT_TRUE(a_claims.get().ok());
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

TEST(GlobalNames, AWatchFiresOnceWhenItsNameIsReleasedAndNotForOtherNames) {
  NameNetwork net({kA, kB});
  const Pid watcher{kB, 9};
  auto claims = std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver_until_decided({&claims});
  ASSERT_TRUE(claims.get().ok());
  auto other = std::async(std::launch::async, [&] { return net.node(kA).register_name("y", a); });
  net.deliver_until_decided({&other});
  ASSERT_TRUE(other.get().ok());
  net.deliver_all();
  const GlobalNames::Watch watch = net.node(kB).watch("x", watcher);
  EXPECT_EQ(watch.holder, a);
  const GlobalNames::Watch unwatched = net.node(kB).watch("y", watcher);
  EXPECT_TRUE(net.node(kB).unwatch(watcher, unwatched.id));
  EXPECT_FALSE(net.node(kB).unwatch(watcher, unwatched.id));

  net.node(kA).release("x", a);
  net.node(kA).release("y", a);
  net.deliver_all();
  EXPECT_EQ(net.left(), (std::vector<NameNetwork::Left>{{watcher, watch.id, "x", a, Pid{}}}));
  // Registered again: the watch has fired, and nothing more comes.
  auto again = std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver_until_decided({&again});
  ASSERT_TRUE(again.get().ok());
  net.deliver_all();
  EXPECT_EQ(net.left().size(), 1u);
  EXPECT_FALSE(net.node(kB).unwatch(watcher, watch.id));
}

TEST(GlobalNames, AWatchOfANameNobodyHoldsFiresAtOnce) {
  NameNetwork net({kA});
  const GlobalNames::Watch watch = net.node(kA).watch("nobody", a);
  EXPECT_FALSE(watch.holder.valid());
  EXPECT_EQ(net.left(), (std::vector<NameNetwork::Left>{{a, watch.id, "nobody", Pid{}, Pid{}}}));
}

TEST(GlobalNames, AWatchFiresWhenItsHoldersNodeGoesDown) {
  NameNetwork net({kA, kB});
  auto claims = std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver_until_decided({&claims});
  ASSERT_TRUE(claims.get().ok());
  net.deliver_all();
  const GlobalNames::Watch watch = net.node(kB).watch("x", b);
  net.isolate(kA);
  EXPECT_EQ(net.left(), (std::vector<NameNetwork::Left>{{b, watch.id, "x", a, Pid{}}}));
}

TEST(GlobalNames, AWatchFiresWhenAHealedPartitionGivesItsNameToAnotherPid) {
  NameNetwork net({kA, kB, kM});
  auto b_claims =
      std::async(std::launch::async, [&] { return net.node(kB).register_name("x", b); });
  net.deliver_until_decided({&b_claims});
  ASSERT_TRUE(b_claims.get().ok());
  net.deliver_all();
  net.isolate(kB);
  const Pid watcher{kB, 9};
  const GlobalNames::Watch watch = net.node(kB).watch("x", watcher);
  ASSERT_EQ(watch.holder, b);  // B alone still holds it
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver_until_decided({&a_claims});
  ASSERT_TRUE(a_claims.get().ok());
  EXPECT_TRUE(net.left().empty());

  net.rejoin(kB);
  net.deliver_all();  // a < b: the name moves to a on B
  EXPECT_EQ(net.left(), (std::vector<NameNetwork::Left>{{watcher, watch.id, "x", b, a}}));
}

TEST(GlobalNames, AwaitReturnsTheHolderOnceTheCommitArrives) {
  NameNetwork net({kA, kB});
  EXPECT_FALSE(net.node(kB).await("x", absl::Milliseconds(20)).has_value());
  auto awaited =
      std::async(std::launch::async, [&] { return net.node(kB).await("x", absl::Seconds(10)); });
  auto claims = std::async(std::launch::async, [&] { return net.node(kA).register_name("x", a); });
  net.deliver_until_decided({&claims});
  ASSERT_TRUE(claims.get().ok());
  net.deliver_all();
  EXPECT_EQ(awaited.get(), a);
}

TEST(GlobalNames, ClaimsSpeakingForAnotherNodesActorAreRefused) {
  NameNetwork net({kA, kB});
  absl::Status own = net.node(kA).register_name("x", b);
  EXPECT_TRUE(absl::IsInvalidArgument(own)) << own;
  EXPECT_FALSE(net.node(kA).whereis("x").has_value());
}

TEST(GlobalNames, NamesAreTakenOnlyFromTheNodeOfThePidTheyName) {
  NameNetwork net({kA, kB, kM});
  const Pid m{kM, 5};
  // B speaks for M's actor, or names no name: refused, and nothing changes.
  EXPECT_TRUE(
      absl::IsInvalidArgument(net.node(kA).on_system(kB, commit_payload("x", m), DecodeLimits{})));
  EXPECT_TRUE(absl::IsInvalidArgument(
      net.node(kA).on_system(kB, claim_payload(7, "x", m), DecodeLimits{})));
  EXPECT_TRUE(
      absl::IsInvalidArgument(net.node(kA).on_system(kB, claim_payload(7, "", b), DecodeLimits{})));
  EXPECT_TRUE(
      absl::IsInvalidArgument(net.node(kA).on_system(kB, commit_payload("", b), DecodeLimits{})));
  EXPECT_TRUE(absl::IsInvalidArgument(
      net.node(kA).on_system(kB, commits_payload({{"y", b}, {"x", m}}), DecodeLimits{})));
  EXPECT_FALSE(net.node(kA).whereis("y").has_value()) << "a list with a culprit is refused whole";
  net.deliver_all();
  EXPECT_FALSE(net.node(kA).whereis("x").has_value());
  // A grant from a node that is not the claim's home does not decide it.
  const std::string name = name_homed({{{kA, kB, kM}, kM}});
  auto a_claims =
      std::async(std::launch::async, [&] { return net.node(kA).register_name(name, a); });
  net.await_queued(kA, kM);
  ASSERT_TRUE(net.node(kA).on_system(kB, grant_payload(1), DecodeLimits{}).ok());
  EXPECT_EQ(a_claims.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  EXPECT_FALSE(net.node(kA).whereis(name).has_value());
  net.deliver_until_decided({&a_claims});
  EXPECT_TRUE(a_claims.get().ok());
}

}  // namespace
}  // namespace bossa
