// GatewayStats: what a node's gateway for clients outside the cluster has done (gateway.h), as
// counts since it opened. A plain value: Gateway::stats() reads each count in turn while
// requests flow, so a reading is exact per field but not an atomic snapshot.
#pragma once

#include <cstdint>

namespace bossa::gateway {

struct GatewayStats {
  uint64_t requests = 0;         // passed on to an actor
  uint64_t replies = 0;          // answered OK
  uint64_t failed = 0;           // passed on, answered with an error (the actor's, a crash, ...)
  uint64_t timeouts = 0;         // of those, DEADLINE_EXCEEDED
  uint64_t refused = 0;          // PERMISSION_DENIED: the client's key may not call the target
  uint64_t unknown_targets = 0;  // NOT_FOUND: no actor has the name
  uint64_t bad_requests = 0;     // frames or body that do not make a request
  uint64_t overloaded = 0;       // RESOURCE_EXHAUSTED: max_pending requests were in flight
  uint64_t replies_dropped = 0;  // the client had gone or did not read
};

}  // namespace bossa::gateway
