// SwimMembership (swim.h) among a handful of nodes on virtual time (the simulation of
// tests/support/swim_simulation.h, whose filter delays or drops chosen messages), and one machine
// alone on a clock of the test's, for what the simulation never does (an owner that wakes late).
#include "transport/native/swim.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/swim_simulation.h"

namespace bossa::transport {
namespace {

using namespace std::chrono_literals;
using Swim = SwimMembership;
using Kind = Swim::Event::Kind;

struct Seen {
  size_t node;
  Kind kind;
  uint32_t about;
  std::string reason;
};

// A simulation of `n` nodes joined through node 0, converged, whose events from then on are kept.
class SwimTest : public ::testing::Test {
 protected:
  void form(size_t n) {
    for (size_t i = 0; i < n; ++i) sim_.add(i == 0 ? std::vector<size_t>{} : std::vector{0ul});
    ASSERT_TRUE(converge(5s));
    seen_.clear();
  }

  bool converge(std::chrono::nanoseconds limit) {
    return sim_.run_until([&] { return sim_.converged(); }, sim_.now() + limit);
  }

  // The events node `node` reported about `about`, of `kind`.
  std::vector<Seen> seen(size_t node, Kind kind, uint32_t about) const {
    std::vector<Seen> found;
    for (const Seen& event : seen_) {
      if (event.node == node && event.kind == kind && event.about == about) found.push_back(event);
    }
    return found;
  }

  size_t count(Kind kind, uint32_t about) const {
    size_t found = 0;
    for (const Seen& event : seen_) found += event.kind == kind && event.about == about;
    return found;
  }

  // Gossip from node `relay`, one of 4 members, passing on `declarer`'s verdict of epoch 0 that
  // node `victim` is dead.
  SwimMessage relayed_death(size_t relay, size_t victim, uint32_t declarer) {
    SwimMessage message;
    message.kind = SwimKind::kGossip;
    message.sender = sim_.swim(relay).self();
    message.members = 4;
    message.updates.push_back(
        SwimUpdate{sim_.swim(victim).self(), SwimStatus::kDead, 0, 0, declarer, false, 0});
    return message;
  }

  SwimSimulation sim_{11};
  std::vector<Seen> seen_;

