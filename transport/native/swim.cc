// SwimMembership: its life (start, leave) and what it does on its own, on time: the period's
// probe, gossip while there is news, anti-entropy, reconnection and joining.
#include "transport/native/swim.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace bossa::transport {
namespace {

using Duration = SwimMembership::Duration;

Duration chrono(absl::Duration duration) {
  return std::chrono::duration_cast<Duration>(absl::ToChronoNanoseconds(duration));
}

// `duration` times a factor drawn from [0.5, 1.5): periodic tasks of many nodes drift apart.
Duration jittered(Duration duration, SwimRandom& random) {
  return duration / 2 + duration * random.below(1024) / 1024;
}

}  // namespace

SwimMembership::SwimMembership(const Config& config, uint64_t random_seed)
    : config_(config),
      period_(chrono(config.protocol_period)),
      probe_timeout_(chrono(config.probe_timeout)),
      late_tick_(chrono(config.late_tick)),
      random_(random_seed),
      queue_(config.max_queued_updates) {}

void SwimMembership::start(SwimNodeRef self, std::vector<SwimNodeRef> seeds, TimePoint now) {
  self_ = std::move(self);
  members_.set_self(self_->id);
  phase_ = Phase::kRunning;
  for (SwimNodeRef& seed : seeds) {
    if (seed->endpoint != self_->endpoint) seeds_.push_back(std::move(seed));
  }
  seed_up_.assign(seeds_.size(), false);
  joined_ = seeds_.empty();
  next_probe_ = now + period_ * random_.below(1024) / 1024;
  next_gossip_ = now;
  next_sync_ = now + jittered(chrono(config_.anti_entropy_period), random_);
  next_reconnect_ = now + jittered(chrono(config_.reconnect_period), random_);
  next_join_ = now;
  // A node with seeds is announced by the one that admits it; one without announces itself.
  if (seeds_.empty()) queue_.push(self_->id);
}

void SwimMembership::tick(TimePoint now) {
  if (phase_ != Phase::kRunning) return;
  run_suspicions(now);
  if (probe_ && !probe_->indirect_sent && probe_->indirect_at <= now) send_indirect(*probe_);
  if (probe_ && probe_->deadline <= now) conclude_probe(now);
  for (size_t i = 0; i < checks_.size();) {
    Check& check = checks_[i];
    if (!check.probe.indirect_sent && check.probe.indirect_at <= now) send_indirect(check.probe);
    if (check.probe.deadline > now) {
      ++i;
      continue;
    }
    Check done = std::move(check);
    checks_.erase(checks_.begin() + static_cast<ptrdiff_t>(i));
    conclude_check(done, now);
  }
  run_confirmations(now);
  run_forwards(now);
  if (next_probe_ <= now) start_probe(now);
  if (!queue_.empty() && next_gossip_ <= now) gossip(now);
  if (next_sync_ <= now) sync(now);
  if (next_reconnect_ <= now) reconnect(now);
  if (!joined_ && next_join_ <= now) send_joins(now);
  members_.expire_tombstones(now, chrono(config_.tombstone_lifetime), config_.max_tombstones);
}

SwimMembership::TimePoint SwimMembership::next_deadline() const {
  if (phase_ != Phase::kRunning) return TimePoint::max();
  TimePoint next = std::min({next_probe_, next_sync_, next_reconnect_,
                             members_.next_expiry(chrono(config_.tombstone_lifetime))});
  if (!queue_.empty()) next = std::min(next, next_gossip_);
  if (!joined_) next = std::min(next, next_join_);
  if (!suspicion_deadlines_.empty()) next = std::min(next, suspicion_deadlines_.top().first);
  auto probe_due = [](const Probe& probe) {
    return probe.indirect_sent ? probe.deadline : std::min(probe.indirect_at, probe.deadline);
  };
  if (probe_) next = std::min(next, probe_due(*probe_));
  for (const Check& check : checks_) next = std::min(next, probe_due(check.probe));
  for (const Probe& probe : confirmations_) next = std::min(next, probe_due(probe));
  for (const Forward& forward : forwards_) {
    next = std::min({next, forward.nack_at, forward.expires});
  }
  return next;
}

