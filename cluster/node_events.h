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
};

}  // namespace bossa