 private:
  void SetUp() override {
    sim_.set_observer([this](size_t node, const Swim::Event& event) {
      seen_.push_back(Seen{node, event.kind, event.node->id, event.reason});
    });
  }
};

bool has_update(const SwimMessage& message, uint32_t about, SwimStatus status) {
  for (const SwimUpdate& update : message.updates) {
    if (update.node->id == about && update.status == status) return true;
  }
  return false;
}

TEST_F(SwimTest, NodesJoiningThroughOneSeedAllSeeEachOtherUpOnce) {
  form(5);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(sim_.swim(i).up_count(), 4u);
    EXPECT_TRUE(sim_.swim(i).joined());
  }
  sim_.run_for(10s);
  EXPECT_TRUE(seen_.empty()) << "no event once converged";
}

TEST_F(SwimTest, AStoppedNodeIsReportedDownByEveryOtherNodeWithinThreeSeconds) {
  form(8);
  const uint32_t victim = sim_.id_of(3);
  const auto crashed = sim_.now();
  sim_.crash(3);
  ASSERT_TRUE(sim_.run_until([&] { return count(Kind::kDown, victim) == 7; }, crashed + 3s));
  for (size_t i = 0; i < 8; ++i) {
    if (i == 3) continue;
    ASSERT_EQ(seen(i, Kind::kDown, victim).size(), 1u);
    EXPECT_EQ(seen(i, Kind::kDown, victim)[0].reason.rfind("suspected by ", 0), 0u)
        << seen(i, Kind::kDown, victim)[0].reason;
  }
  EXPECT_TRUE(sim_.converged());
}

TEST_F(SwimTest, ANodeWhoseAcksComeLateButThatAnswersIndirectProbesIsNotSuspected) {
  form(5);
  const uint32_t slow = sim_.id_of(1);
  // Node 1's acks to node 0 arrive after the protocol period, and its pings are never answered
  // directly; what the others relay for it arrives in time.
  sim_.set_filter([](size_t from, size_t to, const SwimMessage& message) {
    if (from == 1 && to == 0 && message.kind == SwimKind::kAck) {
      return SwimSimulation::Verdict{false, 400ms};
    }
    return SwimSimulation::Verdict{};
  });
  sim_.reset_counters();
  sim_.run_for(30s);
  EXPECT_GT(sim_.counters().by_kind[static_cast<size_t>(SwimKind::kPingReq)], 0u);
  EXPECT_EQ(count(Kind::kDown, slow), 0u);
  EXPECT_EQ(sim_.swim(1).incarnation(), 0u) << "never suspected, so never refuted";
  EXPECT_TRUE(sim_.converged());
}

TEST_F(SwimTest, ASuspectedNodeThatComesBackRefutesTheSuspicionAndStaysUp) {
  form(5);
  const uint32_t cut = sim_.id_of(4);
  bool suspected = false;
  bool cut_off = true;
  sim_.set_filter([&](size_t from, size_t to, const SwimMessage& message) {
    if (has_update(message, cut, SwimStatus::kSuspect)) suspected = true;
    return SwimSimulation::Verdict{cut_off && (from == 4 || to == 4), 0ns};
  });
  ASSERT_TRUE(sim_.run_until([&] { return suspected; }, sim_.now() + 10s));
  cut_off = false;
  sim_.run_for(10s);

  EXPECT_EQ(count(Kind::kDown, cut), 0u);
  EXPECT_GE(sim_.swim(4).incarnation(), 1u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(sim_.swim(i).status_of(cut), SwimStatus::kAlive);
}

// Node 3 hears nothing of node 4 while node 4 refutes a suspicion (every copy of the refutation
// misses it, as a few nodes among thousands may under loss), and node 4 never reaches it
// directly. Returns node 4's id, once the others hold it alive at its new incarnation.
class SwimStaleTest : public SwimTest {
 protected:
  uint32_t refute_unseen_by_node_3() {
    form(8);
    const uint32_t victim = sim_.id_of(4);
    sim_.set_filter([this, victim](size_t from, size_t to, const SwimMessage& message) {
      const bool about = std::any_of(message.updates.begin(), message.updates.end(),
                                     [&](const SwimUpdate& u) { return u.node->id == victim; });
      return SwimSimulation::Verdict{to == 3 && (from == 4 || (hide_ && about)), 0ns};
    });
    sim_.inject(4, rumor(0, SwimStatus::kSuspect));
    sim_.run_for(3s);
    EXPECT_EQ(sim_.swim(4).incarnation(), 1u);
    return victim;
  }

  // A Gossip from node `from` that node 0 declared node 4 `status` at incarnation 0.
  SwimMessage rumor(size_t from, SwimStatus status) {
    SwimMessage news;
    news.kind = SwimKind::kGossip;
    news.sender = sim_.swim(from).self();
    news.updates.push_back(SwimUpdate{sim_.swim(4).self(), status, 0, 0, sim_.id_of(0)});
    return news;
  }

  bool hide_ = true;
};

TEST_F(SwimStaleTest, ANodeThatHearsASuspicionAfterItsRefutationWentByLearnsOfTheRefutation) {
  const uint32_t victim = refute_unseen_by_node_3();
  hide_ = false;
  sim_.inject(3, rumor(1, SwimStatus::kSuspect));  // a straggler's copy, late
  ASSERT_EQ(sim_.swim(3).status_of(victim), SwimStatus::kSuspect);
  sim_.run_for(10s);
  EXPECT_EQ(count(Kind::kDown, victim), 0u);
  EXPECT_EQ(sim_.swim(4).epoch(), 0u);
  for (size_t i = 0; i < 8; ++i) {
    if (i != 4) {
      EXPECT_EQ(sim_.swim(i).status_of(victim), SwimStatus::kAlive) << "node " << i;
    }
  }
}

TEST_F(SwimStaleTest, AStaleDeathDoesNotSpreadButItsHolderTellsTheMemberWhichRejoins) {
  const uint32_t victim = refute_unseen_by_node_3();
  hide_ = false;
  sim_.inject(3, rumor(1, SwimStatus::kDead));  // node 3 holds it dead at incarnation 0
  ASSERT_EQ(seen(3, Kind::kDown, victim).size(), 1u);
  ASSERT_TRUE(sim_.run_until([&] { return count(Kind::kUp, victim) == 7 && sim_.converged(); },
                             sim_.now() + 10s));
  // The others ignored the death, below the incarnation they hold; node 4 learned that node 3
  // reported it down and started its next epoch, which every node saw.
  EXPECT_EQ(seen(4, Kind::kDeclaredDown, victim).size(), 1u);
  EXPECT_EQ(sim_.swim(4).epoch(), 1u);
  for (size_t i : {0, 1, 2, 5, 6, 7}) {
    ASSERT_EQ(seen(i, Kind::kDown, victim).size(), 1u) << "node " << i;
    EXPECT_EQ(seen(i, Kind::kDown, victim)[0].reason, "rejoined after being declared down");
  }
}

TEST_F(SwimTest, ANodeTheClusterDeclaredDeadRejoinsAndEveryNodeSeesItGoDownAndUp) {
  form(5);
  const uint32_t x = sim_.id_of(2);
  // Only node 2 hears that node 1 declared it dead: the others never process that death.
  SwimMessage news;
  news.kind = SwimKind::kGossip;
  news.sender = sim_.swim(1).self();
  news.target = x;
  news.updates.push_back(SwimUpdate{sim_.swim(2).self(), SwimStatus::kDead, 0, 0, sim_.id_of(1)});
  sim_.inject(2, news);

  ASSERT_EQ(seen(2, Kind::kDeclaredDown, x).size(), 1u);
  EXPECT_EQ(sim_.swim(2).epoch(), 1u);
  EXPECT_LE(sim_.swim(2).up_count(), 1u) << "but the sender of the news";
  for (size_t i : {0, 1, 3, 4}) {
    ASSERT_EQ(seen(2, Kind::kDown, sim_.id_of(i)).size(), 1u) << "node 2 reports node " << i;
  }
  ASSERT_TRUE(sim_.run_until([&] { return count(Kind::kUp, x) == 4 && sim_.converged(); },
                             sim_.now() + 5s));
  for (size_t i : {0, 1, 3, 4}) {
    ASSERT_EQ(seen(i, Kind::kDown, x).size(), 1u) << "node " << i;
    EXPECT_EQ(seen(i, Kind::kDown, x)[0].reason, "rejoined after being declared down");
    EXPECT_EQ(seen(i, Kind::kUp, x).size(), 1u) << "node " << i;
    EXPECT_EQ(seen(2, Kind::kUp, sim_.id_of(i)).size(), 1u) << "node 2 sees node " << i;
  }
}

// A death declared by a node in an epoch it was itself declared dead in is void: passed on by a
// member (a node of the smaller side of a partition, rejoined, whose table holds both sides), it
// takes nobody down, however many members its sender counts. Before, such a relay made hundreds
// of the larger side of a 3,000-node cluster start a new epoch as a cut-off tenth came back.
TEST_F(SwimTest, AVoidDeathPassedOnByAMemberTakesNobodyDown) {
  form(5);
  const uint32_t declarer = sim_.id_of(2);
  SwimMessage told;
  told.kind = SwimKind::kGossip;
  told.sender = sim_.swim(1).self();
  told.updates.push_back(
      SwimUpdate{sim_.swim(2).self(), SwimStatus::kDead, 0, 0, sim_.id_of(1), false, 0});
  sim_.inject(2, told);
  ASSERT_TRUE(sim_.run_until([&] { return count(Kind::kUp, declarer) == 4 && sim_.converged(); },
                             sim_.now() + 5s));
  ASSERT_EQ(sim_.swim(2).epoch(), 1u);
  // Node 3 passes on node 2's verdict on node 0, of node 2's epoch 0.
  seen_.clear();
  sim_.inject(0, relayed_death(3, 0, declarer));
  sim_.run_for(5s);
  EXPECT_EQ(sim_.swim(0).epoch(), 0u);
  EXPECT_TRUE(seen_.empty()) << seen_.front().reason;
  EXPECT_TRUE(sim_.converged());
}

// The same, where the declarer is one this node holds dead: it is asked, not believed, and does
// not answer (it crashed), so nothing happens.
TEST_F(SwimTest, AVoidDeathPassedOnByAMemberIsCheckedWithItsDeclarerNotBelieved) {
  form(5);
  const uint32_t declarer = sim_.id_of(4);
  sim_.crash(4);
  ASSERT_TRUE(converge(10s));
  size_t asked = 0;
  sim_.set_filter([&](size_t from, size_t to, const SwimMessage& message) {
    if (from == 0 && to == 4 && message.kind == SwimKind::kPing) ++asked;
    return SwimSimulation::Verdict{};
  });
  seen_.clear();
  sim_.inject(0, relayed_death(3, 0, declarer));
  EXPECT_EQ(asked, 1u);
  sim_.run_for(5s);
  EXPECT_EQ(sim_.swim(0).epoch(), 0u);
  EXPECT_TRUE(seen_.empty()) << seen_.front().reason;
}

TEST_F(SwimTest, ANodeClaimingTheNameOfALiveMemberIsRefusedWithBothNamed) {
  form(3);
  const size_t impostor = sim_.start(3, {0}, "node-1");
  sim_.run_for(3s);
  std::vector<Seen> refused = seen(impostor, Kind::kRefused, sim_.id_of(impostor));
  ASSERT_FALSE(refused.empty());
  const std::string& reason = refused[0].reason;
  EXPECT_NE(reason.find("the name 'node-1'"), std::string::npos) << reason;
  EXPECT_NE(reason.find(std::to_string(sim_.id_of(impostor))), std::string::npos) << reason;
  EXPECT_NE(reason.find(std::to_string(sim_.id_of(1))), std::string::npos) << reason;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(sim_.swim(i).is_up(sim_.id_of(impostor))) << "node " << i;
    if (i != 1) {
      EXPECT_TRUE(sim_.swim(i).is_up(sim_.id_of(1))) << "node " << i;
    }
  }
  EXPECT_EQ(count(Kind::kDown, sim_.id_of(1)), 0u);
}

TEST_F(SwimTest, ANewRunOfANodeReplacesTheOldOneThatNoLongerAnswers) {
  form(4);
  const uint32_t old_run = sim_.id_of(2);
  const auto restarted = sim_.now();
  sim_.start(2, {0});  // the same name and endpoint, a new id
  const uint32_t new_run = sim_.id_of(2);
  ASSERT_TRUE(converge(5s));
  EXPECT_LT(sim_.now() - restarted, 2s) << "replaced, not waited out as a suspect";
  for (size_t i : {0, 1, 3}) {
    ASSERT_EQ(seen(i, Kind::kDown, old_run).size(), 1u) << "node " << i;
    EXPECT_EQ(seen(i, Kind::kDown, old_run)[0].reason,
              "replaced by a new run (id " + std::to_string(new_run) + ")");
    EXPECT_EQ(seen(i, Kind::kUp, new_run).size(), 1u) << "node " << i;
  }
}

TEST_F(SwimTest, TwoHalvesOfAPartitionFindEachOtherAgainAndEachPairWentDownAndUpOnBothSides) {
  form(8);
  sim_.partition({0, 0, 0, 0, 1, 1, 1, 1});
  sim_.run_for(60s);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(sim_.swim(i).up_count(), 3u) << "node " << i;
  sim_.partition({});
  ASSERT_TRUE(converge(30s));
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = 4; b < 8; ++b) {
      for (auto [i, j] : {std::pair{a, b}, std::pair{b, a}}) {
        EXPECT_FALSE(seen(i, Kind::kDown, sim_.id_of(j)).empty()) << i << " saw " << j << " down";
        EXPECT_FALSE(seen(i, Kind::kUp, sim_.id_of(j)).empty()) << i << " saw " << j << " up";
      }
    }
  }
}

