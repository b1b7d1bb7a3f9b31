// SwimMembership's rules: what an update about a node changes in this node's table, and the
// events it makes.
//
// An update is about one life of a node: its epoch. Within an epoch, alive and suspect are
// ordered by incarnation, suspect above alive at an equal one, and a death outranks both at the
// incarnation it was declared at and above (SWIM, section 4.2). A death or suspicion at an
// incarnation below the one held here is stale: the member refuted it, and the news of its death
// or suspicion is ignored and not passed on (as SWIM implementations do); its sender, which still
// holds it, is answered with the refutation (answer_stale), for a node every copy of a
// refutation missed would otherwise declare a live member dead. Dead and left are final in an
// epoch: a node that holds a member dead (a tombstone) and is sent anything by it tells it so,
// whatever its incarnation, and the member starts its next epoch; so does a tombstone's holder
// that hears the member alive at a higher incarnation than its death (its verdict was stale, and
// the member does not know of it). This is symmetric failure knowledge: a node that reported a
// member down is never left the only one that did. A later epoch replaces whatever was known: the
// node came back after it learned it was declared dead, so a member still up here goes down and
// up again. A node learns of its own suspicion and refutes it with a higher incarnation; of its
// own death, at any incarnation of its epoch, and starts its next epoch.
#include <algorithm>
#include <cmath>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "transport/native/swim.h"

