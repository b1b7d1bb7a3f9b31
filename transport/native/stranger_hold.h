// StrangerHold: frames from a node that this node does not count as a member yet, held a moment
// in case it comes up. A node sends as soon as it learns that a peer is up; the peer may learn of
// the sender a moment later (from the introduction that opens the link, or once its own join or
// rejoin completes). What the sender sent meanwhile waits here, in arrival order, and is handed
// over when the sender comes up; what waited longer than the hold time is dropped and reported.
//
// Bounded: at most max_frames frames of one sender and max_bytes octets in all; a frame past
// either is not held (the caller rejects it). Thread-safety: none; the receive thread owns it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "transport/socket/core/message.h"

namespace bossa::transport {

class StrangerHold {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  StrangerHold(std::chrono::nanoseconds hold_for, size_t max_frames, size_t max_bytes);

  // Holds `message` from `sender`, arrived at `now`. False, and `message` untouched, when a bound
  // is reached.
  bool hold(uint32_t sender, socket::Message& message, TimePoint now);
  bool empty() const { return held_.empty(); }
  // Hands the frames of each sender that `is_member` now says is a member to `deliver`, in the
  // order they arrived; drops those of a sender that waited the hold time, telling `expired` how
  // many.
  void release(TimePoint now, absl::FunctionRef<bool(uint32_t)> is_member,
               absl::FunctionRef<void(uint32_t, socket::Message)> deliver,
               absl::FunctionRef<void(uint32_t, size_t)> expired);

 private:
  struct Held {
    TimePoint since;  // when its first frame arrived
    std::deque<socket::Message> frames;
    size_t bytes = 0;
  };

  static size_t size_of(const socket::Message& message);

  const std::chrono::nanoseconds hold_for_;
  const size_t max_frames_;
  const size_t max_bytes_;
  absl::flat_hash_map<uint32_t, Held> held_;
  size_t bytes_ = 0;
};

}  // namespace bossa::transport
