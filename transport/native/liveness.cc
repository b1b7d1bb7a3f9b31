#include "transport/native/liveness.h"

#include "absl/strings/str_cat.h"

namespace bossa::transport {

Liveness::Liveness(absl::Duration heartbeat_interval, absl::Duration node_down_after)
    : heartbeat_interval_(heartbeat_interval), node_down_after_(node_down_after) {}

void Liveness::start(TimePoint now) {
  next_round_ = now;
}

void Liveness::watch(uint32_t id, TimePoint now) {
  members_[id] = Member{now, 0};
}

void Liveness::forget(uint32_t id) {
  members_.erase(id);
}

bool Liveness::heard(uint32_t id, TimePoint now) {
  auto it = members_.find(id);
  if (it == members_.end()) return false;
  it->second.last_heard = now;
  return true;
}

bool Liveness::heard_lately(uint32_t id, TimePoint now) const {
  auto it = members_.find(id);
  return it != members_.end() &&
         now - it->second.last_heard <= 2 * absl::ToChronoNanoseconds(heartbeat_interval_);
}

void Liveness::received(uint32_t id, uint64_t envelopes) {
  if (auto it = members_.find(id); it != members_.end()) it->second.received += envelopes;
}

void Liveness::restart_count(uint32_t id) {
  if (auto it = members_.find(id); it != members_.end()) it->second.received = 0;
}

uint64_t Liveness::received_from(uint32_t id) const {
  auto it = members_.find(id);
  return it == members_.end() ? 0 : it->second.received;
}

std::optional<Liveness::Round> Liveness::round(TimePoint now) {
  if (now < next_round_) return std::nullopt;
  next_round_ = now + absl::ToChronoNanoseconds(heartbeat_interval_);
  const auto limit = absl::ToChronoNanoseconds(node_down_after_);
  Round round;
  for (const auto& [id, member] : members_) {
    if (now - member.last_heard > limit) {
      round.silent.push_back(id);
    } else {
      round.alive.push_back(id);
    }
  }
  return round;
}

std::string Liveness::silence_reason() const {
  return absl::StrCat("silent for ", absl::FormatDuration(node_down_after_));
}

}  // namespace bossa::transport