namespace bossa::transport {
namespace {

using Status = SwimStatus;

std::string format(std::chrono::nanoseconds duration) {
  return absl::FormatDuration(absl::Trunc(absl::FromChrono(duration), absl::Milliseconds(10)));
}

}  // namespace

SwimMembership::Applied SwimMembership::apply(const SwimUpdate& update, TimePoint now) {
  // A suspicion of this node is refuted even when void here: a member that cannot tell it is yet
  // (it has not heard that the accuser was declared dead) holds it, and at its end would declare
  // this node dead in its own name, a verdict that is not void.
  const bool own_suspicion = update.status == Status::kSuspect && update.node->id == self_->id;
  if ((update.status == Status::kSuspect || update.status == Status::kDead) && !update.replaced &&
      !own_suspicion && void_verdict(update.by, update.by_epoch)) {
    return Applied::kIgnored;
  }
  if (update.node->id == self_->id) return apply_to_self(update, now);
  const Member* member = members_.find(update.node->id);
  if (member == nullptr) {
    if (members_.size() >= config_.max_members) return Applied::kIgnored;
    if (is_live(update.status) && conflicts(*update.node)) return Applied::kIgnored;
    Member unknown{update.node};
    unknown.status_bits = static_cast<uint32_t>(Status::kDead);  // not up here
    change(unknown, update, now);
    return Applied::kChanged;
  }
  // A node's name and endpoint never change; an update that says otherwise is not about it.
  if (member->node != update.node && (member->node->name != update.node->name ||
                                      member->node->endpoint != update.node->endpoint)) {
    return Applied::kIgnored;
  }
  if (update.status != Status::kSuspect && update.status == member->status() &&
      update.incarnation == member->incarnation && update.epoch == member->epoch) {
    return Applied::kKnown;
  }
  if (update.epoch > member->epoch) {
    apply_new_epoch(*member, update, now);
    return Applied::kChanged;
  }
  if (update.epoch < member->epoch) return Applied::kIgnored;
  return apply_same_epoch(*member, update, now);
}

void SwimMembership::apply_new_epoch(const Member& member, const SwimUpdate& update,
                                     TimePoint now) {
  Member before = member;
  revived_.erase(member.node->id);  // a new life, of whichever side
  if (member.live()) {
    event(Event::Kind::kDown, member.node,
          is_live(update.status) ? "rejoined after being declared down" : down_reason(update));
    before.status_bits = static_cast<uint32_t>(Status::kDead);  // reported down already
  } else if (is_live(update.status) && conflicts(*update.node)) {
    return;
  }
  change(before, update, now);
}

SwimMembership::Applied SwimMembership::apply_same_epoch(const Member& member,
                                                         const SwimUpdate& update, TimePoint now) {
  if (!member.live()) return apply_to_tombstone(member, update, now);
  // A replaced run's death is no verdict on its life: a new run holds its name.
  const bool verdict =
      update.status == Status::kSuspect || (update.status == Status::kDead && !update.replaced);
  if (verdict && update.incarnation < member.incarnation) return Applied::kStale;
  if (!is_live(update.status) || update.incarnation > member.incarnation) {
    change(member, update, now);
    return Applied::kChanged;
  }
  if (update.incarnation < member.incarnation || update.status == Status::kAlive) {
    return Applied::kIgnored;
  }
  if (member.status() == Status::kAlive) {
    change(member, update, now);
  } else {
    confirm(member, update.by, update.by_epoch);
  }
  return Applied::kChanged;
}

// Dead and left are final in an epoch, but for a void death. A member heard alive at a higher
// incarnation than the one it was declared dead at here refuted a suspicion after this node
// last heard of it: it lives, and does not know that this node reported it down. It is told, and
// starts its next epoch.
SwimMembership::Applied SwimMembership::apply_to_tombstone(const Member& member,
                                                           const SwimUpdate& update,
                                                           TimePoint now) {
  if (!is_live(update.status)) return Applied::kIgnored;
  if (void_death(member)) {
    change(member, update, now);
    revived_.insert(member.node->id);
    return Applied::kChanged;
  }
  if (member.status() == Status::kDead && update.incarnation > member.incarnation) {
    send_notice(member.node, member);
  }
  return Applied::kIgnored;
}

// Moves `member` (as it is before: possibly not in the table yet, or not up) to what `update`
// says, with the events that makes, and queues the news.
void SwimMembership::change(const Member& member, const SwimUpdate& update, TimePoint now) {
  const bool was_live = member.live();
  const SwimNodeRef node = member.node;
  if (was_live && !is_live(update.status)) {
    event(Event::Kind::kDown, node, down_reason(update));
  }
  suspicions_.erase(node->id);
  set_member(update, now);
  if (!was_live && is_live(update.status)) event(Event::Kind::kUp, node, "");
  if (update.status == Status::kSuspect) {
    const Member& suspected = *members_.find(node->id);
    suspect(suspected, update.by, update.by_epoch, now);
    if (update.by != self_->id) probe_suspect(suspected, now);
  }
  if (spreading_) queue_.push(node->id);
}

void SwimMembership::set_member(const SwimUpdate& update, TimePoint now) {
  members_.set(update, now);
  if (!is_live(update.status)) {
    answered_.erase(update.node->id);
    pinged_by_.erase(update.node->id);
    revived_.erase(update.node->id);
  }
  ++changes_;
}

SwimMembership::Applied SwimMembership::apply_to_self(const SwimUpdate& update, TimePoint now) {
  if (phase_ != Phase::kRunning || update.epoch < epoch_) return Applied::kIgnored;
  if (update.status == Status::kAlive && update.incarnation == incarnation_ &&
      update.epoch == epoch_) {
    return Applied::kKnown;
  }
  // A later epoch than this node's own: someone knows better; take it.
  epoch_ = update.epoch;
  if (!is_live(update.status)) {
    declared_down(update.replaced ? absl::StrCat("replaced by a new run (id ", update.by, ")")
                                  : down_reason(update),
                  update, now);
    return Applied::kChanged;
  }
  if (update.incarnation < incarnation_) {
    return update.status == Status::kSuspect ? Applied::kStale : Applied::kIgnored;
  }
  if (update.incarnation == incarnation_ && update.status == Status::kAlive) {
    return Applied::kIgnored;
  }
  incarnation_ = update.incarnation + 1;
  queue_.push(self_->id);
  if (update.status != Status::kSuspect) return Applied::kChanged;
  // Refute at once to the accuser, too, which would otherwise hear of it last.
  stretch(1);
  if (const Member* accuser = members_.find(update.by); accuser != nullptr && accuser->live()) {
    SwimMessage refute = message(SwimKind::kGossip, accuser->node->id);
    refute.updates.push_back(self_update());
    send(accuser->node, std::move(refute));
  }
  return Applied::kChanged;
}

void SwimMembership::suspect(const Member& member, uint32_t accuser, uint32_t accuser_epoch,
                             TimePoint now) {
  const TimePoint deadline = now + suspicion_timeout(0);
  Suspicion suspicion{now,
                      deadline,
                      now + (deadline - now) / 2,
                      member.incarnation,
                      member.epoch,
                      {accuser},
                      {accuser_epoch},
                      1,
                      false};
  suspicions_[member.node->id] = suspicion;
  suspicion_deadlines_.emplace(suspicion.deadline, member.node->id);
  suspicion_deadlines_.emplace(suspicion.recheck, member.node->id);
}

// Another member suspects `member` too: the suspicion ends sooner (Lifeguard, section 4.2), and
// is passed on with its new accuser (update_of) so that the others count it as well.
void SwimMembership::confirm(const Member& member, uint32_t accuser, uint32_t accuser_epoch) {
  auto it = suspicions_.find(member.node->id);
  if (it == suspicions_.end() || accuser == 0) return;
  Suspicion& suspicion = it->second;
  const auto end = suspicion.accusers + suspicion.count;
  if (suspicion.count == std::size(suspicion.accusers) ||
      std::find(suspicion.accusers, end, accuser) != end) {
    return;
  }
  suspicion.accuser_epochs[suspicion.count] = accuser_epoch;
  suspicion.accusers[suspicion.count++] = accuser;
  const TimePoint deadline = suspicion.start + suspicion_timeout(suspicion.count - 1);
  if (deadline < suspicion.deadline) {
    suspicion.deadline = deadline;
    suspicion_deadlines_.emplace(deadline, member.node->id);
    const TimePoint recheck = suspicion.start + (deadline - suspicion.start) / 2;
    if (!suspicion.rechecked && recheck < suspicion.recheck) {
      suspicion.recheck = recheck;
      suspicion_deadlines_.emplace(recheck, member.node->id);
    }
  }
  queue_.push(member.node->id);
}

// Halfway through a suspicion, a few members are told of it again, and one that knows it was
// refuted answers with the refutation (answer_stale). A node that heard the suspicion only after
// the refutation had gone by learns of it so before the end: the members it told of the
// suspicion when it heard it may not have had the refutation yet either.
void SwimMembership::recheck_suspicion(const Member& member) {
  const SwimUpdate suspicion = update_of(member);
  for (const Member* other :
       members_.random_live(config_.gossip_fanout, member.node->id, random_)) {
    SwimMessage ask = message(SwimKind::kGossip, other->node->id);
    ask.updates.push_back(suspicion);
    send(other->node, std::move(ask));
  }
}

void SwimMembership::run_suspicions(TimePoint now) {
  while (!suspicion_deadlines_.empty() && suspicion_deadlines_.top().first <= now) {
    const auto [at, id] = suspicion_deadlines_.top();
    suspicion_deadlines_.pop();
    auto it = suspicions_.find(id);
    if (it == suspicions_.end()) continue;
    Suspicion& suspicion = it->second;
    if (at != suspicion.deadline && (at != suspicion.recheck || suspicion.rechecked)) continue;
    const Member* member = members_.find(id);
    if (member == nullptr || member->status() != Status::kSuspect ||
        member->incarnation != suspicion.incarnation || member->epoch != suspicion.epoch) {
      suspicions_.erase(it);
      continue;
    }
    if (at != suspicion.deadline) {
      suspicion.rechecked = true;
      recheck_suspicion(*member);
      continue;
    }
    if (void_suspicion(suspicion)) {
      // Its accusers saw the member from the losing side of a partition: it was never suspected.
      suspicions_.erase(it);
      set_member(SwimUpdate{member->node, Status::kAlive, member->incarnation, member->epoch}, now);
      continue;
    }
    const uint32_t first = suspicion.accusers[0];
    const Member* accuser = members_.find(first);
    const std::string by = first == self_->id   ? "this node"
                           : accuser != nullptr ? absl::StrCat("'", accuser->node->name, "'")
                                                : absl::StrCat("node ", first);
    declare_dead(
        *member, self_->id, false,
        absl::StrCat("suspected by ", by, " and not refuted in ", format(at - suspicion.start)),
        now);
  }
}

void SwimMembership::declare_dead(const Member& member, uint32_t by, bool replaced,
                                  std::string reason, TimePoint now) {
  const SwimNodeRef node = member.node;
  event(Event::Kind::kDown, node, std::move(reason));
  suspicions_.erase(node->id);
  set_member(
      SwimUpdate{node, Status::kDead, member.incarnation, member.epoch, by, replaced, epoch_of(by)},
      now);
  queue_.push(node->id);
}

void SwimMembership::declared_down(const std::string& reason, const SwimUpdate& update,
                                   TimePoint now) {
  event(Event::Kind::kDeclaredDown, self_, reason);
  rejoin_targets_.clear();
  for (const Member* member : members_.random_live(8, 0, random_)) {
    rejoin_targets_.push_back(member->node);
  }
  std::vector<SwimNodeRef> up;
  members_.for_each([&](const Member& member) {
    if (member.live()) up.push_back(member.node);
  });
  for (SwimNodeRef& node : up) {
    event(Event::Kind::kDown, std::move(node),
          absl::StrCat("this node was declared down: ", reason));
  }
  members_.clear();  // its own verdicts too: it learns the cluster anew
  answered_.clear();
  pinged_by_.clear();
  revived_.clear();
  suspicions_.clear();
  suspicion_deadlines_ = {};
  queue_.clear();
  probe_.reset();
  checks_.clear();
  confirmations_.clear();
  forwards_.clear();
  epoch_ = std::min(std::max(epoch_, update.epoch) + 1, kSwimMaxEpoch);
  incarnation_ = std::max(incarnation_, update.incarnation) + 1;
  joined_ = false;
  join_tries_ = 0;
  next_join_ = now;
  queue_.push(self_->id);
}

// A suspicion or death voiced by a node in an epoch it was itself declared dead in is void: it
// saw the cluster from the losing side of a partition, and has seen every member go down since
// (its own new epoch), so that nobody need go down for it.
bool SwimMembership::void_verdict(uint32_t by, uint32_t by_epoch) const {
  if (by == 0) return false;
  if (by == self_->id) return by_epoch < epoch_;
  const Member* declarer = members_.find(by);
  if (declarer == nullptr) return false;
  return declarer->epoch > by_epoch || (!declarer->live() && declarer->epoch >= by_epoch);
}

bool SwimMembership::void_death(const Member& member) const {
  if (member.status() != Status::kDead || member.replaced) return false;
  const SwimMembers::Declarer declarer = members_.declared_by(member.node->id);
  return void_verdict(declarer.by, declarer.by_epoch);
}

// A suspicion whose every accuser has been found void since it was heard (each came back in a
// later epoch, or is held dead in the one it accused in) ends without a verdict. A node that
// rejoined after a partition hears suspicions voiced on the other side before it knows their
// accusers; declaring the member dead at their end would be a verdict in its own name, which is
// not void, and would take down a live member that never heard of the suspicion (its accuser is
// void where it stands) or whose refutation did not reach this node in time.
bool SwimMembership::void_suspicion(const Suspicion& suspicion) const {
  for (uint8_t i = 0; i < suspicion.count; ++i) {
    if (!void_verdict(suspicion.accusers[i], suspicion.accuser_epochs[i])) return false;
  }
  return true;
}

bool SwimMembership::conflicts(const SwimNode& node) const {
  if (node.name == self_->name || node.endpoint == self_->endpoint) return true;
  const Member* holder = members_.live_named(node.name);
  return holder != nullptr && holder->node->id != node.id;
}

std::string SwimMembership::down_reason(const SwimUpdate& update) const {
  if (update.status == Status::kLeft) return "left";
  if (update.replaced) return absl::StrCat("replaced by a new run (id ", update.by, ")");
  const Member* by = members_.find(update.by);
  return absl::StrCat("suspected by ",
                      by != nullptr            ? absl::StrCat("'", by->node->name, "'")
                      : update.by == self_->id ? "this node"
                                               : absl::StrCat("node ", update.by),
                      " and not refuted");
}

// Lifeguard's dynamic suspicion: from max down to min as independent confirmations come in.
SwimMembership::Duration SwimMembership::suspicion_timeout(uint32_t confirmations) const {
  const double n = static_cast<double>(members_.live_count() + 1);
  const Duration min = std::chrono::duration_cast<Duration>(
      period_ * (config_.suspicion_multiplier * std::max(1.0, std::log10(n))));
  const Duration max = std::chrono::duration_cast<Duration>(min * config_.suspicion_max_multiplier);
  // Confirmations that bring it down to `min`: one per indirect prober, at most three.
  const double expected = std::min({static_cast<double>(config_.indirect_probes), n - 2, 3.0});
  if (expected < 1 || max <= min) return min;
  const double fraction = std::log(confirmations + 1.0) / std::log(expected + 1.0);
  return std::max(min, std::chrono::duration_cast<Duration>(max - (max - min) * fraction));
}

void SwimMembership::event(Event::Kind kind, SwimNodeRef node, std::string reason) {
  if (kind == Event::Kind::kUp || kind == Event::Kind::kDown) {
    for (size_t i = 0; i < seeds_.size(); ++i) {
      if (seeds_[i]->endpoint == node->endpoint) seed_up_[i] = kind == Event::Kind::kUp;
    }
  }
  events_.push_back(Event{kind, std::move(node), std::move(reason)});
}

}  // namespace bossa::transport
