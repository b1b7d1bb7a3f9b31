// AmqpTransport: the `amqp` backend of Transport, over a RabbitMQ broker through rabbitmq-c.
//
// Every node owns a queue on the broker. Envelopes travel in batches through a direct exchange
// keyed by node id, published mandatory and numbered per destination; global names are bindings of
// the holder's queue, so the broker routes by name and any AMQP client can reach a named actor;
// membership is announced on a fanout exchange, and a hello on a node's queue tells it where it
// stands (amqp_topology.h names it all, amqp_peers.h tells sessions and incarnations apart). A
// node logs in as the broker user named after it, and takes what claims to come from a node only
// from that node's user, by the user_id the broker validated (unless config.amqp.shared_user). One
// thread per node owns a publishing and a consuming connection. docs/transports.md explains the
// design, broker failures, flow control and publisher confirms.
//
// send() queues for that thread and wakes it; a full queue makes it wait up to node_down_after,
// then fail with ResourceExhausted. A Lane::kControl envelope does not wait for that room, but
// travels the peer's node queue in order with data: liveness does not depend on it (presence has
// queues of its own), and a control queue per node is not there yet. A gap in the numbers a peer
// sends, or a hello saying it broke off, makes both sides start over with each other (node down,
// then up). On broker loss the thread reconnects with backoff and announces a new session; the
// peers stay up meanwhile, for up to reconnect_grace, and what send() accepted waits to leave
// after the reconnection. Without a grace, or once it ends, every peer goes down here and what was
// not yet published or confirmed is reported undelivered (with confirms, one may have been
// delivered all the same).
// A message to a global name with reply_to is a request from outside the cluster
// (on_outside_request); its answer (answer_outside) leaves on the default exchange for reply_to,
// mandatory, so that one the broker cannot route comes back and is reported lost.
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
  // A node's broker user is its name (unless every node shares one user: then empty).
  std::string peer_key(uint32_t node) const override;
  absl::Status answer_outside(OutsideAnswer answer) override;

 private:
  using Clock = std::chrono::steady_clock;

  struct Outbound {
    uint32_t to;
    std::string envelope;
  };
  // What goes to one node in one AMQP message: envelopes (transport/envelope_batch.h), or a hello
  // carrying the epoch the node is known under here.
  struct Batch {
    uint32_t to;
    std::string envelopes;
    std::optional<uint64_t> hello;
    uint64_t number = 0;  // given as it first leaves, and kept should it have to leave again
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
  // Moves what send() queued into the pending batches; unless `all`, only while they are few.
  void batch_outbound(bool all);
  bool pending_full() const;
  // A pending batch may leave: its node is not held.
  bool has_publishable() const;
  // Moves the answers queued by answer_outside into replies_.
  void take_answers();
  // Publishes replies_ while the socket can take them.
  absl::Status publish_replies(Session& session);
  // The node is stopping: every answer not yet published is reported lost.
  void drop_answers(std::string_view reason);
  // Publishes pending batches while the socket can take them, up to kMaxBytesPerTurn.
  absl::Status publish_pending(Session& session);
  absl::Status publish(Session& session, std::string_view exchange, std::string_view key,
                       amqp_basic_properties_t& properties, std::string_view body, bool mandatory);
  // Tells the handler that each envelope of `batch` was not delivered.
  void report_undelivered(const Batch& batch, std::string_view reason);
  // Reports whatever is still on its way: the session's unconfirmed batches (if there is a
  // session), pending batches, queued envelopes.
  void report_in_flight(Session* session, std::string_view reason);
  absl::Status announce(Session& session);
  // Fails if the broker has sent nothing to consume for one and a half heartbeat periods.
  absl::Status check_heartbeats(const Session& session) const;
  absl::Status read_publisher(Session& session);
  // Reads what the broker delivered; `handed_in` tells whether any of it went to the node.
  absl::Status read_consumer(Session& session, bool& handed_in);
  absl::Status handle_frame(Session& session, const amqp_frame_t& frame, bool publisher);
  void settle(Session& session, uint64_t tag, bool multiple, bool refused);
  void on_delivery(Session& session, const amqp_envelope_t& delivery);
  void on_presence(const amqp_basic_properties_t& properties);
  void on_node_envelope(const amqp_envelope_t& delivery);
  // A hello from `node`: `sequence` is the last number it gave a batch for this node.
  void on_hello(const NodeIdentity& node, uint64_t session, uint64_t sequence, uint64_t epoch);
  // Whether the broker user that published a message claiming to come from `sender` speaks for
  // it: its validated user_id is the node's name (or the nodes share one user). If not, the
  // handler hears of `what` (on_forged_sender) and the message is to be dropped.
  bool speaks_for(const amqp_basic_properties_t& properties, const NodeIdentity& sender,
                  std::string_view what);
  void on_outside_message(const amqp_envelope_t& delivery);
  // Tells the handler what hearing from `node` in `session` changed; false if it was stale.
  bool note_heard(const NodeIdentity& node, uint64_t session);
  // Queues a hello for node `to` after whatever send() queued for it before.
  void say_hello(uint32_t to, uint64_t epoch);
  // After a batch for node `to` was lost (returned, refused): a hello, if the node is up, so that
  // it notices the gap now rather than at its next batch.
  void hello_again(uint32_t to);
  // Starts over with `node`, which stays up: down, then up again; `ours` as in AmqpPeers::renew.
  void renew(const NodeIdentity& node, bool ours, std::string_view reason);
  void expire_silent();
  // The session is over. Without a grace, what it had in flight is reported and every peer goes
  // down; with one, the peers stay, and what the broker did not confirm waits to leave again.
  void lose(Session& session, const absl::Status& why);
  // The grace ended without the broker: what waits is reported and every peer goes down.
  void give_up();
  void drop_peers(std::string_view reason);
  // After a reconnection: the peers kept have until the grace ends (node_down_after at least) to
  // be heard, and what is for each waits until it is, after a hello.
  void resume();
  // Publishes what is left, says bye to each peer after it, and lets go of the queue; the thread
  // is stopping.
  void leave(Session& session);
  // Sleeps until input, a wake() or `until`; first polls for up to busy_wait if `spin`.
  void wait_for_input(Session* session, Clock::time_point until, bool spin);
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
  // Answers to clients outside the cluster, queued until the node thread takes them; taken only
  // while `answering_` (from start until the thread ends).
  std::vector<OutsideAnswer> answers_ ABSL_GUARDED_BY(mutex_);
  bool answering_ ABSL_GUARDED_BY(mutex_) = false;

  // Node thread only.
  absl::flat_hash_set<std::string> bound_names_;  // names this node's queue is bound with
  uint64_t last_session_ = 0;
  std::deque<Batch> pending_;          // batched, waiting for the publishing socket
  std::deque<OutsideAnswer> replies_;  // answers waiting for the publishing socket
  // While the peers are kept through a broker outage: when the grace ends, and why it began.
  std::optional<Clock::time_point> grace_ends_;
  Clock::time_point lost_at_;
  std::string lost_reason_;
  // Peers kept through the outage and not heard since the reconnection: their queue may not be
  // back yet, so what is for them waits.
  absl::flat_hash_set<uint32_t> held_;

  absl::flat_hash_map<uint32_t, uint64_t> next_sequence_;  // per destination: the last one given
  absl::flat_hash_map<uint32_t, uint64_t> last_sequence_;  // per sender: the last one received
  // Senders whose numbers count in their incarnation here: a gap after the last one is a loss.
  absl::flat_hash_set<uint32_t> counting_;
  Clock::time_point next_announce_;

  std::atomic<std::thread::id> thread_id_;  // the node thread, set as it starts
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace bossa::transport
