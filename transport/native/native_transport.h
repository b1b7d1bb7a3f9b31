// NativeTransport: the brokerless `native` backend of Transport, over bossa::socket.
//
// Each node binds one PULL socket at its `listen` endpoint and connects one PUSH socket to every
// peer's endpoint, so what one node sends another travels one ordered connection (ordering per
// pair of nodes). Nodes meet through seeds: a starting node says Hello to each seed, a seed answers
// with the nodes it knows, and the newcomer says Hello to those: the cluster is a full mesh.
// Every node sends a heartbeat to every peer each `heartbeat_interval`; a peer silent for
// `node_down_after` is declared down and its connection dropped. A node that leaves says Bye, so
// its peers see it down at once. Seeds not currently members are greeted again every second, so
// a node that was cut off rejoins when the network heals. The frames are in native_wire.h.
//
// Sending batches: on an idle link, send() sends the envelope at once from the caller's thread
// (a batch of one), so a request and its answer never wait. When sends follow each other closely
// (within kStreamingGap) the link is streaming: envelopes join the peer's batch, which the node's
// flusher thread sends kBatchDelay (100 us) after it began (at once for a batch of large
// messages). The link streams until a whole kBatchDelay passes without a send, so under load many
// envelopes share each socket message of up to 64 KiB (chunked_batch.h; the receiver decodes them
// in place) and the flusher sends while the senders go on. A batch that reaches kMaxBatchBytes
// makes send() wait for room, up to node_down_after: back-pressure rather than loss on a healthy
// but slower peer.
//
// One thread per node reads the PULL socket (polling for up to busy_wait before it sleeps), runs
// the handler and keeps the time (heartbeats, silence, seeds); the flusher thread writes batches.
// Peers that went silent are greeted again for a minute, as the seeds are for ever, so that a
// cluster split by the network joins up again when it heals.
//
// Trust: the native transport trusts its network, as Erlang distribution without TLS does: a
// peer that can reach the listen endpoint can claim any node's id. Bind it to loopback or a
// private network.
// The jobs live apart: Membership (membership.h), Liveness (liveness.h), the ReceiveLoop
// (receive_loop.h) and each link's LinkBatcher (link_batcher.h); this class wires them together.
// Thread-safety: as Transport. Locks are taken in the order Membership's, a link's batch lock,
// its socket lock; a thread that may wait for the second or the third holds a reference to the
// link instead of the first.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "transport/native/chunk_pool.h"
#include "transport/native/liveness.h"
#include "transport/native/membership.h"
#include "transport/native/receive_loop.h"
#include "transport/socket/core/context.h"
#include "transport/transport.h"

namespace bossa::transport {

class NativeTransport final : public Transport {
 public:
  explicit NativeTransport(TransportConfig config);
  ~NativeTransport() override;

  absl::Status start(const NodeIdentity& self, TransportHandler& handler) override;
  absl::Status send(uint32_t to, std::string_view envelope) override;
  void broadcast(std::string_view envelope) override;
  std::vector<NodeIdentity> nodes() const override;
  std::string endpoint() const override { return endpoint_; }
  void stop() override;

 private:
  const TransportConfig config_;
  socket::Context context_{1};
  ChunkPool chunk_pool_;  // the buffers of sent chunks, for new ones
  std::atomic<bool> running_{false};

  // The flusher: sends the links' batches and retries refused ones.
  boost::asio::io_context flusher_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      flusher_work_;
  std::thread flusher_thread_;

  Liveness liveness_;
  Membership membership_;
  ReceiveLoop receive_loop_;
  std::string endpoint_;  // the bound listen endpoint, port resolved; set by start()
};

}  // namespace bossa::transport
