// SwimMembership: the membership protocol of the native transport, as a state machine that does
// no I/O, reads no clock and starts no thread: time and randomness come in, messages to send and
// events come out. docs/cluster.md ("Membership at scale") describes the protocol, its defaults
// and the simulation that measures it; this header says how to drive it.
//
// The owner calls start() once, then on_message() for every message that decodes (swim_wire.h;
// the owner checks first that its sender is the node the connection speaks for), tick() whenever
// next_deadline() has passed (a call can make a deadline due at once), and leave() when the node
// stops. After each call it drains take_messages(), each to be sent to `to` at its endpoint (a
// message meant for an earlier run of the node there is ignored by the machine that gets it),
// and take_events(), in order:
//   kUp            a member joined, or came back in a new epoch: `node` is its id, name, endpoint
//   kDown          a member is gone: `reason` says why ("suspected by 'b' and not refuted in
//                  1.2s", "left", "replaced by a new run (id 7)", "rejoined after being declared
//                  down", "this node was declared down: ..."). A kUp is followed by at most one
//                  kDown before the same id is up again.
//   kDeclaredDown  the cluster declared this node dead; a kDown of every member follows, and the
//                  machine rejoins by itself: members come up again as it meets them in its new
//                  epoch, and every other node sees this node go down and come up.
//   kRefused       a node refused to admit this one: `reason` names both nodes. The machine goes
//                  on asking its seeds every join_retry; the owner may stop it.
//
// Ownership: the machine keeps the SwimNodeRefs it is given and hands out. Thread-safety: none;
// one owner thread (the transport's receive thread; the simulation's loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "transport/native/swim_members.h"
#include "transport/native/swim_queue.h"
#include "transport/native/swim_random.h"
#include "transport/native/swim_wire.h"

namespace bossa::transport {

class SwimMembership {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::nanoseconds;

  // The defaults detect a killed node in under 3 s in a cluster of 128 and declare no live node
  // dead under 5 % message loss (docs/cluster.md gives the reasons and the measurements).
  struct Config {
    // One neighbour (swim_members.h) probed per period, in turn; its ack due within
    // probe_timeout, else k other neighbours are asked to probe it (indirect_probes) until the
    // period ends.
    absl::Duration protocol_period = absl::Milliseconds(250);
    absl::Duration probe_timeout = absl::Milliseconds(100);
    int indirect_probes = 3;
    // A suspicion stands at least suspicion_multiplier * max(1, log10(n)) periods (n: the
    // cluster's size), and up to suspicion_max_multiplier times that while fewer than
    // indirect_probes other members have confirmed it (Lifeguard's dynamic suspicion).
    double suspicion_multiplier = 2;
    double suspicion_max_multiplier = 4;
    // News goes out on every message, at most max_updates_per_message at a time, each item
    // retransmit_multiplier * ceil(log10(n + 1)) times; while news waits, gossip_fanout members
    // are sent it every gossip_interval: one drawn at random, the others neighbours.
    int max_updates_per_message = 16;
    int retransmit_multiplier = 3;
    absl::Duration gossip_interval = absl::Milliseconds(100);
    int gossip_fanout = 3;
    size_t max_queued_updates = 1024;
    // Every anti_entropy_period (once more for each doubling of the cluster past 1,000 nodes) a
    // random member is sent this node's digests, and answers with the part of its state that
    // differs (swim_wire.h says how the two find it). Every reconnect_period a dead member (a
    // tombstone) and a seed that is not a member may be tried, so that a partition heals: each
    // is tried about once a period by the whole cluster.
    absl::Duration anti_entropy_period = absl::Seconds(5);
    // A message that changed this node's table (news, or a State answering a swap), or digests
    // that differ from this node's, bring its next swap within anti_entropy_hurry: tables
    // converge in a few swaps after a burst of joins or a healed partition, what gossip missed
    // is found a second after the last change, and a cluster in agreement swaps no more often
    // than anti_entropy_period.
    absl::Duration anti_entropy_hurry = absl::Seconds(1);
    absl::Duration reconnect_period = absl::Seconds(1);
    absl::Duration join_retry = absl::Seconds(1);
    absl::Duration tombstone_lifetime = absl::Minutes(5);
    size_t max_tombstones = 16384;
    size_t max_members = 65536;
    // Lifeguard's local health: each failed probe (or refuted suspicion of this node) stretches
    // this node's probe period and timeout by one more time their length, up to max_awareness
    // times; each probe answered takes one back.
    int max_awareness = 8;
    // An owner that woke later than next_deadline() by more than late_tick (on_late) was not
    // run (starved of CPU, paused): the time it lost does not count against the members it
    // waits for (its probes' and suspicions' deadlines move by it, and by a probe_timeout more
    // to read what arrived meanwhile), and it stretches as for a failed probe.
    absl::Duration late_tick = absl::Milliseconds(50);
  };

