// Liveness: which members are still alive, judged by what they send, and when heartbeats are due.
//
// A member counts as heard from when it joins and with every frame it sends afterwards (a
// heartbeat, a Hello, a batch: anything). Once every heartbeat_interval a round is due: the
// members heard from within node_down_after are to be sent a heartbeat, the others are silent
// and to be dropped. Liveness watches exactly the members: Membership tells it of every join and
// drop. It does no I/O; the receive loop acts on its rounds, after reading what has arrived, so
// that a slow handler does not make every peer look silent. It also counts the envelopes
// received from each member since it joined: the ack that goes back in heartbeats (ack_ledger.h).
//
// Thread-safety: none; the receive thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace bossa::transport {

class Liveness {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  Liveness(absl::Duration heartbeat_interval, absl::Duration node_down_after);

  // The first round is due at `now`.
  void start(TimePoint now);
  // Watches member `id`, heard from at `now`, none of its envelopes received yet.
  void watch(uint32_t id, TimePoint now);
  void forget(uint32_t id);
  void forget_all() { members_.clear(); }
  // Notes a frame from `id` at `now`. False when `id` is not a member.
  bool heard(uint32_t id, TimePoint now);
  // Whether member `id` was heard from within two heartbeat intervals before `now`: it is running,
  // not merely not yet declared down.
  bool heard_lately(uint32_t id, TimePoint now) const;
  // Notes `envelopes` received from member `id`, if it is one.
  void received(uint32_t id, uint64_t envelopes);
  // Counts member `id`'s envelopes from zero again: its link to this node is new.
  void restart_count(uint32_t id);
  // The envelopes received from member `id` since it joined (or restart_count); 0 for another id.
  uint64_t received_from(uint32_t id) const;

  struct Round {
    std::vector<uint32_t> alive;   // to be sent a heartbeat
    std::vector<uint32_t> silent;  // to be dropped, for silence_reason()
  };
  // The round due at `now`, if one is; the next is then due a heartbeat_interval later.
  std::optional<Round> round(TimePoint now);
  // Why a silent member is dropped: "silent for <node_down_after>".
  std::string silence_reason() const;

 private:
  const absl::Duration heartbeat_interval_;
  const absl::Duration node_down_after_;
  struct Member {
    TimePoint last_heard;
    uint64_t received = 0;
  };

  TimePoint next_round_;
  absl::flat_hash_map<uint32_t, Member> members_;
};

}  // namespace bossa::transport
