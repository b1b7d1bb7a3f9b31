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
// One thread per node reads the PULL socket, runs the handler and keeps the time (heartbeats,
// silence, seeds). send() may block the calling thread while the peer's queue is full (up to
// node_down_after): back-pressure rather than loss on a healthy but slower peer.
// Thread-safety: as Transport.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
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
  absl::Status send(uint32_t to, std::string bytes) override;
  void broadcast(const std::string& bytes) override;
  std::vector<NodeIdentity> nodes() const override;
  void stop() override;

  // Messages dropped because they were malformed or came from a node that is not a member.
  uint64_t rejected_messages() const noexcept { return rejected_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;

  // The PUSH socket towards one endpoint; its mutex serializes the threads that send on it.
  struct Link {
    std::mutex mutex;
    socket::Socket push;
    explicit Link(socket::Context& context);
  };
  struct Member {
    NativeMember member;
    std::shared_ptr<Link> link;
    Clock::time_point last_heard;
  };

  void run();
  void handle(socket::Message message);
  void on_hello(const NativeHeader& header, std::string_view body, bool answer);
  void add_member(const NativeMember& member);
  void drop_member(uint32_t id, std::string_view reason);
  void tick(Clock::time_point now);
  NativeHello hello() const;
  // The link to `endpoint`, connected on first use. Receive thread only.
  std::shared_ptr<Link> link_to(const std::string& endpoint);
  // Queues without waiting: what the receive thread sends may be lost, never waited for.
  void send_on(Link& link, NativeKind kind, std::string body);

  // Constant after construction / start.
  const TransportConfig config_;
  NodeIdentity self_;
  TransportHandler* handler_ = nullptr;
  socket::Context context_{1};
  socket::Socket pull_;

  mutable std::shared_mutex members_mutex_;
  absl::flat_hash_map<uint32_t, Member> members_;  // guarded by members_mutex_

  // Receive thread only.
  absl::flat_hash_map<std::string, std::shared_ptr<Link>> links_;  // by endpoint
  Clock::time_point next_heartbeat_;
  Clock::time_point next_seed_hello_;

  std::atomic<bool> running_{false};
  std::atomic<uint64_t> rejected_{0};
  std::thread thread_;
};

}  // namespace bossa::transport
