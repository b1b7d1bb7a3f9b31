#include "transport/native/stranger_hold.h"

#include <utility>
#include <vector>

namespace bossa::transport {

StrangerHold::StrangerHold(std::chrono::nanoseconds hold_for, size_t max_frames, size_t max_bytes)
    : hold_for_(hold_for), max_frames_(max_frames), max_bytes_(max_bytes) {}

size_t StrangerHold::size_of(const socket::Message& message) {
  size_t bytes = 0;
  for (size_t i = 0; i < message.size(); ++i) bytes += message[i].size();
  return bytes;
}

bool StrangerHold::hold(uint32_t sender, socket::Message& message, TimePoint now) {
  const size_t bytes = size_of(message);
  if (bytes_ + bytes > max_bytes_) return false;
  auto [it, inserted] = held_.try_emplace(sender);
  Held& held = it->second;
  if (inserted) held.since = now;
  if (held.frames.size() >= max_frames_) return false;
  held.frames.push_back(std::move(message));
  held.bytes += bytes;
  bytes_ += bytes;
  return true;
}

void StrangerHold::release(TimePoint now, absl::FunctionRef<bool(uint32_t)> is_member,
                           absl::FunctionRef<void(uint32_t, socket::Message)> deliver,
                           absl::FunctionRef<void(uint32_t, size_t)> expired) {
  std::vector<uint32_t> done;
  for (auto& [sender, held] : held_) {
    if (is_member(sender) || now - held.since >= hold_for_) done.push_back(sender);
  }
  for (uint32_t sender : done) {
    auto it = held_.find(sender);
    Held held = std::move(it->second);
    held_.erase(it);
    bytes_ -= held.bytes;
    if (!is_member(sender)) {
      expired(sender, held.frames.size());
      continue;
    }
    for (socket::Message& frame : held.frames) deliver(sender, std::move(frame));
  }
}

}  // namespace bossa::transport