void SwimMembership::leave(TimePoint now) {
  (void)now;
  if (phase_ != Phase::kRunning) return;
  ++incarnation_;
  phase_ = Phase::kLeft;
  for (const Member* member : members_.random_neighbours(2 * config_.gossip_fanout, 0, random_)) {
    SwimMessage bye = message(SwimKind::kGossip, member->node->id);
    bye.updates.push_back(self_update());
    outbox_.push_back(Outgoing{member->node, std::move(bye)});
  }
}

// anti_entropy_period, once more for each doubling of the cluster past 1,000 nodes: a whole
// state grows with the cluster, the bytes a node spends on them a second should not.
Duration SwimMembership::anti_entropy_period() const {
  const double n = static_cast<double>(members_.live_count() + 1);
  const double scale = n <= 1000 ? 1 : 1 + std::log2(n / 1000);
  return std::chrono::duration_cast<Duration>(chrono(config_.anti_entropy_period) * scale);
}

bool SwimMembership::is_up(uint32_t id) const {
  const Member* member = members_.find(id);
  return member != nullptr && is_live(member->status());
}

std::optional<SwimStatus> SwimMembership::status_of(uint32_t id) const {
  const Member* member = members_.find(id);
  if (member == nullptr) return std::nullopt;
  return member->status();
}

void SwimMembership::start_probe(TimePoint now) {
  next_probe_ = now + stretched(period_);
  const Member* target = members_.next_to_probe();
  if (target == nullptr) return;
  // A member that probed this node since its last turn is alive: its turn passes (a suspected
  // one is probed all the same, to hear of its suspicion).
  if (target->status() == SwimStatus::kAlive && pinged_by_.erase(target->node->id) > 0) return;
  // A neighbour that never answered this node yet may first need connections both ways (with
  // keys, a handshake each): its first probe waits longer, and the next one starts after it.
  const int first = answered_.contains(target->node->id) ? 1 : kFirstProbeFactor;
  if (first > 1) next_probe_ = now + stretched(period_) * first;
  Probe probe{target->node->id,
              ++next_seq_,
              now + stretched(probe_timeout_) * first,
              next_probe_,
              false,
              {},
              0};
  SwimMessage ping = message(SwimKind::kPing, probe.target);
  ping.seq = probe.seq;
  // Lifeguard's buddy system: a suspected member hears of it from whoever probes it.
  if (target->status() == SwimStatus::kSuspect) ping.updates.push_back(*update_of(probe.target));
  send(target->node, std::move(ping));
  probe_ = std::move(probe);
}

// The probe's ack is late: k members are asked to probe the target too, and it is pinged again.
void SwimMembership::send_indirect(Probe& probe) {
  probe.indirect_sent = true;
  const Member* target = members_.find(probe.target);
  if (target == nullptr) return;
  for (const Member* helper :
       members_.random_neighbours(config_.indirect_probes, probe.target, random_)) {
    SwimMessage request = message(SwimKind::kPingReq, helper->node->id);
    request.seq = probe.seq;
    request.probe = target->node;
    send(helper->node, std::move(request));
    probe.helpers.push_back(helper->node->id);
  }
  SwimMessage ping = message(SwimKind::kPing, probe.target);
  ping.seq = probe.seq;
  send(target->node, std::move(ping));
}

// The period ended without an ack: the target is suspected, and told so at once.
void SwimMembership::conclude_probe(TimePoint now) {
  const Probe probe = std::move(*probe_);
  probe_.reset();
  // Lifeguard's local health: a helper that did not even say "no answer" (a Nack) hints that
  // this node, not the target, is the slow one.
  stretch(probe.helpers.empty() ? 1 : static_cast<int>(probe.helpers.size() - probe.nacks));
  suspect_unanswered(probe, now);
}

