// AmqpPeers: who is up, as the amqp backend learns it from presence announcements and traffic.
//
// A node is up from the first sign of it (an announcement or an envelope) until it says bye, stays
// silent for the configured time, or this node loses the broker. A node announcing itself under
// the name of a node that is up, with another id, is a new run of it: the old one goes down first.
//
// Not thread-safe: the transport guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "transport/transport.h"

namespace bossa::transport {

class AmqpPeers {
 public:
  using Clock = std::chrono::steady_clock;

  // What hearing from a node changed: earlier runs that it replaces went down, and it came up if
  // it was not up.
  struct Heard {
    std::vector<NodeIdentity> replaced;
    bool came_up = false;
  };

  Heard heard(const NodeIdentity& node, Clock::time_point now);
  // Every node that is up counts as heard at `now`.
  void heard_all(Clock::time_point now);
  // The node, if it was up; it is not any more.
  std::optional<NodeIdentity> remove(uint32_t id);
  // The nodes silent since before `deadline`; they are not up any more.
  std::vector<NodeIdentity> remove_silent(Clock::time_point deadline);
  // Every node; none is up any more.
  std::vector<NodeIdentity> remove_all();

  bool is_up(uint32_t id) const { return peers_.contains(id); }
  std::vector<NodeIdentity> nodes() const;

 private:
  struct Peer {
    NodeIdentity node;
    Clock::time_point last_heard;
  };
  absl::flat_hash_map<uint32_t, Peer> peers_;
};

}  // namespace bossa::transport