TEST_F(SwimTest, ANodeCutOffAloneRejoinsAloneWhenItComesBack) {
  form(8);
  const uint32_t alone = sim_.id_of(5);
  sim_.partition({0, 0, 0, 0, 0, 1, 0, 0});
  sim_.run_for(60s);
  EXPECT_EQ(sim_.swim(5).up_count(), 0u);
  sim_.partition({});
  ASSERT_TRUE(sim_.run_until([&] { return count(Kind::kUp, alone) == 7; }, sim_.now() + 30s));
  ASSERT_TRUE(converge(10s));
  for (const Seen& event : seen_) {
    if (event.kind == Kind::kDeclaredDown) {
      EXPECT_EQ(event.node, 5u) << "only it rejoins";
    }
    if (event.kind == Kind::kDown && event.node != 5) {
      EXPECT_EQ(event.about, alone) << "node " << event.node << ": " << event.reason;
    }
  }
  for (size_t i = 0; i < 8; ++i) {
    if (i == 5) continue;
    EXPECT_EQ(seen(5, Kind::kDown, sim_.id_of(i)).size(), 1u) << "it saw node " << i << " go";
    EXPECT_EQ(seen(5, Kind::kUp, sim_.id_of(i)).size(), 1u) << "and come back";
  }
}

// With no news on any message, what thirty nodes that join at once learn of one another comes
// from digest swaps alone: the seed's State at the join, then a swap every 5 s, or within a
// second of one that found a difference.
TEST(SwimAntiEntropyTest, TablesThatDifferAreSwappedAgainSoonAndAgreeSooner) {
  auto converged_after = [](absl::Duration hurry) {
    SwimSimulation::Options options = SwimSimulation::seeded(17);
    options.config.max_updates_per_message = 0;
    options.config.anti_entropy_hurry = hurry;
    SwimSimulation sim(options);
    for (size_t i = 0; i < 30; ++i) sim.add(i == 0 ? std::vector<size_t>{} : std::vector{0ul});
    const Swim::TimePoint start = sim.now();
    EXPECT_TRUE(sim.run_until([&] { return sim.converged(); }, start + 120s));
    return sim.now() - start;
  };
  const auto hurried = converged_after(absl::Seconds(1));
  const auto unhurried = converged_after(absl::Seconds(5));
  EXPECT_LT(hurried, unhurried * 3 / 4)
      << "hurried " << absl::FormatDuration(absl::FromChrono(hurried)) << ", unhurried "
      << absl::FormatDuration(absl::FromChrono(unhurried));
}

