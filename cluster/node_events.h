// The messages a node sends the actors that watch the cluster (Node::monitor_nodes), as Erlang's
// net_kernel:monitor_nodes sends nodeup and nodedown.
#pragma once

#include <cstdint>
#include <string>

namespace bossa {

struct NodeUp {
  std::string name;
  uint32_t id = 0;
};

struct NodeDown {
  std::string name;
  uint32_t id = 0;
  std::string reason;  // "left", "silent for 2s", ...
  // Of the envelopes this node sent it (transport::DeliveryTally): those it acknowledged, and
  // those neither acknowledged nor reported undelivered, delivered or lost. Zeros where the
  // transport does not count (local, amqp).
  uint64_t in_doubt = 0;
  uint64_t acked = 0;
};

}  // namespace bossa