void SwimMembership::suspect_unanswered(const Probe& probe, TimePoint now) {
  const Member* target = members_.find(probe.target);
  if (target == nullptr || !is_live(target->status())) return;
  const SwimNodeRef node = target->node;
  apply(SwimUpdate{node, SwimStatus::kSuspect, target->incarnation, target->epoch, self_->id, false,
                   epoch_},
        now);
  const Member* suspected = members_.find(node->id);
  if (suspected == nullptr || suspected->status() != SwimStatus::kSuspect) return;
  SwimMessage tell = message(SwimKind::kGossip, node->id);
  tell.updates.push_back(*update_of(node->id));
  send(node, std::move(tell));
}

// A member this node hears is suspected is probed at once, out of turn, with a chance that has
// about indirect_probes members do so: their verdicts confirm the suspicion (or it is refuted)
// within a period, where the members' turns would take several.
void SwimMembership::probe_suspect(const Member& member, TimePoint now) {
  constexpr size_t kMaxConfirmations = 8;
  const double members = static_cast<double>(std::max<size_t>(1, members_.live_count()));
  if (confirmations_.size() >= kMaxConfirmations ||
      !random_.chance(config_.indirect_probes / members)) {
    return;
  }
  Probe probe{member.node->id, ++next_seq_, now + probe_timeout_, now + period_, false, {}, 0};
  SwimMessage ping = message(SwimKind::kPing, probe.target);
  ping.seq = probe.seq;
  ping.updates.push_back(update_of(member));
  send(member.node, std::move(ping));
  confirmations_.push_back(std::move(probe));
}

void SwimMembership::run_confirmations(TimePoint now) {
  for (size_t i = 0; i < confirmations_.size();) {
    Probe& probe = confirmations_[i];
    if (!probe.indirect_sent && probe.indirect_at <= now) send_indirect(probe);
    if (probe.deadline > now) {
      ++i;
      continue;
    }
    const Probe done = std::move(probe);
    confirmations_.erase(confirmations_.begin() + static_cast<ptrdiff_t>(i));
    suspect_unanswered(done, now);
  }
}

// No ack from the holder of the joiner's name: an earlier run, declared dead; the joiner is
// considered again.
void SwimMembership::conclude_check(Check& check, TimePoint now) {
  const Member* holder = members_.find(check.probe.target);
  if (holder != nullptr && is_live(holder->status())) {
    declare_dead(*holder, check.joiner->id, true,
                 "replaced by a new run (id " + std::to_string(check.joiner->id) + ")", now);
  }
  consider(check.joiner, check.joiner_incarnation, check.joiner_epoch, now);
}

void SwimMembership::run_forwards(TimePoint now) {
  for (Forward& forward : forwards_) {
    if (forward.nack_at > now) continue;
    forward.nack_at = TimePoint::max();
    SwimMessage nack = message(SwimKind::kNack, forward.requester->id);
    nack.seq = forward.requester_seq;
    send(forward.requester, std::move(nack));
  }
  std::erase_if(forwards_, [now](const Forward& forward) { return forward.expires <= now; });
}

// What this node waits for moves by the time it lost and by a probe_timeout to read what came
// meanwhile (an ack, a refutation may be on its way in, behind its own I/O), and the loss counts
// against this node's health, not the members'.
void SwimMembership::on_late(Duration lost) {
  if (phase_ != Phase::kRunning || lost <= late_tick_) return;
  const Duration by = lost + probe_timeout_;
  stretch(1);
  auto move = [by](Probe& probe) {
    probe.indirect_at += by;
    probe.deadline += by;
  };
  if (probe_) {
    move(*probe_);
    next_probe_ = std::max(next_probe_, probe_->deadline);  // the next one starts after it
  }
  for (Check& check : checks_) move(check.probe);
  for (Probe& probe : confirmations_) move(probe);
  for (Forward& forward : forwards_) {
    if (forward.nack_at != TimePoint::max()) forward.nack_at += by;
    forward.expires += by;
  }
  suspicion_deadlines_ = {};
  for (auto& [id, suspicion] : suspicions_) {
    suspicion.start += by;  // a confirmation's deadline counts from it
    suspicion.deadline += by;
    suspicion.recheck += by;
    suspicion_deadlines_.emplace(suspicion.deadline, id);
    if (!suspicion.rechecked) suspicion_deadlines_.emplace(suspicion.recheck, id);
  }
}