TEST_F(SwimTest, ANodeThatLeavesIsReportedAsLeftAtOnce) {
  form(5);
  const uint32_t gone = sim_.id_of(2);
  sim_.leave(2);
  ASSERT_TRUE(sim_.run_until([&] { return count(Kind::kDown, gone) == 4; }, sim_.now() + 1s));
  for (size_t i : {0, 1, 3, 4}) EXPECT_EQ(seen(i, Kind::kDown, gone)[0].reason, "left");
}

TEST(SwimMachineTest, WithoutSeedsANodeFormsAClusterOfItsOwnAndIdlesUntilItsNextProbe) {
  Swim swim({}, 1);
  const Swim::TimePoint start{};
  swim.start(make_swim_node(7, "solo", "tcp://127.0.0.1:4000"),
             {make_swim_node(0, "", "tcp://127.0.0.1:4000")}, start);
  EXPECT_TRUE(swim.joined());
  swim.tick(start);
  EXPECT_TRUE(swim.take_messages().empty());
  EXPECT_TRUE(swim.take_events().empty());
  EXPECT_GT(swim.next_deadline(), start);
}

TEST(SwimMachineTest, ANodeWithSeedsSendsThemAJoinAddressedByEndpoint) {
  Swim swim({}, 1);
  const Swim::TimePoint start{};
  swim.start(make_swim_node(7, "a", "tcp://127.0.0.1:4000"),
             {make_swim_node(0, "", "tcp://127.0.0.1:4001")}, start);
  swim.tick(start);
  std::vector<Swim::Outgoing> out = swim.take_messages();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to->id, 0u);
  EXPECT_EQ(out[0].to->endpoint, "tcp://127.0.0.1:4001");
  EXPECT_EQ(out[0].message.kind, SwimKind::kJoin);
  EXPECT_EQ(out[0].message.sender->name, "a");
  // Unanswered, it asks again a join_retry later.
  swim.tick(start + 999ms);
  EXPECT_TRUE(swim.take_messages().empty());
  swim.tick(start + 1s);
  EXPECT_EQ(swim.take_messages().size(), 1u);
}