  struct Outgoing {
    SwimNodeRef to;  // id 0: a seed known by its endpoint alone
    SwimMessage message;
  };

  struct Event {
    enum class Kind { kUp, kDown, kDeclaredDown, kRefused };
    Kind kind;
    SwimNodeRef node;  // the member; this node for kDeclaredDown and kRefused
    std::string reason;
  };

  // `random_seed` seeds every random choice (indirect probers and gossip targets among the
  // neighbours, digest swaps).
  SwimMembership(const Config& config, uint64_t random_seed);

  // This node is `self` (a fresh id each run); it joins through `seeds` (nodes known by endpoint
  // and key alone, id 0 and no name; its own endpoint is skipped). With no seed it forms a
  // cluster of its own, which others join.
  void start(SwimNodeRef self, std::vector<SwimNodeRef> seeds, TimePoint now);
  void on_message(const SwimMessage& message, TimePoint now);
  void tick(TimePoint now);
  // The owner slept until next_deadline() (which was then ahead) and woke `lost` after it
  // (Config::late_tick says what follows when that is long).
  void on_late(Duration lost);
  // Tells a few members that this node leaves; it then answers nothing more.
  void leave(TimePoint now);
  // When tick() is next due; TimePoint::max() before start() and after leave().
  TimePoint next_deadline() const;

  std::vector<Outgoing> take_messages() { return std::exchange(outbox_, {}); }
  std::vector<Event> take_events() { return std::exchange(events_, {}); }

  const SwimNodeRef& self() const { return self_; }
  uint32_t incarnation() const { return incarnation_; }
  uint32_t epoch() const { return epoch_; }
  // True once a member has sent its whole state (or with no seed).
  bool joined() const { return joined_; }
  size_t up_count() const { return members_.live_count(); }
  bool is_up(uint32_t id) const;
  // The status this node holds for `id`, if it knows it.
  std::optional<SwimStatus> status_of(uint32_t id) const;

 private:
  using Member = SwimMembers::Member;

  // A probe under way: of a member (the period's), or of a live node whose name a joiner claims.
  struct Probe {
    uint32_t target = 0;
    uint32_t seq = 0;
    TimePoint indirect_at;
    TimePoint deadline;
    bool indirect_sent = false;
    std::vector<uint32_t> helpers;  // asked to probe it
    uint32_t nacks = 0;
  };
  struct Check {
    Probe probe;
    SwimNodeRef joiner;
    uint32_t joiner_incarnation;
    uint32_t joiner_epoch;
  };
  // A probe this node runs for another (a PingReq it was sent).
  struct Forward {
    uint32_t seq;  // this node's Ping
    uint32_t target;
    SwimNodeRef requester;
    uint32_t requester_seq;
    TimePoint nack_at;  // max() once the Nack went
    TimePoint expires;
  };
  struct Suspicion {
    TimePoint start;
    TimePoint deadline;
    TimePoint recheck;  // halfway to the deadline (recheck_suspicion)
    uint32_t incarnation;
    uint32_t epoch;
    uint32_t accusers[4];        // distinct, the first one first
    uint32_t accuser_epochs[4];  // the epoch each was in when it accused
    uint8_t count;
    bool rechecked;
  };

