// FrameHold: frames that cannot be taken yet, held a moment under a key in case they can be soon.
// The receive loop holds two kinds (receive_loop.h): the frames of a node that is not a member
// yet, by node (a node sends as soon as it learns that a peer is up, and the peer may learn of it
// a moment later), and the frames of a connection that cannot speak for its node yet, by
// connection (the node's old connections are still open here: sender_binding.h). Each key's frames
// wait in arrival order and are handed over together once they may be taken; those of a key that
// waited the hold time are dropped and reported.
//
// Bounded: at most max_frames frames under one key and max_bytes octets in all; a frame past
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

class FrameHold {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  FrameHold(std::chrono::nanoseconds hold_for, size_t max_frames, size_t max_bytes);

  // Holds `message` of node `sender` under `key`, arrived at `now`. False, and `message`
  // untouched, when a bound is reached.
  bool hold(uint64_t key, uint32_t sender, socket::Message& message, TimePoint now);
  bool holds(uint64_t key) const { return held_.contains(key); }
  bool empty() const { return held_.empty(); }
  // Hands the frames of each key that `ready` (given the key and the sender of its first frame)
  // now takes to `deliver`, in the order they arrived; drops those of a key that waited the hold
  // time, telling `expired` how many. `deliver` may hold frames again.
  void release(TimePoint now, absl::FunctionRef<bool(uint64_t key, uint32_t sender)> ready,
               absl::FunctionRef<void(socket::Message)> deliver,
               absl::FunctionRef<void(uint64_t key, uint32_t sender, size_t frames)> expired);

 private:
  struct Held {
    TimePoint since;  // when its first frame arrived
    uint32_t sender;  // the node its first frame named
    std::deque<socket::Message> frames;
    size_t bytes = 0;
  };

  static size_t size_of(const socket::Message& message);

  const std::chrono::nanoseconds hold_for_;
  const size_t max_frames_;
  const size_t max_bytes_;
  absl::flat_hash_map<uint64_t, Held> held_;
  size_t bytes_ = 0;
};

}  // namespace bossa::transport
