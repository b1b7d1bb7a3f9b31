// Cluster: the layer between a node's Runtime and its Transport.
//
// Outbound (as the runtime's RemoteRouter) it turns what actors send to pids of other nodes into
// envelopes (serialization/envelope.h) through the node's WireTypes: link, unlink, monitor,
// demonitor and global-name envelopes on the transport's control lane, which never waits behind
// data; messages, requests, replies and exit and down signals (ordered after the messages their
// sender sent before them) on its data lane. Inbound (as the transport's
// TransportHandler) it decodes envelopes and delivers them, routes the global-name protocol to
// GlobalNames, and turns node down into what Erlang gives: noconnection exit signals and down
// messages, the node's global names released, and an ErrorReply at once for each request still
// waiting on it. An envelope reported undelivered becomes what its sender would have seen had its
// node known at once. Bad input is counted (counters()), logged and dropped; the connection and
// every other message go on. With [[authorization]] groups (cluster/authorization.h), what a
// peer in a group may not do is refused: counted (unauthorized), logged, answered where an answer
// is due, and otherwise ignored. docs/cluster.md gives every rule; docs/security.md which
// envelope needs which right.
//
// Thread-safety: route/link/... from any thread; the handler methods from the transport's thread.
// Construct and attach before the transport starts; detach after it stops.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "cluster/authorization.h"
#include "cluster/flow_control.h"
#include "cluster/global_names.h"
#include "cluster/logger.h"
#include "cluster/node_counters.h"
#include "cluster/signal_order.h"
#include "cluster/type_tables.h"
#include "cluster/wire_types.h"
#include "runtime/remote_router.h"
#include "runtime/runtime.h"
#include "serialization/envelope.h"
#include "transport/transport.h"

namespace bossa {

class Cluster final : public transport::TransportHandler, public RemoteRouter {
 public:
  // What the cluster tells its node; called on the transport's thread, or for watch_name on the
  // thread that committed the name. Both must be quick.
  struct Listeners {
    // A node came up (`up`) or went down (with `reason`, and the tally of what this node sent it).
    std::function<void(const transport::NodeIdentity& node, bool up, std::string_view reason,
                       const transport::DeliveryTally& tally)>
        node_changed;
    // A global name of a local actor was committed (on) or released (off): release it when the
    // actor stops, or no longer.
    std::function<void(const std::string& name, Pid pid, bool on)> watch_name;
    // A watched global name left its holder (GlobalNames::watch); on the thread that changed the
    // name, or that watched it. May be empty.
    std::function<void(const NameLeft& left)> name_left;
    // A request from a client outside the cluster, and an answer to one that was lost
    // (TransportHandler's on_outside_request, on_outside_answer_lost); on the transport's thread.
    std::function<void(transport::OutsideRequest request)> outside_request;
    std::function<void(std::string_view why)> outside_answer_lost;
  };

  // `authorization`: what the peers in its groups may do (none: every peer may do everything).
  Cluster(Runtime& runtime, WireTypes& types, transport::Transport& transport,
          transport::NodeIdentity self, absl::Duration claim_timeout, const Logger& log,
          Listeners listeners, const std::vector<AuthorizationGroup>& authorization = {});

  // The node's transport has stopped (no handler call runs or will): lets go of the actor the
  // cluster delivered to last, before the runtime goes.
  void transport_stopped();

  GlobalNames& names() noexcept { return names_; }
  const NodeCounters& counters() const noexcept { return counters_; }
  // The nodes that are up, this one not included.
  std::vector<transport::NodeIdentity> nodes() const;
  std::optional<uint32_t> resolve(std::string_view name) const;

  // RemoteRouter. A message waits for the global-name commits this node has queued
  // (GlobalNames::await_sent): a name registered before it is known where it arrives.
  absl::Status route(Pid to, ElementPtr element) override;
  void link(Pid local, Pid remote) override;
  void unlink(Pid local, Pid remote) override;
  void monitor(Pid watcher, Pid target, MonitorRef ref) override;
  void demonitor(Pid watcher, Pid target, MonitorRef ref) override;
  void request_abandoned(Pid requester, uint64_t correlation) override;

  // TransportHandler
  void on_envelope(uint32_t from, std::string_view bytes) override;
  void on_batch_end() override;
  void on_node_up(const transport::NodeIdentity& node) override;
  void on_node_down(const transport::NodeIdentity& node, std::string_view reason,
                    const transport::DeliveryTally& tally) override;
  void on_undelivered(uint32_t to, std::string_view bytes, std::string_view reason) override;
  void on_rejected(std::string_view what) override;
  void on_forged_sender(std::string_view what) override;
  void on_connection_log(std::string_view line) override;
  void on_join_refused(std::string_view why) override;
  void on_outside_request(transport::OutsideRequest request) override;
  void on_outside_answer_lost(std::string_view why) override;

