#include "transport/native/liveness.h"

#include "absl/strings/str_cat.h"

namespace bossa::transport {

Liveness::Liveness(absl::Duration heartbeat_interval, absl::Duration node_down_after)
    : heartbeat_interval_(heartbeat_interval), node_down_after_(node_down_after) {}

void Liveness::start(TimePoint now) {
  next_round_ = now;
}

void Liveness::watch(uint32_t id, TimePoint now) {
  last_heard_[id] = now;
}

void Liveness::forget(uint32_t id) {
  last_heard_.erase(id);
}

bool Liveness::heard(uint32_t id, TimePoint now) {
  auto it = last_heard_.find(id);
  if (it == last_heard_.end()) return false;
  it->second = now;
  return true;
}

std::optional<Liveness::Round> Liveness::round(TimePoint now) {
  if (now < next_round_) return std::nullopt;
  next_round_ = now + absl::ToChronoNanoseconds(heartbeat_interval_);
  const auto limit = absl::ToChronoNanoseconds(node_down_after_);
  Round round;
  for (const auto& [id, last_heard] : last_heard_) {
    if (now - last_heard > limit) {
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
