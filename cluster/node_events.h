// The messages a node sends the actors that watch the cluster: NodeUp and NodeDown
// (Node::monitor_nodes), as Erlang's net_kernel:monitor_nodes sends nodeup and nodedown, and
// GlobalNameDown (Node::monitor_global).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/pid.h"
#include "runtime/system_messages.h"

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

// A monitored global name left the pid that held it when monitor_global was called: `now` holds
// it instead (a conflict after a partition gave it to `now`), or nobody does (the zero pid: it
// was released, because its actor stopped, it was unregistered, or its node went down). `pid`
// is the zero pid too if nobody held the name then; the message then comes at once.
struct GlobalNameDown {
  MonitorRef ref;  // what monitor_global returned
  std::string name;
  Pid pid;
  Pid now;
};

}  // namespace bossa
