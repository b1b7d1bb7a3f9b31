#include "transport/native/frame_hold.h"

#include <utility>
#include <vector>

namespace bossa::transport {

FrameHold::FrameHold(std::chrono::nanoseconds hold_for, size_t max_frames, size_t max_bytes)
    : hold_for_(hold_for), max_frames_(max_frames), max_bytes_(max_bytes) {}

size_t FrameHold::size_of(const socket::Message& message) {
  size_t bytes = 0;
  for (size_t i = 0; i < message.size(); ++i) bytes += message[i].size();
  return bytes;
}

bool FrameHold::hold(uint64_t key, uint32_t sender, socket::Message& message, TimePoint now) {
  const size_t bytes = size_of(message);
  if (bytes_ + bytes > max_bytes_) return false;
  auto [it, inserted] = held_.try_emplace(key);
  Held& held = it->second;
  if (inserted) {
    held.since = now;
    held.sender = sender;
  }
  if (held.frames.size() >= max_frames_) return false;
  held.frames.push_back(std::move(message));
  held.bytes += bytes;
  bytes_ += bytes;
  return true;
}

void FrameHold::release(TimePoint now, absl::FunctionRef<bool(uint64_t, uint32_t)> ready,
                        absl::FunctionRef<void(socket::Message)> deliver,
                        absl::FunctionRef<void(uint64_t, uint32_t, size_t)> expired) {
  std::vector<std::pair<uint64_t, bool>> done;  // key, and whether its frames may be taken
  for (auto& [key, held] : held_) {
    if (ready(key, held.sender)) {
      done.emplace_back(key, true);
    } else if (now - held.since >= hold_for_) {
      done.emplace_back(key, false);
    }
  }
  for (const auto& [key, taken] : done) {
    auto it = held_.find(key);
    Held held = std::move(it->second);
    held_.erase(it);
    bytes_ -= held.bytes;
    if (!taken) {
      expired(key, held.sender, held.frames.size());
      continue;
    }
    for (socket::Message& frame : held.frames) deliver(std::move(frame));
  }
}

}  // namespace bossa::transport
