// AckLedger: what one native link knows of what its peer received, for the DeliveryTally a node
// down reports.
//
// The link counts the envelopes it accepted (each envelope of a batch one, both lanes); the peer
// counts those it received from this node since it took the node for a member and sends that
// count back as a cumulative ack in its heartbeats and its Bye (native_wire.h). When the peer goes
// down, accepted = acked + in doubt, exactly. Acks only grow, and one above what the link accepted
// is ignored: it counts another link's envelopes (the peer kept counting across a run of this
// link it did not see end), so such a tally errs towards doubt, never towards delivery.
//
// Thread-safety: thread-safe; acks come from the receive thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "transport/transport.h"

namespace bossa::transport {

class AckLedger {
 public:
  // Notes the peer's cumulative `ack` while the link has accepted `accepted` envelopes. False when
  // it is ignored: above `accepted`.
  bool on_ack(uint64_t ack, uint64_t accepted) {
    if (ack > accepted) return false;
    uint64_t known = acked_.load(std::memory_order_relaxed);
    while (ack > known && !acked_.compare_exchange_weak(known, ack, std::memory_order_relaxed)) {
    }
    return true;
  }
  // The tally once the link accepted `accepted` envelopes in all.
  DeliveryTally tally(uint64_t accepted) const {
    return DeliveryTally{accepted, std::min(accepted, acked_.load(std::memory_order_relaxed))};
  }

 private:
  std::atomic<uint64_t> acked_{0};
};

}  // namespace bossa::transport
