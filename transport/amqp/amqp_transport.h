// AmqpTransport: the `amqp` backend of Transport, over a RabbitMQ broker through rabbitmq-c.
//
// Every node owns a queue on the broker. Envelopes travel in batches through a direct exchange
// keyed by node id, published mandatory; global names are bindings of the holder's queue, so the
// broker routes by name and any AMQP client can reach a named actor; membership is announced on a
// fanout exchange (amqp_topology.h names it all, amqp_peers.h tells sessions apart). One thread
// per node owns a publishing and a consuming connection. docs/transports.md explains the design,
// broker failures, flow control and publisher confirms.
//
// send() queues for that thread and wakes it; a full queue makes it wait up to node_down_after,
// then fail with ResourceExhausted. A Lane::kControl envelope does not wait for that room, but
// travels the peer's node queue in order with data: liveness does not depend on it (presence has
// queues of its own), and a control queue per node is not there yet. On broker loss every peer
// goes down here, envelopes not yet published or confirmed are reported undelivered (with
// confirms, one may have been delivered all the same), and the thread reconnects with backoff and
// announces a new session.
// Thread-safety: as Transport.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "base/mutex.h"
#include "transport/amqp/amqp_connection.h"
#include "transport/amqp/amqp_peers.h"
#include "transport/amqp/amqp_topology.h"
#include "transport/amqp/amqp_url.h"
#include "transport/transport.h"

namespace bossa::transport {

class AmqpTransport final : public Transport {
 public:
  // `url` is config.amqp.url, parsed (make_transport parses it and reports a bad one).
  AmqpTransport(TransportConfig config, AmqpUrl url);
  ~AmqpTransport() override;

  absl::Status start(const NodeIdentity& self, TransportHandler& handler) override;
  absl::Status send(uint32_t to, std::string_view envelope, Lane lane = Lane::kData) override;
  void broadcast(std::string_view envelope, Lane lane = Lane::kData) override;
  std::vector<NodeIdentity> nodes() const override;
  std::string endpoint() const override { return {}; }
  void stop() override;
  void advertise_name(std::string_view name, bool held) override;

 private:
  using Clock = std::chrono::steady_clock;

  struct Outbound {
    uint32_t to;
    std::string envelope;
  };
  // Envelopes for one node in one AMQP message (transport/envelope_batch.h).
  struct Batch {
    uint32_t to;
    std::string envelopes;
  };
  struct Unconfirmed {
    uint64_t tag;
    Batch batch;
  };
  // A connected period: the two connections and what is in flight on them. Node thread only.
  struct Session {
    std::unique_ptr<AmqpConnection> consumer;
    std::unique_ptr<AmqpConnection> publisher;
    uint64_t id = 0;  // this node's session, as peers see it (amqp_peers.h)
    Clock::time_point began;
    Clock::time_point consumer_heard;  // when the broker last sent something to consume
    bool writable = true;              // the publishing socket could take more when last polled
    std::deque<Batch> pending;         // batched, waiting for the publishing socket
    uint64_t next_publish_tag = 1;
    std::deque<Unconfirmed> unconfirmed;  // with confirms: published, not yet confirmed
    uint64_t unacked_delivery = 0;        // with confirms: the last delivery not yet acknowledged
    bool blocked = false;                 // the broker sent connection.blocked
  };

  absl::StatusOr<Session> connect();
  void run(Session session);
  // One turn of the loop: bindings, publishing, presence, reading, then waiting for input.
  absl::Status serve(Session& session);
  absl::Status apply_bindings(Session& session);
  // Not while the broker blocks this node, nor with kMaxUnconfirmed envelopes unconfirmed.
  bool can_publish(const Session& session) const;
  // Moves what send() queued into the session's pending batches.
  void batch_outbound(Session& session);
  // Publishes pending batches while the socket can take them, up to kMaxBytesPerTurn.
  absl::Status publish_pending(Session& session);
  absl::Status publish(Session& session, std::string_view exchange, std::string_view key,
                       amqp_basic_properties_t& properties, std::string_view body, bool mandatory);
  // Tells the handler that each envelope of `batch` was not delivered.
  void report_undelivered(const Batch& batch, std::string_view reason);
  // Reports whatever the session still holds: pending batches, unconfirmed ones, queued envelopes.
  void report_in_flight(Session& session, std::string_view reason);
  absl::Status announce(Session& session);
  // Fails if the broker has sent nothing to consume for one and a half heartbeat periods.
  absl::Status check_heartbeats(const Session& session) const;
  absl::Status read_publisher(Session& session);
  absl::Status read_consumer(Session& session);
  absl::Status handle_frame(Session& session, const amqp_frame_t& frame, bool publisher);
  void settle(Session& session, uint64_t tag, bool multiple, bool refused);
  void on_delivery(Session& session, const amqp_envelope_t& delivery);
  void on_presence(const amqp_basic_properties_t& properties);
  void on_node_envelope(const amqp_envelope_t& delivery);
  void on_outside_message(const amqp_envelope_t& delivery);
  // Tells the handler what hearing from `node` in `session` changed; false if it was stale.
  bool note_heard(const NodeIdentity& node, uint64_t session);
  void expire_silent();
  // Reports what the session had in flight and every peer down; the session is over.
  void lose(Session& session, const absl::Status& why);
  // Publishes what is left, says bye to each peer after it, and lets go of the queue; the thread
  // is stopping.
  void leave(Session& session);
  void wait_for_input(Session* session, Clock::time_point until);
  void wake();

  // Constant after construction / start.
  const TransportConfig config_;
  const AmqpUrl url_;
  const AmqpTopology topology_;
  NodeIdentity self_;
  std::string queue_;  // this node's queue
  TransportHandler* handler_ = nullptr;
  int wake_fd_ = -1;

  mutable Mutex mutex_;
  CondVar room_;  // outbound_ has room again
  AmqpPeers peers_ ABSL_GUARDED_BY(mutex_);
  std::vector<Outbound> outbound_ ABSL_GUARDED_BY(mutex_);
  // Global names of local actors and whether their binding is wanted.
  absl::flat_hash_map<std::string, bool> binding_changes_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_set<std::string> advertised_ ABSL_GUARDED_BY(mutex_);

  // Node thread only.
  absl::flat_hash_set<std::string> bound_names_;  // names this node's queue is bound with
  uint64_t last_session_ = 0;

  absl::flat_hash_map<uint32_t, uint64_t> next_sequence_;  // with confirms: per destination
  absl::flat_hash_map<uint32_t, uint64_t> last_sequence_;  // with confirms: per sender
  Clock::time_point next_announce_;

  std::atomic<std::thread::id> thread_id_;  // the node thread, set as it starts
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace bossa::transport
