// Transport: how bossa nodes move envelopes between one another, whatever carries them.
//
// A transport knows nodes by id and name and moves opaque byte strings (encoded envelopes,
// serialization/envelope.h) between them; it also tells who is in the cluster. The runtime sees
// only this interface: the backend is chosen by the config's `kind` through make_transport().
//
//   local   nodes in one process joined by a LocalNetwork (tests; transport/local/)
//   native  bossa's socket engine over tcp or ipc, brokerless (transport/native/)
//   amqp    a RabbitMQ broker (transport/amqp/)
//
// Delivery contract, the same for every backend (tests/cluster proves it for each):
//   - at most once, and in order per pair of nodes: what node A sends node B arrives in the order
//     A sent it, or not at all;
//   - on_node_up(X) comes before any envelope from X, and on_node_down(X) after the last one;
//   - every run of on_envelope calls (a batch, or one envelope) ends with on_batch_end before the
//     backend waits for more;
//   - a node that stops answering is declared down within `node_down_after` of its silence; on
//     amqp, silence while this node has lost the broker says nothing, so a peer that vanished
//     during a broker outage is declared down once reconnect_grace has passed since the loss (or
//     node_down_after after the reconnection, if later);
//   - control envelopes (Lane::kControl) never wait behind data: each backend carries them apart
//     from the data lane or ahead of it. Order holds within a lane, not across the two.
//
// Lifetime: start() once, then send/broadcast/nodes from any thread until stop(). stop() is
// idempotent; after it returns no handler call is running or will start. Destroying a started
// transport stops it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "transport/transport_config.h"

namespace bossa::transport {

// Which lane of a link an envelope travels. Control is for what keeps the cluster's state right
// (links, monitors, exit and down signals, the global-name protocol, rpc control): it never
// waits behind data, so a signal may overtake a message sent before it. Data is every user
// message, request and reply.
enum class Lane { kData, kControl };

// Who a node is. Ids are chosen by each node at start and differ between two runs of one name.
struct NodeIdentity {
  uint32_t id = 0;
  std::string name;

  friend bool operator==(const NodeIdentity&, const NodeIdentity&) = default;
};

// What a transport reports to its node. Calls are serialized (never two at once) and come from a
// transport thread; they must not block for long, nor call the transport's stop().
// What a listen endpoint holds and has turned away (TransportConfig's limits).
struct ConnectionStats {
  uint64_t open = 0;              // accepted connections open now
  uint64_t handshaking = 0;       // of those, still in their handshake
  uint64_t refused = 0;           // closed as accepted: max_connections or max_handshakes reached
  uint64_t closed_bad_input = 0;  // closed for what the peer sent: malformed, too large, too slow
  uint64_t refused_keys = 0;      // of those, a key (or user) the authenticator refused
};

// What a backend can say, when a node goes down, of the envelopes send() accepted for it (both
// lanes, each envelope one). A backend that does not count says zeros.
struct DeliveryTally {
  uint64_t accepted = 0;  // envelopes send() accepted for the node (returned OK)
  uint64_t acked = 0;     // of those, how many the node said it received; at most `accepted`
  // Neither acknowledged nor reported (on_undelivered): delivered or lost, nobody knows which.
  uint64_t in_doubt() const { return accepted - acked; }

