// AmqpPeers: who is up, as the amqp backend learns it from presence announcements and traffic.
//
// Every message a node sends carries its session: the time, in milliseconds since the epoch, at
// which it last connected to the broker, greater at each reconnection. A node is up from the first
// sign of it until it says bye, stays silent for the configured time, or this node loses the
// broker. Then:
//   - a node heard with a later session than the one known reconnected to the broker while it was
//     up here: it goes down and up again, so that both sides start over (names, links, monitors);
//   - a node that says bye, or whose name comes back under another id (a new run), is done: its id
//     is remembered and what still arrives from it is stale, never bringing it back;
//   - a message with an earlier session than the one known is stale too.
//
// Not thread-safe: the transport guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "transport/transport.h"

namespace bossa::transport {

class AmqpPeers {
 public:
  using Clock = std::chrono::steady_clock;

  // What hearing from a node changed, in the order to tell it: earlier runs it replaces went down,
  // it went down because it reconnected, it came up. A stale message changes nothing.
  struct Heard {
    std::vector<NodeIdentity> replaced;
    bool reconnected = false;
    bool came_up = false;
    bool stale = false;
  };

  Heard heard(const NodeIdentity& node, uint64_t session, Clock::time_point now);
  // Every node that is up counts as heard at `now`.
  void heard_all(Clock::time_point now);
  // The node, if it was up; it is not any more. If it `left`, nothing from it counts again.
  std::optional<NodeIdentity> remove(uint32_t id, bool left);
  // The nodes silent since before `deadline`; they are not up any more.
  std::vector<NodeIdentity> remove_silent(Clock::time_point deadline);
  // Every node; none is up any more.
  std::vector<NodeIdentity> remove_all();

  bool is_up(uint32_t id) const { return peers_.contains(id); }
  std::vector<NodeIdentity> nodes() const;

 private:
  struct Peer {
    NodeIdentity node;
    uint64_t session = 0;
    Clock::time_point last_heard;
  };
  void bury(uint32_t id);

  absl::flat_hash_map<uint32_t, Peer> peers_;
  // Ids that left or were replaced; ids are drawn at random per run, so a few thousand are plenty.
  absl::flat_hash_set<uint32_t> gone_;
  // Last session heard of each id that is or was up, so that a node silent for a while and heard
  // again is not mistaken for one that reconnected.
  absl::flat_hash_map<uint32_t, uint64_t> sessions_;
};

}  // namespace bossa::transport
