// AmqpPeers: who is up, as the amqp backend learns it from presence announcements and traffic.
//
// Every message a node sends carries its session: the time, in milliseconds since the epoch, at
// which it last connected to the broker, greater at each reconnection. A node is up from the first
// sign of it until it says bye, stays silent past its deadline (node_down_after after it was last
// heard, or a later time the transport sets after a reconnection), or is removed. Then:
//   - a node heard with a later session reconnected to the broker: it stays up, one incarnation
//     across its sessions; a message from a session earlier than the one it came up with is stale;
//   - a node that says bye, or whose name comes back under another id (a new run), is done: its id
//     is remembered and what still arrives from it is stale, never bringing it back;
//   - a node is known here under an epoch, which grows each time it comes up and each time this
//     node starts over with it on its own (renew). Hellos carry the epoch to the node (the
//     transport sends them): a node that hears a peer's epoch grow past the one it paired its
//     incarnation of that peer with learns that the peer broke off with it, and starts over too.
//
// Not thread-safe: the transport guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "transport/transport.h"

namespace bossa::transport {

class AmqpPeers {
 public:
  using Clock = std::chrono::steady_clock;

  // `down_after`: the silence after which a node is down.
  explicit AmqpPeers(Clock::duration down_after) : down_after_(down_after) {}

  // What hearing from a node changed, in the order to tell it: earlier runs it replaces went down,
  // it came up. A stale message changes nothing.
  struct Heard {
    std::vector<NodeIdentity> replaced;
    bool came_up = false;
    bool reconnected = false;  // it was up, and is heard in a later session than before
    bool stale = false;
  };

  Heard heard(const NodeIdentity& node, uint64_t session, Clock::time_point now);
  // Every node that is up counts as heard at `now`.
  void heard_all(Clock::time_point now);
  // Every node that is up has until `deadline` at least to be heard again.
  void expect_all(Clock::time_point deadline);

  // What a hello from node `id` (up) with the epoch it knows this node under says.
  enum class Hello {
    kFirst,    // the first of its incarnation here: they are paired
    kSame,     // nothing new
    kRenewed,  // its epoch grew: it started over with this node
  };
  Hello hello(uint32_t id, uint64_t epoch);
  // Node `id`, if it is up: its incarnation here starts over (it stays up). `ours`: this node broke
  // off (the node's epoch grows, so that a hello tells it); else in answer to its hello.
  std::optional<NodeIdentity> renew(uint32_t id, bool ours);
  // The epoch node `id` is known under here; 0 if it never came up.
  uint64_t epoch(uint32_t id) const;

  // The node, if it was up; it is not any more. If it `left`, nothing from it counts again.
  std::optional<NodeIdentity> remove(uint32_t id, bool left);
  // The nodes whose deadline passed before `now`; they are not up any more.
  std::vector<NodeIdentity> remove_silent(Clock::time_point now);
  // Every node; none is up any more.
  std::vector<NodeIdentity> remove_all();

  bool is_up(uint32_t id) const { return peers_.contains(id); }
  // Node `id`'s name if it is up, else empty.
  std::string name_of(uint32_t id) const {
    auto it = peers_.find(id);
    return it == peers_.end() ? std::string() : it->second.node.name;
  }
  std::vector<NodeIdentity> nodes() const;

 private:
  struct Peer {
    NodeIdentity node;
    uint64_t first_session = 0;      // the session it came up with
    uint64_t session = 0;            // the latest heard
    Clock::time_point deadline;      // down if not heard by then
    std::optional<uint64_t> paired;  // the epoch its hellos carry, once one came
  };
  void bury(uint32_t id);

  const Clock::duration down_after_;
  absl::flat_hash_map<uint32_t, Peer> peers_;
  // Ids that left or were replaced; ids are drawn at random per run, so a few thousand are plenty.
  absl::flat_hash_set<uint32_t> gone_;
  // Last session heard of each id that is or was up, so that a node silent for a while and heard
  // again is not mistaken for one that reconnected, and its older messages are stale.
  absl::flat_hash_map<uint32_t, uint64_t> sessions_;
  absl::flat_hash_map<uint32_t, uint64_t> epochs_;  // of each id that is or was up
};

}  // namespace bossa::transport