  friend bool operator==(const DeliveryTally&, const DeliveryTally&) = default;
};

// Where the answer to a request from outside the cluster goes; opaque to the node (amqp: the
// client's reply_to queue and the correlation_id to echo).
struct OutsideReturn {
  std::string reply_to;
  std::string correlation_id;
};

// A request from a client outside the cluster, which wants an answer (amqp: a message to a global
// name that names a reply_to). The node answers each once, through Transport::answer_outside.
struct OutsideRequest {
  std::string target;  // the global name it was addressed to
  std::string content_type;
  std::string body;  // untrusted
  // Who sent it, as the backend authenticated it (amqp: the user_id the broker validated); empty
  // if the client did not say.
  std::string user;
  absl::Duration timeout = absl::InfiniteDuration();  // infinite: the client named none
  OutsideReturn to;
};

// The answer to an OutsideRequest: `status` is "OK" or an error code's name ("NOT_FOUND"), the
// body the reply or, for an error, a text/plain line saying why.
struct OutsideAnswer {
  OutsideReturn to;
  std::string status;
  std::string content_type;
  std::string body;
};

class TransportHandler {
 public:
  virtual ~TransportHandler() = default;
  // An envelope that node `from` sent this node. `bytes` is untrusted and valid only during the
  // call.
  virtual void on_envelope(uint32_t from, std::string_view bytes) = 0;
  // The envelopes handed over since the last call (one batch, or one envelope) are all there is
  // for now. Called after them, before the transport waits for more: the handler may hold messages
  // back until then to pass on several to one actor at once.
  virtual void on_batch_end() = 0;
  virtual void on_node_up(const NodeIdentity& node) = 0;
  // `reason` says why, for logs: "left", "silent for 2s", "connection lost". `tally` accounts for
  // what this node sent `node`: native counts and acknowledges every envelope; local says zeros
  // (nothing is in flight in one process); amqp says zeros too, since what the broker confirmed
  // waits in the peer's queue and what it did not is reported through on_undelivered. (Without
  // publisher confirms, what sat in a queue that a broker restart destroyed is counted nowhere: its
  // receiver sees the gap in the numbers and the pair goes down and up again, reason "N batches it
  // sent were lost on the way" on one side and "it had this node down" on the other.)
  virtual void on_node_down(const NodeIdentity& node, std::string_view reason,
                            const DeliveryTally& tally) = 0;
  // An envelope this node sent `to` that the backend learned was not delivered after send()
  // accepted it (amqp: the broker returned it as unroutable or refused it; or the connection
  // dropped before it was published or confirmed and the broker was not back within
  // reconnect_grace, or this node stopped meanwhile). `envelope` is valid only during the call.
  virtual void on_undelivered(uint32_t to, std::string_view envelope, std::string_view reason) = 0;
  // Something arrived that the backend dropped before it could hand it over as an envelope from a
  // member: framing that does not parse, a sender that is not a member, an outside AMQP message
  // that does not decode. `what` says which and from where, for logs. The connection goes on.
  virtual void on_rejected(std::string_view what) = 0;
  // Something arrived that claims to come from a node, and the party the backend authenticated
  // does not speak for that node (amqp: the broker-validated user_id is not the node's broker
  // user; native: the connection's CURVE key is not the node's). Dropped like on_rejected, which
  // the default calls; `what` names the claimed node and who actually sent it.
  virtual void on_forged_sender(std::string_view what) { on_rejected(what); }
  // A request from a client outside the cluster (amqp: a message to a global name with reply_to).
  // The default refuses it, for a node that answers no such request.
  virtual void on_outside_request(OutsideRequest /*request*/) {
    on_rejected("a request from outside the cluster, which this node does not answer");
  }
  // An answer that answer_outside() accepted did not reach its client: the broker returned it (no
  // queue `reply_to`: the client went away or never had one), or the node stopped first.
  virtual void on_outside_answer_lost(std::string_view /*why*/) {}
  // A line about the backend's connections, for the node's log: one closed for bad input, one
  // refused at a limit, seeds that do not answer. Any of the backend's threads; a flood of them
  // may arrive.
  virtual void on_connection_log(std::string_view line) = 0;
  // A member refused to let this node join, saying why (`why`: another node, running, has this
  // node's name). The node keeps trying; this comes again at each refusal.
  virtual void on_join_refused(std::string_view why) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Joins the cluster as `self`; from now on `handler` (which must outlive the transport's
  // stop()) hears about envelopes and nodes. Errors name what failed (an endpoint that cannot be
  // bound, a broker that cannot be reached).
  virtual absl::Status start(const NodeIdentity& self, TransportHandler& handler) = 0;

  // Queues a copy of `envelope` for node `to` on `lane`. Unavailable if `to` is not up;
  // ResourceExhausted if that lane's queue stayed full for node_down_after. OK means queued, not
  // delivered.
  virtual absl::Status send(uint32_t to, std::string_view envelope, Lane lane = Lane::kData) = 0;

  // Queues a copy of `envelope` on `lane` for every node that is up.
  virtual void broadcast(std::string_view envelope, Lane lane = Lane::kData) = 0;

  // How many data envelopes send() has accepted for node `to` since it came up: a control envelope
  // sent now may overtake those, and its receiver can hold it until as many have arrived. 0 from
  // a backend whose lanes keep one order (nothing overtakes) and for a node that is not up. Any
  // thread.
  virtual uint64_t data_watermark(uint32_t /*to*/) const { return 0; }

  // The nodes that are up now, this one not included.
  virtual std::vector<NodeIdentity> nodes() const = 0;

  // Where other nodes reach this one once started (the native transport's bound endpoint, its
  // port resolved), for their seeds; empty if the backend has no such address.
  virtual std::string endpoint() const = 0;

  // Leaves the cluster: peers see this node go down ("left") at once where the backend can tell
  // them, else when its silence is noticed.
  virtual void stop() = 0;

  // A global name held by an actor of this node was taken (`held`) or let go. A backend that
  // routes by name (amqp: a binding of this node's queue) lets clients outside the cluster reach
  // the actor by that name; the others have nothing to do. Any thread.
  virtual void advertise_name(std::string_view /*name*/, bool /*held*/) {}

  // Queues `answer` for the client of an OutsideRequest. FailedPrecondition from a backend that
  // takes no requests from outside, or once stopped; OK means queued: if it then fails to arrive,
  // on_outside_answer_lost says so. Any thread.
  virtual absl::Status answer_outside(OutsideAnswer /*answer*/) {
    return absl::FailedPreconditionError("this transport answers no client outside the cluster");
  }

  // Who node `node` authenticated as, for the node's authorization (cluster/authorization.h):
  // native with security, its CURVE public key (32 octets); amqp with a broker user per node,
  // its broker user. Empty for a node that is not up, and from a backend or a setup that
  // authenticates nobody (local, security = "none", a shared broker user): a full member. Any
  // thread.
  virtual std::string peer_key(uint32_t /*node*/) const { return {}; }

  // The connections the backend's listen endpoint has accepted (native; zeros elsewhere). Any
  // thread.
  virtual ConnectionStats connection_stats() const { return {}; }

  // Octets this node has sent other nodes since start: envelopes and the backend's own frames
  // (native: Hellos, heartbeats, acks, Bye; the octets of its messages as its sockets accepted
  // them, without the ZMTP and TCP framing around them). 0 from a backend that does not count
  // (local, amqp). Any thread.
  virtual uint64_t bytes_sent() const { return 0; }
};

class LocalNetwork;

// What make_transport may need beyond the config.
struct TransportEnvironment {
  // The network a `local` transport joins; if null, the node is alone in its own network.
  LocalNetwork* local_network = nullptr;
};

// Makes the backend the config's `kind` names. InvalidArgument for an unknown kind or an option
// the backend cannot use.
absl::StatusOr<std::unique_ptr<Transport>> make_transport(const TransportConfig& config,
                                                          const TransportEnvironment& environment);

}  // namespace bossa::transport
