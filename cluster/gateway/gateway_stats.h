// GatewayStats: what a node's door for clients outside the cluster (the gateway, gateway.h; the
// amqp broker door, broker_door.h) has done, as counts since it opened. A plain value; the doors
// keep the counts in GatewayCounters, whose read() takes each count in turn while requests flow,
// so a reading is exact per field but not an atomic snapshot.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"

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

// The counts as a door keeps them: any thread adds to any of them.
struct GatewayCounters {
  std::atomic<uint64_t> requests{0}, replies{0}, failed{0}, timeouts{0}, refused{0},
      unknown_targets{0}, bad_requests{0}, overloaded{0}, replies_dropped{0};

  GatewayStats read() const {
    constexpr auto kRelaxed = std::memory_order_relaxed;
    return GatewayStats{
        requests.load(kRelaxed),     replies.load(kRelaxed),    failed.load(kRelaxed),
        timeouts.load(kRelaxed),     refused.load(kRelaxed),    unknown_targets.load(kRelaxed),
        bad_requests.load(kRelaxed), overloaded.load(kRelaxed), replies_dropped.load(kRelaxed)};
  }
  // A request passed on was answered with `error`.
  void count_failure(const absl::Status& error) {
    failed.fetch_add(1, std::memory_order_relaxed);
    if (error.code() == absl::StatusCode::kDeadlineExceeded) {
      timeouts.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

}  // namespace bossa::gateway