  // Receiving (swim_receive.cc).
  bool held_dead(const SwimMessage& message) const;
  void on_mutual_death(const SwimMessage& message, TimePoint now);
  void meet_declarer(uint32_t by);
  void on_news(const SwimMessage& message, TimePoint now);
  void respond(const SwimMessage& message, TimePoint now);
  void on_sender(const SwimMessage& message, TimePoint now);
  void on_updates(const std::vector<SwimUpdate>& updates, bool rumors, TimePoint now);
  void take(const SwimUpdate& update, bool rumor, TimePoint now);
  void answer_stale(const SwimNodeRef& sender);
  void on_join(const SwimMessage& message, TimePoint now);
  void consider(const SwimNodeRef& joiner, uint32_t incarnation, uint32_t epoch, TimePoint now);
  void check(const SwimNodeRef& joiner, uint32_t incarnation, uint32_t epoch, const Member& holder,
             TimePoint now);
  void refuse(const SwimNodeRef& joiner, const SwimNode& holder);
  void on_ack(const SwimMessage& message);
  void on_ping_req(const SwimMessage& message, TimePoint now);
  void on_sync(const SwimMessage& message, TimePoint now);

  // The rules (swim_rules.cc): what an update changes here. kKnown: exactly what this node
  // holds already (but a suspicion, whose accuser may be new). kStale: a suspicion or death
  // that this node knows was refuted (the member is alive here at a higher incarnation); its
  // sender is answered with the refutation (answer_stale).
  enum class Applied { kChanged, kKnown, kIgnored, kStale };
  Applied apply(const SwimUpdate& update, TimePoint now);
  Applied apply_to_self(const SwimUpdate& update, TimePoint now);
  void apply_new_epoch(const Member& member, const SwimUpdate& update, TimePoint now);
  Applied apply_same_epoch(const Member& member, const SwimUpdate& update, TimePoint now);
  Applied apply_to_tombstone(const Member& member, const SwimUpdate& update, TimePoint now);
  void change(const Member& member, const SwimUpdate& update, TimePoint now);
  void set_member(const SwimUpdate& update, TimePoint now);
  void suspect(const Member& member, uint32_t accuser, uint32_t accuser_epoch, TimePoint now);
  void confirm(const Member& member, uint32_t accuser, uint32_t accuser_epoch);
  void recheck_suspicion(const Member& member);
  void declare_dead(const Member& member, uint32_t by, bool replaced, std::string reason,
                    TimePoint now);
  void declared_down(const std::string& reason, const SwimUpdate& update, TimePoint now);
  bool conflicts(const SwimNode& node) const;
  bool void_verdict(uint32_t by, uint32_t by_epoch) const;
  bool void_death(const Member& member) const;
  bool void_suspicion(const Suspicion& suspicion) const;
  std::string down_reason(const SwimUpdate& update) const;
  Duration suspicion_timeout(uint32_t confirmations) const;
  void event(Event::Kind kind, SwimNodeRef node, std::string reason);

  // Probing and the periodic tasks (swim.cc).
  void start_probe(TimePoint now);
  void send_indirect(Probe& probe);
  void conclude_probe(TimePoint now);
  void suspect_unanswered(const Probe& probe, TimePoint now);
  void probe_suspect(const Member& member, TimePoint now);
  void run_confirmations(TimePoint now);
  void conclude_check(Check& check, TimePoint now);
  void run_forwards(TimePoint now);
  void run_suspicions(TimePoint now);
  void gossip(TimePoint now);
  void sync(TimePoint now);
  // Brings the next digest swap forward to within anti_entropy_hurry.
  void hasten_sync(TimePoint now);
  void reconnect(TimePoint now);
  void send_joins(TimePoint now);

