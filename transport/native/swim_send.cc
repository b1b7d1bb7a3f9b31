// SwimMembership: what goes out. Every message carries its sender's node, incarnation and epoch,
// and (but a State or a Refuse) the news the queue gives it.
#include <algorithm>
#include <cmath>
#include <utility>

#include "transport/native/swim.h"

namespace bossa::transport {

SwimMessage SwimMembership::message(SwimKind kind, uint32_t target) const {
  SwimMessage message;
  message.kind = kind;
  message.sender = self_;
  message.incarnation = incarnation_;
  message.epoch = epoch_;
  message.members = static_cast<uint32_t>(side_count());
  message.target = target;
  return message;
}

void SwimMembership::send(const SwimNodeRef& to, SwimMessage message, bool piggyback) {
  const size_t max = static_cast<size_t>(config_.max_updates_per_message);
  if (piggyback && message.updates.size() < max) {
    this->piggyback(message.updates, max - message.updates.size());
  }
  outbox_.push_back(Outgoing{to, std::move(message)});
}

// A State of the members in the fine buckets of `fine` (all when it is empty). A suspect goes
// in as alive: a suspicion travels as news only, beside its refutation; out of a State, long
// after both, it would start a suspicion nothing refutes any more.
void SwimMembership::send_state(const SwimNodeRef& to, std::vector<uint64_t> fine) {
  SwimMessage state = message(SwimKind::kState, to->id);
  auto add = [&](const Member& member) {
    state.updates.push_back(update_of(member));
    SwimUpdate& update = state.updates.back();
    if (update.status == SwimStatus::kSuspect)
      update = SwimUpdate{member.node, SwimStatus::kAlive, member.incarnation, member.epoch};
  };
  if (fine.empty()) {
    state.updates.reserve(members_.size());
    members_.for_each(add);
  } else {
    members_.for_each(fine, add);
    // An answer to a Sync is bounded: a random part of what differs when more does (a cluster in
    // turmoil differs everywhere); the next swaps bring the rest.
    if (state.updates.size() > kMaxSyncState) {
      for (size_t i = 0; i < kMaxSyncState; ++i) {
        const size_t left = state.updates.size() - i;
        std::swap(state.updates[i], state.updates[i + random_.below(static_cast<uint32_t>(left))]);
      }
      state.updates.resize(kMaxSyncState);
    }
  }
  state.fine = std::move(fine);
  outbox_.push_back(Outgoing{to, std::move(state)});
}

// Tells `to`, which speaks as if alive, that this node holds it dead (or left) in that epoch, or
// suspects it.
void SwimMembership::send_notice(const SwimNodeRef& to, const Member& member) {
  SwimMessage notice = message(SwimKind::kGossip, to->id);
  notice.updates.push_back(*update_of(member.node->id));
  outbox_.push_back(Outgoing{to, std::move(notice)});
}

void SwimMembership::piggyback(std::vector<SwimUpdate>& out, size_t max) {
  scratch_.clear();
  queue_.take(max, retransmit_limit(), scratch_);
  for (uint32_t id : scratch_) members_.prefetch(id);
  for (uint32_t id : scratch_) members_.prefetch_entry(id);
  for (uint32_t id : scratch_) {
    if (std::optional<SwimUpdate> update = update_of(id)) out.push_back(*std::move(update));
  }
}

std::optional<SwimUpdate> SwimMembership::update_of(uint32_t id) const {
  if (id == self_->id) return self_update();
  const Member* member = members_.find(id);
  if (member == nullptr) return std::nullopt;
  return update_of(*member);
}

// `by`: a suspect's latest accuser, a dead member's declarer, with the epoch it was in.
SwimUpdate SwimMembership::update_of(const Member& member) const {
  const uint32_t id = member.node->id;
  SwimMembers::Declarer by;
  if (member.status() == SwimStatus::kSuspect) {
    auto it = suspicions_.find(id);
    if (it != suspicions_.end()) {
      by.by = it->second.accusers[it->second.count - 1];
      by.by_epoch = it->second.accuser_epochs[it->second.count - 1];
    }
  } else if (member.status() == SwimStatus::kDead) {
    by = members_.declared_by(id);
  }
  return SwimUpdate{member.node, member.status(),      member.incarnation, member.epoch,
                    by.by,       member.replaced != 0, by.by_epoch};
}

uint32_t SwimMembership::epoch_of(uint32_t id) const {
  if (id == self_->id) return epoch_;
  const Member* member = members_.find(id);
  return member == nullptr ? 0 : member->epoch;
}

SwimUpdate SwimMembership::self_update() const {
  return SwimUpdate{self_, phase_ == Phase::kLeft ? SwimStatus::kLeft : SwimStatus::kAlive,
                    incarnation_, epoch_};
}

// This node's digest of fine bucket `bucket`: its members', and its own.
uint64_t SwimMembership::fine_digest(uint32_t bucket) const {
  uint64_t digest = members_.digests()[bucket];
  if (bucket == swim_fine_bucket(self_->id)) {
    digest += SwimMembers::digest_of(self_->id, epoch_, incarnation_);
  }
  return digest;
}

std::vector<uint64_t> SwimMembership::coarse_digests() const {
  std::vector<uint64_t> digests(kSwimCoarseBuckets);
  for (uint32_t bucket = 0; bucket < kSwimFineBuckets; ++bucket) {
    digests[bucket / kSwimFinePerCoarse] += fine_digest(bucket);
  }
  return digests;
}

// The fine digests of the coarse buckets in `coarse`, 32 for each in increasing order.
std::vector<uint64_t> SwimMembership::fine_digests(uint32_t coarse) const {
  std::vector<uint64_t> digests;
  for (uint32_t c = 0; c < kSwimCoarseBuckets; ++c) {
    if (!(coarse >> c & 1)) continue;
    for (uint32_t f = 0; f < kSwimFinePerCoarse; ++f) {
      digests.push_back(fine_digest(c * kSwimFinePerCoarse + f));
    }
  }
  return digests;
}

// The coarse buckets where `digests` (a Sync's) differ from this node's; all if it has none.
uint32_t SwimMembership::differing_coarse(const std::vector<uint64_t>& digests) const {
  if (digests.size() != kSwimCoarseBuckets) return ~uint32_t{0};
  const std::vector<uint64_t> own = coarse_digests();
  uint32_t coarse = 0;
  for (size_t c = 0; c < kSwimCoarseBuckets; ++c) {
    if (own[c] != digests[c]) coarse |= uint32_t{1} << c;
  }
  return coarse;
}

// The fine buckets (a set of kSwimFineWords words) where `digests`, fine digests of the coarse
// buckets in `coarse`, differ from this node's; empty when none does.
std::vector<uint64_t> SwimMembership::differing_fine(uint32_t coarse,
                                                     const std::vector<uint64_t>& digests) const {
  std::vector<uint64_t> fine(kSwimFineWords);
  bool any = false;
  size_t next = 0;
  for (uint32_t c = 0; c < kSwimCoarseBuckets && next < digests.size(); ++c) {
    if (!(coarse >> c & 1)) continue;
    for (uint32_t f = 0; f < kSwimFinePerCoarse; ++f) {
      const uint32_t bucket = c * kSwimFinePerCoarse + f;
      if (fine_digest(bucket) != digests[next++]) {
        fine[bucket / 64] |= uint64_t{1} << (bucket % 64);
        any = true;
      }
    }
  }
  if (!any) fine.clear();
  return fine;
}

// Every fine bucket of the coarse buckets in `coarse`.
std::vector<uint64_t> SwimMembership::fine_of(uint32_t coarse) {
  std::vector<uint64_t> fine(kSwimFineWords);
  for (uint32_t c = 0; c < kSwimCoarseBuckets; ++c) {
    if (coarse >> c & 1) fine[c / 2] |= uint64_t{0xffffffff} << (32 * (c % 2));
  }
  return fine;
}

// retransmit_multiplier * ceil(log10(n + 1)) for a cluster of n.
uint32_t SwimMembership::retransmit_limit() const {
  const double n = static_cast<double>(members_.live_count() + 1);
  return static_cast<uint32_t>(config_.retransmit_multiplier * std::ceil(std::log10(n + 1)));
}

void SwimMembership::stretch(int by) {
  awareness_ = std::clamp(awareness_ + by, 0, std::max(0, config_.max_awareness - 1));
}

}  // namespace bossa::transport