void SwimMembership::gossip(TimePoint now) {
  next_gossip_ = now + chrono(config_.gossip_interval);
  // All but one to neighbours, over links that are open; one to any member, so that news also
  // jumps across the cluster rather than only creeping from neighbour to neighbour.
  const size_t fanout = static_cast<size_t>(std::max(1, config_.gossip_fanout));
  std::vector<const Member*> targets = members_.random_neighbours(fanout - 1, 0, random_);
  for (const Member* member : members_.random_live(1, 0, random_)) {
    if (std::find(targets.begin(), targets.end(), member) == targets.end()) {
      targets.push_back(member);
    }
  }
  for (const Member* member : targets) {
    SwimMessage news = message(SwimKind::kGossip, member->node->id);
    piggyback(news.updates, static_cast<size_t>(config_.max_updates_per_message));
    if (news.updates.empty()) break;
    outbox_.push_back(Outgoing{member->node, std::move(news)});
  }
}

void SwimMembership::hasten_sync(TimePoint now) {
  next_sync_ = std::min(next_sync_, now + jittered(chrono(config_.anti_entropy_hurry), random_));
}

void SwimMembership::sync(TimePoint now) {
  next_sync_ = now + jittered(anti_entropy_period(), random_);
  for (const Member* member : members_.random_live(1, 0, random_)) {
    SwimMessage request = message(SwimKind::kSync, member->node->id);
    request.digests = coarse_digests();
    send(member->node, std::move(request));
  }
}

// A dead member may be alive on the far side of a healed partition, and a seed may have come
// back: one of each is contacted, with a chance that makes each of them contacted about once a
// period by the whole cluster (the members up share the work), not once by every member.
void SwimMembership::reconnect(TimePoint now) {
  next_reconnect_ = now + jittered(chrono(config_.reconnect_period), random_);
  const double up = static_cast<double>(std::max<size_t>(1, members_.live_count()));
  const size_t tombstones = members_.size() - members_.live_count();
  if (random_.chance(static_cast<double>(tombstones) / up)) {
    // A ping: if the tombstone answers, one of the two learns it was held dead.
    if (const Member* tombstone = members_.random_tombstone(random_)) {
      send(tombstone->node, message(SwimKind::kPing, tombstone->node->id));
    }
  }
  if (!joined_ || seeds_.empty()) return;
  const size_t seeds_down =
      static_cast<size_t>(std::count(seed_up_.begin(), seed_up_.end(), false));
  if (seeds_down == 0 || !random_.chance(static_cast<double>(seeds_down) / up)) return;
  size_t seed = next_seed_++ % seeds_.size();
  while (seed_up_[seed]) seed = next_seed_++ % seeds_.size();
  SwimMessage request = message(SwimKind::kSync, 0);
  request.digests = coarse_digests();
  send(seeds_[seed], std::move(request));
}

void SwimMembership::send_joins(TimePoint now) {
  next_join_ = now + chrono(config_.join_retry);
  auto join = [&](const SwimNodeRef& node) { send(node, message(SwimKind::kJoin, node->id)); };
  // Each Join is answered with a whole State. A node declared down rejoins through the members
  // it knew, and asks the seeds only every kSeedEvery tries: when many are declared down at once
  // (a cluster starved of CPU), their rejoins do not all fall on the seeds, which every node
  // knows, each a State a second.
  constexpr uint32_t kSeedEvery = 4;
  if (rejoin_targets_.empty() || join_tries_++ % kSeedEvery == kSeedEvery - 1) {
    for (const SwimNodeRef& seed : seeds_) join(seed);
  }
  for (size_t i = 0; i < 2 && !rejoin_targets_.empty(); ++i) {
    join(rejoin_targets_[random_.below(static_cast<uint32_t>(rejoin_targets_.size()))]);
  }
  // A node that rejoins may already have met members again (the one that told it, say).
  if (rejoin_targets_.empty()) {
    for (const Member* member : members_.random_live(3, 0, random_)) join(member->node);
  }
}

}  // namespace bossa::transport