// Node a (id 7) on a clock of the test's, alone until the members in `ids` join it; they answer
// only what the test answers for them. Two Lone machines fed the same calls draw alike.
struct Lone {
  explicit Lone(std::vector<uint32_t> ids) {
    swim.start(make_swim_node(7, "a", "tcp://127.0.0.1:4000"), {}, now);
    for (uint32_t id : ids) {
      SwimMessage join;
      join.kind = SwimKind::kJoin;
      join.sender =
          make_swim_node(id, absl::StrCat("m", id), absl::StrCat("tcp://127.0.0.1:", 4000 + id));
      swim.on_message(join, now);
    }
    swim.take_messages();
    swim.take_events();
  }

  // Ticks at each deadline up to `until`; the messages that went out.
  std::vector<Swim::Outgoing> run_to(Swim::TimePoint until) {
    std::vector<Swim::Outgoing> sent;
    while (swim.next_deadline() <= until) {
      now = swim.next_deadline();
      swim.tick(now);
      for (Swim::Outgoing& out : swim.take_messages()) sent.push_back(std::move(out));
    }
    now = until;
    return sent;
  }

  // Ticks until a Ping goes out; that Ping.
  SwimMessage next_ping() {
    for (;;) {
      for (Swim::Outgoing& out : run_to(swim.next_deadline())) {
        if (out.message.kind == SwimKind::kPing) return out.message;
      }
    }
  }

