// SwimMembership: what a message that arrives does.
//
// Every message speaks for its sender (it is alive, in the epoch and incarnation it gives), and
// what it says of this node is taken first: it may start a new epoch, into which the rest of the
// message then comes. A sender this node holds dead in that epoch is told so, and nothing else
// of its message is taken (its news is older than its death) but for the news of this node's own
// death (on_mutual_death); a sender it suspects is told so too, and refutes. Of the other
// updates, deaths come before lives, so that the death of an earlier run and the life of the run
// that replaced it can travel in one message.
#include <bit>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/native/swim.h"

namespace bossa::transport {
namespace {

constexpr size_t kMaxForwards = 64;
constexpr size_t kMaxChecks = 16;

bool helped_by(const std::vector<uint32_t>& helpers, uint32_t id) {
  for (uint32_t helper : helpers) {
    if (helper == id) return true;
  }
  return false;
}

}  // namespace

void SwimMembership::on_message(const SwimMessage& message, TimePoint now) {
  if (phase_ != Phase::kRunning || !message.sender || message.sender->id == self_->id) return;
  if (message.kind == SwimKind::kRefuse) {
    if (!joined_) event(Event::Kind::kRefused, self_, message.reason);
    return;
  }
  if (held_dead(message)) {
    on_mutual_death(message, now);
    if (held_dead(message)) return send_notice(message.sender, *members_.find(message.sender->id));
  }
  on_news(message, now);
  if (message.target != 0 && message.target != self_->id) return;  // for an earlier run
  respond(message, now);
}

// What `message` says of this node, of its sender, and of the others, in that order.
void SwimMembership::on_news(const SwimMessage& message, TimePoint now) {
  const bool rumors = message.kind != SwimKind::kState;
  stale_.clear();
  for (const SwimUpdate& update : message.updates) {
    if (update.node->id != self_->id) continue;
    if (!is_live(update.status) && void_verdict(update.by, update.by_epoch)) {
      meet_declarer(update.by);
    } else {
      take(update, rumors, now);
    }
  }
  if (message.kind == SwimKind::kJoin) {
    on_join(message, now);
  } else {
    on_sender(message, now);
  }
  // What a State brings is not passed on as news: its sender knew it, and whoever else lacks it
  // gets it the same way. Rumors start where things happen (a join admitted, a suspicion, a
  // death, a refutation) and spread from there; a State merged into many tables would flood
  // every queue with news most nodes have.
  spreading_ = rumors;
  const uint64_t changes = changes_;
  on_updates(message.updates, rumors, now);
  spreading_ = true;
  if (changes_ != changes) hasten_sync(now);
  answer_stale(message.sender);
}

// What `message` asks of this node, if its sender is a member.
void SwimMembership::respond(const SwimMessage& message, TimePoint now) {
  const Member* sender = members_.find(message.sender->id);
  const bool answer = sender != nullptr && is_live(sender->status());
  switch (message.kind) {
    case SwimKind::kPing:
      if (answer) {
        pinged_by_.insert(message.sender->id);
        SwimMessage ack = this->message(SwimKind::kAck, message.sender->id);
        ack.seq = message.seq;
        send(message.sender, std::move(ack));
      }
      break;
    case SwimKind::kPingReq:
      if (answer) on_ping_req(message, now);
      break;
    case SwimKind::kAck:
      on_ack(message);
      break;
    case SwimKind::kNack:
      if (probe_ && message.seq == probe_->seq && helped_by(probe_->helpers, message.sender->id)) {
        ++probe_->nacks;
      }
      break;
    case SwimKind::kSync:
      if (answer) on_sync(message, now);
      break;
    case SwimKind::kState:
      if (!answer) break;
      joined_ = true;
      rejoin_targets_.clear();
      break;
    default:
      break;
  }
}

// Whether the sender is a node this node holds dead (or left) in the sender's current epoch.
bool SwimMembership::held_dead(const SwimMessage& message) const {
  const Member* member = members_.find(message.sender->id);
  return member != nullptr && !member->live() && member->epoch >= message.epoch &&
         !void_death(*member);
}

// Two sides of a partition meet: this node hears that it is dead from a node it holds dead. The
// side clearly smaller (under half the members of the sender's) starts its next epoch; the
// larger one keeps its own, and tells the other. Between sides of about the same size, both
// start anew. Each side counts its members up but those it revived since (side_count): a node
// of the smaller side that has not yet heard it was declared dead may by then hold most of the
// other side up again, as the verdicts of its side prove void.
void SwimMembership::on_mutual_death(const SwimMessage& message, TimePoint now) {
  for (const SwimUpdate& update : message.updates) {
    if (update.node->id != self_->id || is_live(update.status) || update.epoch < epoch_) continue;
    if (side_count() > 2 * uint64_t{message.members}) return;
    return declared_down(down_reason(update), update, now);
  }
}

// A void verdict on this node, passed on by a member: its sender may be of any side, and may
// have met the other side since (a node of the smaller side, rejoined, whose table holds both),
// so its count of members says nothing of the declarer's side. A declarer that came back in a
// later epoch gave in: nothing to do. One this node holds dead is pinged: if it still holds this
// node dead, it says so, and the two sides meet directly (on_mutual_death), each with its own
// count.
void SwimMembership::meet_declarer(uint32_t by) {
  const Member* declarer = members_.find(by);
  if (declarer == nullptr || declarer->live()) return;
  send(declarer->node, message(SwimKind::kPing, by));
}

void SwimMembership::on_sender(const SwimMessage& message, TimePoint now) {
  apply(SwimUpdate{message.sender, SwimStatus::kAlive, message.incarnation, message.epoch}, now);
  // A suspect that speaks has not heard of its suspicion yet: it is told, and refutes it.
  const Member* member = members_.find(message.sender->id);
  if (member != nullptr && member->status() == SwimStatus::kSuspect) {
    send_notice(message.sender, *member);
  }
}

void SwimMembership::on_updates(const std::vector<SwimUpdate>& updates, bool rumors,
                                TimePoint now) {
  constexpr size_t kAhead = 8;  // entries looked up ahead (a State holds thousands)
  for (bool deaths : {true, false}) {
    for (size_t i = 0; i < updates.size(); ++i) {
      if (i + kAhead < updates.size()) members_.prefetch(updates[i + kAhead].node->id);
      if (i + kAhead / 2 < updates.size()) {
        members_.prefetch_entry(updates[i + kAhead / 2].node->id);
      }
      const SwimUpdate& update = updates[i];
      if (is_live(update.status) != deaths && update.node->id != self_->id) {
        take(update, rumors, now);
      }
    }
  }
}

// A rumor this node knows already spreads without its help: it counts as sent once more
// (SwimQueue::heard). But a refutation (alive at an incarnation above 0) spreads as far as the
// suspicion it answers, which never counts so: a node the suspicion reached and the refutation
// did not would declare a live node dead.
void SwimMembership::take(const SwimUpdate& update, bool rumor, TimePoint now) {
  const bool refutation = update.status == SwimStatus::kAlive && update.incarnation > 0;
  const Applied applied = apply(update, now);
  if (applied == Applied::kStale) stale_.push_back(update.node->id);
  if (applied == Applied::kKnown && rumor && !refutation) {
    queue_.heard(update.node->id, retransmit_limit());
  }
}

// The sender of a suspicion or death this node knows was refuted holds it still (an update goes
// out as its sender holds it then): it is sent the refutation at once. Gossip alone sends a
// refutation to each node about a dozen times; under loss, among thousands of nodes and hundreds
// of refutations a minute, a few nodes miss every copy, and one that hears the suspicion only
// afterwards would hold it to its end and declare a live member dead. Such a node spreads the
// suspicion, and whoever it tells answers it.
void SwimMembership::answer_stale(const SwimNodeRef& sender) {
  if (stale_.empty()) return;
  SwimMessage answer = message(SwimKind::kGossip, sender->id);
  const size_t max = static_cast<size_t>(config_.max_updates_per_message);
  for (uint32_t id : stale_) {
    if (answer.updates.size() == max) break;
    if (std::optional<SwimUpdate> update = update_of(id)) answer.updates.push_back(*update);
  }
  stale_.clear();
  if (!answer.updates.empty()) send(sender, std::move(answer));
}

void SwimMembership::on_join(const SwimMessage& message, TimePoint now) {
  joined_ = true;  // a node that others join is in a cluster
  const SwimNodeRef& joiner = message.sender;
  if (members_.find(joiner->id) != nullptr) {
    on_sender(message, now);
    if (is_up(joiner->id)) send_state(joiner, {});
    return;
  }
  consider(joiner, message.incarnation, message.epoch, now);
}

// Admits `joiner` unless a live node holds its name or endpoint. A holder already suspected is
// taken for an earlier run and declared dead; one that is not is probed first (a Check).
void SwimMembership::consider(const SwimNodeRef& joiner, uint32_t incarnation, uint32_t epoch,
                              TimePoint now) {
  if (joiner->name == self_->name || joiner->endpoint == self_->endpoint) {
    return refuse(joiner, *self_);
  }
  for (;;) {
    const Member* holder = members_.live_named(joiner->name);
    if (holder == nullptr) holder = members_.live_at(joiner->endpoint);
    if (holder == nullptr || holder->node->id == joiner->id) break;
    if (holder->status() == SwimStatus::kAlive)
      return check(joiner, incarnation, epoch, *holder, now);
    declare_dead(*holder, joiner->id, true,
                 absl::StrCat("replaced by a new run (id ", joiner->id, ")"), now);
  }
  apply(SwimUpdate{joiner, SwimStatus::kAlive, incarnation, epoch}, now);
  if (is_up(joiner->id)) send_state(joiner, {});
}

void SwimMembership::check(const SwimNodeRef& joiner, uint32_t incarnation, uint32_t epoch,
                           const Member& holder, TimePoint now) {
  if (checks_.size() >= kMaxChecks) return;  // the joiner asks again
  for (const Check& check : checks_) {
    if (check.joiner->id == joiner->id) return;
  }
  Check check{
      Probe{holder.node->id, ++next_seq_, now + probe_timeout_, now + period_, false, {}, 0},
      joiner, incarnation, epoch};
  SwimMessage ping = message(SwimKind::kPing, holder.node->id);
  ping.seq = check.probe.seq;
  send(holder.node, std::move(ping));
  checks_.push_back(std::move(check));
}

void SwimMembership::refuse(const SwimNodeRef& joiner, const SwimNode& holder) {
  const bool name = joiner->name == holder.name;
  SwimMessage refusal = message(SwimKind::kRefuse, joiner->id);
  refusal.reason = absl::StrCat("node '", joiner->name, "' (id ", joiner->id, ") at ",
                                joiner->endpoint, " refused: ",
                                name ? absl::StrCat("the name '", joiner->name, "'")
                                     : absl::StrCat("the endpoint ", joiner->endpoint),
                                " is held by node '", holder.name, "' (id ", holder.id, ") at ",
                                holder.endpoint, ", which is alive");
  send(joiner, std::move(refusal), false);
}

void SwimMembership::on_ack(const SwimMessage& message) {
  const uint32_t from = message.sender->id;
  auto acked = [&](const Probe& probe) {
    return message.seq == probe.seq && (from == probe.target || helped_by(probe.helpers, from));
  };
  if (from == (probe_ ? probe_->target : 0)) answered_.insert(from);
  if (probe_ && acked(*probe_)) {
    probe_.reset();
    stretch(-1);
    return;
  }
  for (auto it = confirmations_.begin(); it != confirmations_.end(); ++it) {
    if (!acked(*it)) continue;
    confirmations_.erase(it);
    return;
  }
  for (auto it = checks_.begin(); it != checks_.end(); ++it) {
    if (!acked(it->probe)) continue;
    if (const Member* holder = members_.find(it->probe.target); holder != nullptr) {
      refuse(it->joiner, *holder->node);
    }
    checks_.erase(it);
    return;
  }
  for (auto it = forwards_.begin(); it != forwards_.end(); ++it) {
    if (it->seq != message.seq || it->target != from) continue;
    SwimMessage ack = this->message(SwimKind::kAck, it->requester->id);
    ack.seq = it->requester_seq;
    send(it->requester, std::move(ack));
    forwards_.erase(it);
    return;
  }
}

// Anti-entropy, in the three steps swim_wire.h describes; this node answers the sender with its
// State of what differs, found at once when it is small, else through fine digests.
void SwimMembership::on_sync(const SwimMessage& message, TimePoint now) {
  constexpr size_t kSmallState = 256;  // members a State is sent for without the finer step
  if (message.fine.size() == kSwimFineWords) return send_state(message.sender, message.fine);
  if (message.buckets != 0) {
    std::vector<uint64_t> wanted = differing_fine(message.buckets, message.digests);
    if (wanted.empty()) return;
    SwimMessage request = this->message(SwimKind::kSync, message.sender->id);
    request.fine = std::move(wanted);
    return send(message.sender, std::move(request));
  }
  const uint32_t coarse = differing_coarse(message.digests);
  if (coarse == 0) return;
  hasten_sync(now);
  if (members_.size() * std::popcount(coarse) / kSwimCoarseBuckets <= kSmallState) {
    return send_state(message.sender, fine_of(coarse));
  }
  SwimMessage offer = this->message(SwimKind::kSync, message.sender->id);
  offer.buckets = coarse;
  offer.digests = fine_digests(coarse);
  send(message.sender, std::move(offer));
}

void SwimMembership::on_ping_req(const SwimMessage& message, TimePoint now) {
  if (!message.probe || forwards_.size() >= kMaxForwards || message.probe->id == self_->id) {
    return;
  }
  Forward forward{++next_seq_, message.probe->id,    message.sender,
                  message.seq, now + probe_timeout_, now + 2 * period_};
  SwimMessage ping = this->message(SwimKind::kPing, message.probe->id);
  ping.seq = forward.seq;
  send(message.probe, std::move(ping));
  forwards_.push_back(std::move(forward));
}

}  // namespace bossa::transport
