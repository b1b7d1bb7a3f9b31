// NativeTransport: the brokerless `native` backend of Transport, over bossa::socket.
//
// Each node binds one PULL socket at its `listen` endpoint and, towards each peer it talks to,
// connects two PUSH sockets to the peer's, data and control (native_wire.h), so what one node
// sends another on one lane travels one ordered connection, and control never waits behind data.
// The work is split: Membership (the members, as the membership protocol of swim.h tells, and
// the links, opened on demand; membership.h), the ReceiveLoop (the thread reading the PULL
// socket and keeping the time; receive_loop.h) and, per link, a LinkBatcher (batching and
// back-pressure; link_batcher.h) whose batches the node's flusher thread sends. This class owns
// them and wires them together; docs/cluster.md tells the whole.
//
// Trust (docs/security.md): with security "curve", the default, every connection is CURVE:
// encrypted, the listen endpoint proves the node's key, and a connecting node is admitted only
// with a key it trusts (trusted_keys.h); a node id is then taken only from a connection that
// authenticated with the key the node is known by (receive_loop.h). With security "none" a peer
// that can reach the listen endpoint can claim any node's id (the node warns of it at start).
// Thread-safety: as Transport. Locks are taken in the order Membership's, a link's control lock,
// its batch lock, its socket lock; a thread that may wait for the second or the third holds a
// reference to the link instead of the first.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "transport/native/chunk_pool.h"
#include "transport/native/membership.h"
#include "transport/native/receive_loop.h"
#include "transport/native/trusted_keys.h"
#include "transport/socket/core/context.h"
#include "transport/transport.h"

namespace bossa::transport {

class NativeTransport final : public Transport {
 public:
  explicit NativeTransport(TransportConfig config);
  ~NativeTransport() override;

  absl::Status start(const NodeIdentity& self, TransportHandler& handler) override;
  absl::Status send(uint32_t to, std::string_view envelope, Lane lane = Lane::kData) override;
  void broadcast(std::string_view envelope, Lane lane = Lane::kData) override;
  uint64_t data_watermark(uint32_t to) const override { return membership_.data_accepted(to); }
  std::vector<NodeIdentity> nodes() const override;
  std::string endpoint() const override { return endpoint_; }
  void stop() override;
  ConnectionStats connection_stats() const override;
  uint64_t bytes_sent() const override { return bytes_sent_.load(std::memory_order_relaxed); }
  std::string peer_key(uint32_t node) const override { return membership_.key_of(node); }

 private:
  // Room kept in a message for the native frame and the batch's length prefix around one envelope.
  static constexpr int64_t kFramingAllowance = 4096;

  const TransportConfig config_;
  socket::Context context_{1};
  ChunkPool chunk_pool_;  // the buffers of sent chunks, for new ones
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> bytes_sent_{0};  // LinkContext::bytes_sent

  // The flusher: sends the links' batches and retries refused ones.
  boost::asio::io_context flusher_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      flusher_work_;
  std::thread flusher_thread_;

  Membership membership_;
  std::optional<TrustedKeys> trusted_keys_;  // with security only
  ReceiveLoop receive_loop_;
  std::string endpoint_;  // the bound listen endpoint, port resolved; set by start()
};

}  // namespace bossa::transport