  void ack(const SwimMessage& ping, Swim::TimePoint at) {
    SwimMessage ack;
    ack.kind = SwimKind::kAck;
    ack.sender = ping.probe ? ping.probe : make_swim_node(ping.target, "", "");
    ack.target = 7;
    ack.seq = ping.seq;
    swim.on_message(ack, at);
  }

  Swim swim{{}, 1};
  Swim::TimePoint now{};
};

bool sends(const std::vector<Swim::Outgoing>& sent, SwimKind kind) {
  return std::any_of(sent.begin(), sent.end(),
                     [kind](const Swim::Outgoing& out) { return out.message.kind == kind; });
}

// Node a hears that node 9 suspects node 8, then that node 9 came back in a later epoch: the
// suspicion was voiced on the losing side of a partition, where node 8 (which holds node 9 dead)
// ignores it and never refutes. Its end is no verdict: before, nodes of a tenth cut off from
// 5,000 that rejoined after the heal, and had not heard of the accuser yet, declared such members
// dead in their own name, and three nodes of the larger side started a new epoch.
TEST(SwimMachineTest, ASuspicionWhoseAccuserCameBackInALaterEpochEndsWithoutAVerdict) {
  Lone node({8, 9, 10});
  const SwimNodeRef m8 = make_swim_node(8, "m8", "tcp://127.0.0.1:4008");
  const SwimNodeRef m9 = make_swim_node(9, "m9", "tcp://127.0.0.1:4009");
  SwimMessage suspicion;
  suspicion.kind = SwimKind::kGossip;
  suspicion.sender = make_swim_node(10, "m10", "tcp://127.0.0.1:4010");
  suspicion.updates.push_back(SwimUpdate{m8, SwimStatus::kSuspect, 0, 0, 9, false, 0});
  node.swim.on_message(suspicion, node.now);
  ASSERT_EQ(node.swim.status_of(8), SwimStatus::kSuspect);
  SwimMessage back;
  back.kind = SwimKind::kGossip;
  back.sender = m9;
  back.epoch = 1;
  node.swim.on_message(back, node.now);
  // Every member answers every probe at once; node 8 at the incarnation it was suspected at.
  std::vector<Swim::Event> events;
  const Swim::TimePoint until = node.now + 5s;
  while (node.swim.next_deadline() <= until) {
    node.now = node.swim.next_deadline();
    node.swim.tick(node.now);
    for (Swim::Outgoing& out : node.swim.take_messages()) {
      if (out.message.kind == SwimKind::kPing) node.ack(out.message, node.now);
    }
    for (Swim::Event& event : node.swim.take_events()) events.push_back(std::move(event));
  }
  for (const Swim::Event& event : events) {
    EXPECT_NE(event.node->id, 8u) << event.reason;
  }
  EXPECT_EQ(node.swim.status_of(8), SwimStatus::kAlive);
}

// Node a's side of a partition (nodes 12 and 13) declared nodes 8 to 11 dead; node 12 then came
// back in a later epoch (it was declared dead by the other side), so its verdicts are void and
// nodes 8, 9 and 10, heard alive, are up again here. They are the other side: the count of
// members that a sends, which the node it meets uses to tell which side is the smaller, leaves
// them out. Before, nodes of a tenth cut off from 5,000 counted most of the larger side so by the
// time they met it, and larger-side nodes they held dead took themselves for the smaller side.
TEST(SwimMachineTest, MembersUpAgainBecauseTheirDeathProvedVoidDoNotCountAsThisNodesSide) {
  Lone node({8, 9, 10, 11, 12, 13});
  auto member = [](uint32_t id) {
    return make_swim_node(id, absl::StrCat("m", id), absl::StrCat("tcp://127.0.0.1:", 4000 + id));
  };
  SwimMessage deaths;
  deaths.kind = SwimKind::kGossip;
  deaths.sender = member(13);
  for (uint32_t id : {8, 9, 10}) {
    deaths.updates.push_back(SwimUpdate{member(id), SwimStatus::kDead, 0, 0, 12, false, 0});
  }
  deaths.updates.push_back(SwimUpdate{member(11), SwimStatus::kDead, 0, 0, 13, false, 0});
  node.swim.on_message(deaths, node.now);
  SwimMessage back;
  back.kind = SwimKind::kGossip;
  back.sender = member(12);
  back.epoch = 1;
  node.swim.on_message(back, node.now);
  SwimMessage alive;
  alive.kind = SwimKind::kGossip;
  alive.sender = member(13);
  for (uint32_t id : {8, 9, 10}) alive.updates.push_back(SwimUpdate{member(id)});
  node.swim.on_message(alive, node.now);
  ASSERT_EQ(node.swim.up_count(), 5u);
  ASSERT_EQ(node.swim.status_of(11), SwimStatus::kDead);
  // Node 11, which a holds dead and which counts no member up, says a is dead: a keeps its epoch
  // and answers that 11 is dead, with its own count.
  SwimMessage claim;
  claim.kind = SwimKind::kGossip;
  claim.sender = member(11);
  claim.members = 0;
  claim.updates.push_back(SwimUpdate{node.swim.self(), SwimStatus::kDead, 0, 0, 11, false, 0});
  node.swim.take_messages();
  node.swim.on_message(claim, node.now);
  ASSERT_EQ(node.swim.epoch(), 0u) << "more than twice the sender's count";
  const std::vector<Swim::Outgoing> sent = node.swim.take_messages();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].message.members, 2u) << "nodes 12 and 13";
}

