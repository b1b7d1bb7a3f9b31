// NodeCounters: what a node counts about its traffic with other nodes, for metrics and status.
//
// Relaxed atomics: each counter is exact, a set of them read together is not a snapshot.
#pragma once

#include <atomic>
#include <cstdint>

namespace bossa {

struct NodeCounters {
  std::atomic<uint64_t> messages_out{0};  // envelopes handed to the transport
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> messages_in{0};  // envelopes received and decoded
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> decode_errors{0};  // envelopes dropped as malformed or unknown
  std::atomic<uint64_t> rejected{0};       // what the transport dropped before it had an envelope
  // Of those, what claimed to come from a node that its authenticated sender does not speak for
  // (TransportHandler::on_forged_sender).
  std::atomic<uint64_t> forged_senders{0};
  // Envelopes refused because their sender's key may not do what they ask ([[authorization]]).
  std::atomic<uint64_t> unauthorized{0};
  std::atomic<uint64_t> undeliverable{0};       // dead letters for another node: not up, or the
                                                // transport reported them undelivered
  std::atomic<uint64_t> nodes_up{0};            // node-up events seen
  std::atomic<uint64_t> nodes_down{0};          // node-down events seen
  std::atomic<uint64_t> envelopes_in_doubt{0};  // sent to nodes that went down, not acknowledged
                                                // (transport::DeliveryTally::in_doubt)

  static void add(std::atomic<uint64_t>& counter, uint64_t n = 1) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  // add() for a counter that one thread at a time writes (the transport's, whose calls are
  // serialized): without a locked instruction.
  static void add_one_writer(std::atomic<uint64_t>& counter, uint64_t n = 1) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

}  // namespace bossa