  // Sending (swim_send.cc).
  SwimMessage message(SwimKind kind, uint32_t target) const;
  void send(const SwimNodeRef& to, SwimMessage message, bool piggyback = true);
  // The members a State that answers a Sync holds at most.
  static constexpr size_t kMaxSyncState = 1024;
  void send_state(const SwimNodeRef& to, std::vector<uint64_t> fine);
  void send_notice(const SwimNodeRef& to, const Member& member);
  void piggyback(std::vector<SwimUpdate>& out, size_t max);
  std::optional<SwimUpdate> update_of(uint32_t id) const;
  SwimUpdate update_of(const Member& member) const;
  uint32_t epoch_of(uint32_t id) const;
  SwimUpdate self_update() const;
  // Anti-entropy's digests (swim_wire.h) and their comparison.
  uint64_t fine_digest(uint32_t bucket) const;
  std::vector<uint64_t> coarse_digests() const;
  std::vector<uint64_t> fine_digests(uint32_t coarse) const;
  uint32_t differing_coarse(const std::vector<uint64_t>& digests) const;
  std::vector<uint64_t> differing_fine(uint32_t coarse, const std::vector<uint64_t>& digests) const;
  static std::vector<uint64_t> fine_of(uint32_t coarse);
  uint32_t retransmit_limit() const;
  // The members up here that are of this node's side of a partition: all but the revived ones.
  size_t side_count() const { return members_.live_count() - revived_.size(); }
  Duration anti_entropy_period() const;
  Duration stretched(Duration duration) const { return duration * (awareness_ + 1); }
  void stretch(int by);

  const Config config_;
  const Duration period_;
  const Duration probe_timeout_;
  const Duration late_tick_;
  SwimRandom random_;

  enum class Phase { kIdle, kRunning, kLeft };
  Phase phase_ = Phase::kIdle;
  SwimNodeRef self_;
  uint32_t incarnation_ = 0;
  uint32_t epoch_ = 0;
  std::vector<SwimNodeRef> seeds_;           // id 0, endpoint only
  std::vector<bool> seed_up_;                // a live member listens at seeds_[i]
  std::vector<SwimNodeRef> rejoin_targets_;  // former members, after a declared down
  bool joined_ = false;
  bool spreading_ = true;  // changes are queued as news
  int awareness_ = 0;
  uint32_t next_seq_ = 0;
  size_t next_seed_ = 0;
  uint32_t join_tries_ = 0;  // since this node was last declared down
  uint64_t changes_ = 0;     // to the member table, ever
  // Members whose ack of this node's probe came back since they were last dead (or this node
  // was declared down); a first probe of any other waits kFirstProbeFactor times as long.
  absl::flat_hash_set<uint32_t> answered_;
  static constexpr int kFirstProbeFactor = 4;
  // Members that pinged this node since its last probe of them (or since they were last dead):
  // alive, so their next turn passes without a probe. Two neighbours then probe each other in
  // turn, not both every round.
  absl::flat_hash_set<uint32_t> pinged_by_;
  // Members held dead here that came back to life because the verdict on them proved void (its
  // declarer was on the losing side of a partition): the other side, met since the heal. They
  // do not count as this node's side in the tie-break of two sides that meet (side_count).
  absl::flat_hash_set<uint32_t> revived_;

  SwimMembers members_;
  SwimQueue queue_;
  absl::flat_hash_map<uint32_t, Suspicion> suspicions_;
  // (deadline or recheck, id); an entry that is neither of its suspicion's by now is stale.
  std::priority_queue<std::pair<TimePoint, uint32_t>, std::vector<std::pair<TimePoint, uint32_t>>,
                      std::greater<>>
      suspicion_deadlines_;
  std::optional<Probe> probe_;
  std::vector<Check> checks_;
  std::vector<Probe> confirmations_;  // of suspects, out of turn (probe_suspect)
  std::vector<Forward> forwards_;

  TimePoint next_probe_;
  TimePoint next_gossip_;
  TimePoint next_sync_;
  TimePoint next_reconnect_;
  TimePoint next_join_;

  std::vector<Outgoing> outbox_;
  std::vector<Event> events_;
  std::vector<uint32_t> scratch_;
  std::vector<uint32_t> stale_;  // members a message brought stale verdicts of (take)
};

}  // namespace bossa::transport