// Node a holds node 9 dead; node 10, which has not heard of that yet (a node that rejoined after a
// heal), probes a with node 9's suspicion of it. The suspicion is void here, but node 10 would
// hold it to its end and declare a dead in its own name: a refutes it all the same, and the ack
// carries it. Before, two nodes of the larger side of 5,000 started a new epoch so after a tenth
// came back.
TEST(SwimMachineTest, ASuspicionOfThisNodeByANodeItHoldsDeadIsRefutedAllTheSame) {
  Lone node({8, 9, 10});
  SwimMessage death;
  death.kind = SwimKind::kGossip;
  death.sender = make_swim_node(8, "m8", "tcp://127.0.0.1:4008");
  death.updates.push_back(SwimUpdate{make_swim_node(9, "m9", "tcp://127.0.0.1:4009"),
                                     SwimStatus::kDead, 0, 0, 8, false, 0});
  node.swim.on_message(death, node.now);
  ASSERT_EQ(node.swim.status_of(9), SwimStatus::kDead);
  node.swim.take_messages();
  SwimMessage ping;
  ping.kind = SwimKind::kPing;
  ping.sender = make_swim_node(10, "m10", "tcp://127.0.0.1:4010");
  ping.target = 7;
  ping.seq = 5;
  ping.updates.push_back(SwimUpdate{node.swim.self(), SwimStatus::kSuspect, 0, 0, 9, false, 0});
  node.swim.on_message(ping, node.now);
  EXPECT_EQ(node.swim.incarnation(), 1u);
  const std::vector<Swim::Outgoing> sent = node.swim.take_messages();
  const auto ack = std::find_if(sent.begin(), sent.end(), [](const Swim::Outgoing& out) {
    return out.message.kind == SwimKind::kAck && out.to->id == 10;
  });
  ASSERT_NE(ack, sent.end());
  EXPECT_EQ(ack->message.incarnation, 1u);
}

TEST(SwimMachineTest, ANodeThatWakesLateDoesNotSuspectTheMemberItProbedMeanwhile) {
  Lone late({8});
  Lone control({8});
  const SwimMessage ping = late.next_ping();
  control.next_ping();
  // Both owners slept past the probe's timeout and its period, and woke 2 s after the deadline
  // they slept until; the member's ack waits to be read.
  const Swim::TimePoint woke = late.swim.next_deadline() + 2s;
  late.swim.on_late(2s);
  late.swim.tick(woke);
  control.swim.tick(woke);
  EXPECT_EQ(control.swim.status_of(8), SwimStatus::kSuspect) << "a wake-up not known as late";
  ASSERT_EQ(late.swim.status_of(8), SwimStatus::kAlive);
  late.ack(ping, woke + 1ms);
  late.run_to(woke + 200ms);  // the next probe is not due yet
  EXPECT_EQ(late.swim.status_of(8), SwimStatus::kAlive);
  EXPECT_TRUE(late.swim.take_events().empty());
}