 private:
  // route without waiting for name commits: for the error replies this layer makes itself, some
  // on the transport's thread, which must not wait for a sender.
  absl::Status route_now(Pid to, ElementPtr element);
  // Encodes and sends; the transport's status.
  absl::Status send_envelope(const Envelope& envelope);
  // Sends encoded envelope `bytes` to `node` on `lane`, counting it; the transport's status.
  absl::Status transmit(uint32_t node, std::string_view bytes, transport::Lane lane);
  // A message that cannot leave (`why`): its requester, here or on `to`'s node, learns at once;
  // a plain message is a dead letter. Returns `why`.
  absl::Status refuse(Pid to, ElementPtr element, const absl::Status& why);
  // Sends a control envelope (link, monitor, signals) carrying `reason`, if any.
  absl::Status send_control(EnvelopeKind kind, Pid to, Pid from, uint64_t correlation,
                            std::string payload = {});
  void deliver_inbound(uint32_t sender_node, const EnvelopeView& envelope);
  // What an envelope asks of this node, for its authorization.
  struct Asked {
    Action action;
    std::string name;               // the function, factory, global name or name addressed; or none
    std::optional<uint64_t> claim;  // a global-name claim, to deny
  };
  // Whether node `sender_node` may do what `envelope` asks; if not, the refusal is counted,
  // logged and answered where an answer is due. Only with authorization groups.
  bool authorized(uint32_t sender_node, const EnvelopeView& envelope);
  // What `envelope` asks that needs a right (one Asked for each global name it names); nothing
  // for what any peer may do (replies, link exits, down messages, unlinks, demonitors, pauses,
  // answers to this node's claims) or what does not decode (refused as bad input later).
  std::vector<Asked> asked_of(const EnvelopeView& envelope) const;
  // The rights of node `node`'s key; nullptr for a full member. Transport thread.
  const Authorization::Rights* rights_of(uint32_t node);
  void refuse_unauthorized(uint32_t sender_node, const EnvelopeView& envelope, const Asked& asked);
  // An exit signal or down message that came from another node, now in its order.
  void deliver_signal(SignalOrder::Held& signal);
  // Delivers node `node`'s held signals that are due (every node's, for 0).
  void deliver_held_signals(uint32_t node);
  // The message of a user, request or reply envelope as a mailbox element, from its value or its
  // payload; errors as WireTypes::decode.
  absl::StatusOr<ElementPtr> decode_message(const EnvelopeView& envelope) const;
  // Delivers to the holder of global name `name` (on any node), else to the local actor
  // registered as `name`.
  void deliver_to_name(uint32_t sender_node, std::string_view name, ElementPtr element);
  void reject(uint32_t from, const EnvelopeView* envelope, const absl::Status& why);
  // A message, request or reply from node `sender_node` that did not decode (`why`): rejected;
  // a reply's requester learns at once, and the sender of a message of a type unknown here.
  void unreadable_message(uint32_t sender_node, const EnvelopeView& envelope, bool open_request,
                          absl::Status why);
  // What a type message of node `from` calls for (TypeTables::on_system).
  void on_types(uint32_t from, TypeTables::Outcome& outcome);
  // Name of node `node` if it is up, else its id.
  std::string node_name(uint32_t node) const;
  // Forgets the request `correlation` of local actor `requester`, answered or given up on; false
  // if it was not open (answered already, or abandoned).
  bool forget_request(Pid requester, uint64_t correlation);
  // Local actor `loser` held global name `name` until a conflict gave it to `winner`: it gets an
  // exit signal from the winner, reason shutdown saying so.
  void name_lost(const std::string& name, Pid loser, Pid winner);
  // Answers every request still waiting on an actor of `node` with an ErrorReply saying why.
  void fail_requests_to(const transport::NodeIdentity& node, std::string_view reason);

  Runtime& runtime_;
  WireTypes& types_;
  transport::Transport& transport_;
  const transport::NodeIdentity self_;
  const Logger& log_;
  const Listeners listeners_;
  const DecodeLimits limits_;
  NodeCounters counters_;
  // Null without authorization groups: then nothing is checked.
  const std::unique_ptr<const Authorization> authorization_;
  GlobalNames names_;
  FlowControl flow_;
  TypeTables type_tables_;

  // Transport thread only.
  SignalOrder signal_order_;
  Runtime::Recipient last_recipient_;
  ThrottledLog undelivered_log_;
  ThrottledLog rejected_log_;
  ThrottledLog forged_log_;
  ThrottledLog refused_log_;
  ThrottledLog unauthorized_log_;
  // With authorization groups: the rights of each node up that sent something (null: a full
  // member), looked up once per node.
  absl::flat_hash_map<uint32_t, const Authorization::Rights*> peer_rights_;

  Mutex connection_log_mutex_;
  ThrottledLog connection_log_ ABSL_GUARDED_BY(connection_log_mutex_);

  // Requests that left for other nodes and are not answered yet, by (requester serial,
  // correlation id), with the actor asked: a node going down answers those waiting on it.
  Mutex requests_mutex_;
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, Pid> open_requests_
      ABSL_GUARDED_BY(requests_mutex_);

  mutable Mutex nodes_mutex_;
  absl::flat_hash_map<uint32_t, std::string> nodes_
      ABSL_GUARDED_BY(nodes_mutex_);  // up: id -> name
};

}  // namespace bossa
