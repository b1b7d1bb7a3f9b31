#include "transport/native/swim_members.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"

namespace bossa::transport {

SwimMembers::SwimMembers()
    : by_id_(0, ById{this}, ById{this}), by_name_(0, ByName{this}, ByName{this}) {}

size_t SwimMembers::ById::operator()(Id id) const {
  return absl::Hash<uint32_t>{}(id.value);
}

size_t SwimMembers::ByName::operator()(std::string_view name) const {
  return absl::Hash<std::string_view>{}(name);
}

const SwimMembers::Member* SwimMembers::find(uint32_t id) const {
  auto it = by_id_.find(Id{id});
  return it == by_id_.end() ? nullptr : &slots_[*it];
}

SwimMembers::Member* SwimMembers::slot_of(uint32_t id) {
  auto it = by_id_.find(Id{id});
  return it == by_id_.end() ? nullptr : &slots_[*it];
}

const SwimMembers::Member* SwimMembers::live_named(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &slots_[*it];
}

const SwimMembers::Member* SwimMembers::live_at(std::string_view endpoint) const {
  for (const Member& member : slots_) {
    if (member.live() && member.node->endpoint == endpoint) return &member;
  }
  return nullptr;
}

SwimMembers::Declarer SwimMembers::declared_by(uint32_t id) const {
  auto it = declared_by_.find(id);
  return it == declared_by_.end() ? Declarer{} : it->second;
}

uint64_t SwimMembers::digest_of(uint32_t id, uint32_t epoch, uint32_t incarnation) {
  uint64_t z = (uint64_t{epoch} << 32 | id) ^ (uint64_t{incarnation} * 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

void SwimMembers::set(const SwimUpdate& update, TimePoint now) {
  const uint32_t id = update.node->id;
  Member* member = slot_of(id);
  const bool inserted = member == nullptr;
  if (inserted) {
    // Grown by a quarter, not doubled: ten thousand tables would carry the slack.
    if (slots_.size() == slots_.capacity()) slots_.reserve(slots_.size() + slots_.size() / 4 + 8);
    const uint32_t last = static_cast<uint32_t>(slots_.size());
    Member added{update.node};
    added.status_bits = static_cast<uint32_t>(SwimStatus::kDead);  // not indexed by name yet
    slots_.push_back(std::move(added));
    by_id_.insert(last);
    member = &slots_[last];
  }
  const uint32_t slot = static_cast<uint32_t>(member - slots_.data());
  const bool was_live = !inserted && member->live();
  const uint32_t old_epoch = member->epoch;
  if (was_live) {
    digests_[swim_fine_bucket(id)] -= digest_of(id, member->epoch, member->incarnation);
    if (!is_live(update.status)) {
      by_name_.erase(slot);
      --live_;
    }
  }
  member->incarnation = update.incarnation;
  member->epoch = std::min(update.epoch, kSwimMaxEpoch);
  member->status_bits = static_cast<uint32_t>(update.status);
  member->replaced = update.replaced;
  if (is_live(update.status)) {
    if (!was_live) {
      by_name_.insert(slot);
      ++live_;
      declared_by_.erase(id);
      consider_neighbour(id);
    }
    digests_[swim_fine_bucket(id)] += digest_of(id, member->epoch, member->incarnation);
    return;
  }
  if (was_live) replace_neighbour(id);
  if (update.status == SwimStatus::kDead && update.by != 0) {
    declared_by_[id] = Declarer{update.by, update.by_epoch};
  } else {
    declared_by_.erase(id);
  }
  if (inserted || was_live || old_epoch != member->epoch) {
    tombstones_.push_back(Tombstone{now, id, member->epoch});
  }
}

// Swaps two places, and their entries in the indexes (which hash a place by what it holds).
void SwimMembers::swap_slots(uint32_t a, uint32_t b) {
  if (a == b) return;
  const bool live_a = slots_[a].live();
  const bool live_b = slots_[b].live();
  by_id_.erase(a);
  by_id_.erase(b);
  if (live_a) by_name_.erase(a);
  if (live_b) by_name_.erase(b);
  std::swap(slots_[a], slots_[b]);
  by_id_.insert(a);
  by_id_.insert(b);
  if (live_b) by_name_.insert(a);
  if (live_a) by_name_.insert(b);
}

// Swaps the entry to the end and drops it.
void SwimMembers::erase(uint32_t id) {
  const uint32_t slot = static_cast<uint32_t>(slot_of(id) - slots_.data());
  const uint32_t last = static_cast<uint32_t>(slots_.size() - 1);
  swap_slots(slot, last);
  by_id_.erase(last);
  if (slots_[last].live()) {
    by_name_.erase(last);
    --live_;
  }
  slots_.pop_back();
  declared_by_.erase(id);
}

void SwimMembers::clear() {
  slots_ = {};
  by_id_ = decltype(by_id_)(0, ById{this}, ById{this});
  by_name_ = decltype(by_name_)(0, ByName{this}, ByName{this});
  declared_by_ = {};
  tombstones_ = {};
  live_ = 0;
  digests_ = {};
  successors_ = {};
  predecessors_ = {};
}

uint64_t SwimMembers::ring_score(size_t ring, uint32_t id) {
  uint64_t z = (uint64_t{ring + 1} << 32 | id) * 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

// On a ring, the successor is the live node whose score follows the owner's most closely (the
// scores wrap around), the predecessor the one whose score the owner's follows most closely.
void SwimMembers::consider_neighbour(uint32_t id) {
  for (size_t ring = 0; ring < kRings; ++ring) {
    const uint64_t own = ring_score(ring, self_);
    const uint64_t score = ring_score(ring, id);
    if (successors_[ring] == 0 || score - own < ring_score(ring, successors_[ring]) - own) {
      successors_[ring] = id;
    }
    if (predecessors_[ring] == 0 || own - score < own - ring_score(ring, predecessors_[ring])) {
      predecessors_[ring] = id;
    }
  }
}

void SwimMembers::replace_neighbour(uint32_t id) {
  bool was_neighbour = false;
  for (size_t ring = 0; ring < kRings; ++ring) {
    if (successors_[ring] == id || predecessors_[ring] == id) was_neighbour = true;
  }
  if (!was_neighbour) return;
  successors_ = {};
  predecessors_ = {};
  for (const Member& member : slots_) {
    if (member.live()) consider_neighbour(member.node->id);
  }
}

std::vector<uint32_t> SwimMembers::neighbours() const {
  std::vector<uint32_t> ids;
  for (const auto* side : {&successors_, &predecessors_}) {
    for (uint32_t id : *side) {
      if (id != 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
  }
  return ids;
}

const SwimMembers::Member* SwimMembers::next_to_probe() {
  const std::vector<uint32_t> ids = neighbours();
  if (ids.empty()) return nullptr;
  return find(ids[probe_turn_++ % ids.size()]);
}

std::vector<const SwimMembers::Member*> SwimMembers::random_neighbours(size_t count,
                                                                       uint32_t except,
                                                                       SwimRandom& random) const {
  std::vector<uint32_t> ids = neighbours();
  std::erase(ids, except);
  while (ids.size() > count) {
    std::swap(ids[random.below(static_cast<uint32_t>(ids.size()))], ids.back());
    ids.pop_back();
  }
  std::vector<const Member*> chosen;
  for (uint32_t id : ids) chosen.push_back(find(id));
  return chosen;
}

std::vector<const SwimMembers::Member*> SwimMembers::random_live(size_t count, uint32_t except,
                                                                 SwimRandom& random) const {
  std::vector<const Member*> chosen;
  auto take = [&](const Member& member) {
    if (!member.live() || member.node->id == except) return;
    for (const Member* already : chosen) {
      if (already == &member) return;
    }
    chosen.push_back(&member);
  };
  if (live_ <= 2 * count + 2) {
    // Few enough to take them all, then drop random ones.
    for (const Member& member : slots_) take(member);
    while (chosen.size() > count) {
      std::swap(chosen[random.below(static_cast<uint32_t>(chosen.size()))], chosen.back());
      chosen.pop_back();
    }
    return chosen;
  }
  for (size_t tries = 0; chosen.size() < count && tries < 8 * count + 8; ++tries) {
    take(slots_[random.below(static_cast<uint32_t>(slots_.size()))]);
  }
  return chosen;
}

const SwimMembers::Member* SwimMembers::random_tombstone(SwimRandom& random) const {
  for (int tries = 0; tries < 4 && !tombstones_.empty(); ++tries) {
    const Tombstone& tomb = tombstones_[random.below(static_cast<uint32_t>(tombstones_.size()))];
    const Member* member = find(tomb.id);
    if (member != nullptr && member->status() == SwimStatus::kDead && member->epoch == tomb.epoch) {
      return member;
    }
  }
  return nullptr;
}

void SwimMembers::expire_tombstones(TimePoint now, std::chrono::nanoseconds lifetime,
                                    size_t max_count) {
  while (!tombstones_.empty() &&
         (tombstones_.front().since + lifetime <= now || tombstones_.size() > max_count)) {
    const Tombstone tomb = tombstones_.front();
    tombstones_.pop_front();
    const Member* member = find(tomb.id);
    if (member != nullptr && !member->live() && member->epoch == tomb.epoch) erase(tomb.id);
  }
}

SwimMembers::TimePoint SwimMembers::next_expiry(std::chrono::nanoseconds lifetime) const {
  return tombstones_.empty() ? TimePoint::max() : tombstones_.front().since + lifetime;
}

void SwimMembers::for_each(absl::FunctionRef<void(const Member&)> visit) const {
  for (const Member& member : slots_) visit(member);
}

void SwimMembers::for_each(const std::vector<uint64_t>& fine,
                           absl::FunctionRef<void(const Member&)> visit) const {
  for (const Member& member : slots_) {
    const uint32_t bucket = swim_fine_bucket(member.node->id);
    if (fine[bucket / 64] >> (bucket % 64) & 1) visit(member);
  }
}

}  // namespace bossa::transport