TEST(SwimMachineTest, ANodeThatWakesLateMovesItsSuspicionsEndByTheTimeLostAndAProbeTimeout) {
  Lone late({8});
  Lone control({8});
  Swim::TimePoint suspected;
  while (late.swim.status_of(8) != SwimStatus::kSuspect) {
    late.run_to(late.swim.next_deadline());
    control.run_to(late.now);
    suspected = late.now;
  }
  // Alone with one member, a suspicion stands 2 periods (2 x max(1, log10 2) x 250 ms).
  const Swim::TimePoint end = suspected + 500ms;
  const Swim::TimePoint slept_until = late.swim.next_deadline();
  ASSERT_LT(slept_until, end);
  const Swim::TimePoint woke = end + 1s;
  late.swim.on_late(woke - slept_until);
  late.swim.tick(woke);
  control.swim.tick(woke);
  EXPECT_EQ(control.swim.status_of(8), SwimStatus::kDead) << "a wake-up not known as late";
  const Swim::TimePoint moved = end + (woke - slept_until) + 100ms;
  late.run_to(moved - 1ms);
  EXPECT_EQ(late.swim.status_of(8), SwimStatus::kSuspect);
  late.run_to(moved);
  EXPECT_EQ(late.swim.status_of(8), SwimStatus::kDead);
}

TEST(SwimMachineTest, ANodeThatWakesLateWaitsLongerForItsNextProbesAck) {
  Lone late({8, 9});
  Lone control({8, 9});
  // Both neighbours answered once (a first probe waits longer: SwimFirstProbeTest).
  for (int i = 0; i < 2; ++i) {
    const SwimMessage first = late.next_ping();
    control.next_ping();
    late.ack(first, late.now);
    control.ack(first, control.now);
  }
  // Woken 1 s late between two probes: nothing was in flight, but it now trusts itself less.
  late.swim.on_late(1s);
  const SwimMessage second = late.next_ping();
  ASSERT_EQ(control.next_ping().target, second.target);
  ASSERT_EQ(late.now, control.now);
  const Swim::TimePoint sent = late.now;
  // The probe timeout is 100 ms, and twice that for a node with one late wake-up against it.
  EXPECT_TRUE(sends(control.run_to(sent + 150ms), SwimKind::kPingReq));
  EXPECT_FALSE(sends(late.run_to(sent + 150ms), SwimKind::kPingReq));
  EXPECT_TRUE(sends(late.run_to(sent + 200ms), SwimKind::kPingReq));
}

TEST(SwimMachineTest, AFirstProbeOfANeighbourWaitsLongerThanTheNextOnes) {
  Lone node({8, 9});
  const SwimMessage first = node.next_ping();
  const Swim::TimePoint sent = node.now;
  // Connections both ways may have to be set up first: four times the probe timeout of 100 ms
  // before other neighbours are asked to probe it.
  EXPECT_FALSE(sends(node.run_to(sent + 350ms), SwimKind::kPingReq));
  EXPECT_TRUE(sends(node.run_to(sent + 450ms), SwimKind::kPingReq));
  node.ack(first, node.now);
  const SwimMessage other = node.next_ping();
  node.ack(other, node.now);
  const SwimMessage again = node.next_ping();
  ASSERT_EQ(again.target, first.target);
  EXPECT_TRUE(sends(node.run_to(node.now + 150ms), SwimKind::kPingReq)) << "answered before";
}

TEST(SwimMachineTest, ANeighbourThatProbedThisNodeSinceItsLastTurnIsNotProbedAtItsTurn) {
  Lone node({8, 9});
  // Both neighbours answered once, so that their probes take the usual time.
  for (int i = 0; i < 2; ++i) {
    const SwimMessage first = node.next_ping();
    node.ack(first, node.now);
  }
  const SwimMessage before = node.next_ping();
  node.ack(before, node.now);
  const uint32_t other = before.target == 8 ? 9 : 8;
  // `other` probes this node: it is alive, and its turn, next, passes without a probe.
  SwimMessage ping;
  ping.kind = SwimKind::kPing;
  ping.sender = make_swim_node(other, "", "");
  ping.target = 7;
  ping.seq = 1;
  node.swim.on_message(ping, node.now);
  ASSERT_TRUE(sends(node.swim.take_messages(), SwimKind::kAck));
  const Swim::TimePoint pinged = node.now;
  const SwimMessage next = node.next_ping();
  EXPECT_EQ(next.target, before.target);
  EXPECT_GE(node.now - pinged, 2 * 250ms) << "a turn was skipped, not given to the next member";
  node.ack(next, node.now);
  // It did not probe this node again since: at its next turn it is probed.
  EXPECT_EQ(node.next_ping().target, other);
}

}  // namespace
}  // namespace bossa::transport
