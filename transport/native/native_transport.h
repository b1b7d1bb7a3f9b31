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
// Thread-safety: as Transport. Locks are taken in the order members_mutex_, a link's batch lock
// (link_batcher.h), its socket lock (native_link.h); a thread that may wait for the second or the
// third holds a reference to the link instead of the first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "transport/native/chunk_pool.h"
#include "transport/native/native_link.h"
#include "transport/native/native_wire.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
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
  using Clock = std::chrono::steady_clock;

  struct Member {
    NativeMember member;
    std::shared_ptr<NativeLink> link;
    Clock::time_point last_heard;
  };

  void run();
  void handle(socket::Message message);
  void on_hello(const NativeHeader& header, std::string_view body, bool answer);
  // Drops members that `member` replaces: an earlier run of it (same name or same endpoint).
  void drop_replaced(const NativeMember& member);
  void add_member(const NativeMember& member);
  void drop_member(uint32_t id, std::string_view reason);
  void tick(Clock::time_point now);
  NativeHello hello() const;
  // The link to `endpoint`, connected on first use. Receive thread only.
  std::shared_ptr<NativeLink> link_to(const std::string& endpoint);

  // Constant after construction / start.
  const TransportConfig config_;
  NodeIdentity self_;
  TransportHandler* handler_ = nullptr;
  socket::Context context_{1};
  ChunkPool chunk_pool_;  // the buffers of sent chunks, for new ones
  socket::Socket pull_;
  std::string endpoint_;  // the bound listen endpoint, port resolved; set by start()
  std::optional<LinkContext> link_context_;  // set by start()

  mutable std::shared_mutex members_mutex_;
  absl::flat_hash_map<uint32_t, Member> members_ ABSL_GUARDED_BY(members_mutex_);

  // Receive thread only.
  absl::flat_hash_map<std::string, std::shared_ptr<NativeLink>> links_;  // by endpoint
  // Endpoints of peers that went silent, greeted with the seeds until the time given.
  absl::flat_hash_map<std::string, Clock::time_point> former_;
  Clock::time_point next_heartbeat_;
  Clock::time_point next_seed_hello_;

  boost::asio::io_context flusher_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      flusher_work_;
  std::thread flusher_thread_;

  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace bossa::transport
