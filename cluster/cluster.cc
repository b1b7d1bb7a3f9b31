#include "cluster/cluster.h"

#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "cluster/system_types.h"
#include "runtime/runtime.h"

namespace bossa {
namespace {

// Up to how many nodes up a node sends each one that comes up the digest of its type table.
constexpr size_t kTypeDigestsUpTo = 8;

WirePid to_wire(Pid pid) {
  return WirePid{pid.node, pid.serial};
}

Pid from_wire(const WirePid& pid) {
  return Pid{pid.node, pid.serial};
}

// The envelope kind of an element leaving the node, and the element kind of one arriving.
EnvelopeKind envelope_kind(const MailboxElement& element) {
  switch (element.kind) {
    case MessageKind::kRequest:
      return EnvelopeKind::kRequest;
    case MessageKind::kReply:
      return EnvelopeKind::kReply;
    case MessageKind::kExit:
      return EnvelopeKind::kExit;
    case MessageKind::kLinkExit:
      return EnvelopeKind::kLinkExit;
    default:
      return element.is<DownMsg>() ? EnvelopeKind::kDown : EnvelopeKind::kUser;
  }
}

// A pause carries its actor's policy in its correlation id: 0 block, 1 drop_newest, 2 fail.
std::optional<OverflowPolicy> overflow_policy_from_wire(uint64_t value) {
  switch (value) {
    case static_cast<uint64_t>(OverflowPolicy::kBlock):
      return OverflowPolicy::kBlock;
    case static_cast<uint64_t>(OverflowPolicy::kDropNewest):
      return OverflowPolicy::kDropNewest;
    case static_cast<uint64_t>(OverflowPolicy::kFail):
      return OverflowPolicy::kFail;
    default:
      return std::nullopt;
  }
}

MessageKind message_kind(EnvelopeKind kind) {
  switch (kind) {
    case EnvelopeKind::kRequest:
      return MessageKind::kRequest;
    case EnvelopeKind::kReply:
      return MessageKind::kReply;
    default:
      return MessageKind::kUser;
  }
}

// User messages, requests and replies are data. Everything else (exit and down signals, links,
// monitors, pauses, the global-name protocol) keeps the cluster's state right and never waits
// behind data; an exit or down signal carries its watermark, with which the receiving node puts it
// back behind the messages its sender sent before it (SignalOrder: Erlang's order per pair).
transport::Lane lane_of(EnvelopeKind kind) {
  switch (kind) {
    case EnvelopeKind::kUser:
    case EnvelopeKind::kRequest:
    case EnvelopeKind::kReply:
      return transport::Lane::kData;
    default:
      return transport::Lane::kControl;
  }
}

}  // namespace

Cluster::Cluster(Runtime& runtime, WireTypes& types, transport::Transport& transport,
                 transport::NodeIdentity self, absl::Duration claim_timeout, const Logger& log,
                 Listeners listeners, const std::vector<AuthorizationGroup>& authorization)
    : runtime_(runtime),
      types_(types),
      transport_(transport),
      self_(std::move(self)),
      log_(log),
      listeners_(std::move(listeners)),
      authorization_(authorization.empty() ? nullptr
                                           : std::make_unique<const Authorization>(authorization)),
      names_(self_.id, claim_timeout,
             GlobalNames::Hooks{.send =
                                    [this](uint32_t node, std::string payload) {
                                      (void)send_control(EnvelopeKind::kSystem, Pid{node, 0},
                                                         Pid{self_.id, 0}, 0, std::move(payload));
                                    },
                                .up_nodes =
                                    [this] {
                                      std::vector<uint32_t> ids;
                                      MutexLock lock(nodes_mutex_);
                                      for (const auto& [id, name] : nodes_) ids.push_back(id);
                                      return ids;
                                    },
                                .watch =
                                    [this](const std::string& name, Pid pid, bool on) {
                                      transport_.advertise_name(name, on);
                                      listeners_.watch_name(name, pid, on);
                                    },
                                .lost = [this](const std::string& name, Pid loser,
                                               Pid winner) { name_lost(name, loser, winner); },
                                .left =
                                    [this](const NameLeft& left) {
                                      if (listeners_.name_left) listeners_.name_left(left);
                                    }}),
      flow_(runtime,
            [this](uint32_t node, EnvelopeKind kind, Pid actor, OverflowPolicy policy) {
              (void)send_control(kind, Pid{node, 0}, actor, static_cast<uint64_t>(policy));
            }),
      type_tables_(types.codecs()),
      undelivered_log_(log, LogLevel::kWarning),
      rejected_log_(log, LogLevel::kWarning),
      forged_log_(log, LogLevel::kWarning),
      refused_log_(log, LogLevel::kError),
      unauthorized_log_(log, LogLevel::kWarning),
      connection_log_(log, LogLevel::kWarning) {}

std::vector<transport::NodeIdentity> Cluster::nodes() const {
  MutexLock lock(nodes_mutex_);
  std::vector<transport::NodeIdentity> nodes;
  for (const auto& [id, name] : nodes_) nodes.push_back(transport::NodeIdentity{id, name});
  return nodes;
}

std::optional<uint32_t> Cluster::resolve(std::string_view name) const {
  if (name == self_.name) return self_.id;
  MutexLock lock(nodes_mutex_);
  for (const auto& [id, node_name] : nodes_) {
    if (node_name == name) return id;
  }
  return std::nullopt;
}

absl::Status Cluster::send_envelope(const Envelope& envelope) {
  absl::Status sent;
  encode_envelope(envelope, [&](std::string_view bytes) {
    sent = transmit(envelope.to.node, bytes, lane_of(envelope.kind));
  });
  return sent;
}

absl::Status Cluster::transmit(uint32_t node, std::string_view bytes, transport::Lane lane) {
  absl::Status sent = transport_.send(node, bytes, lane);
  if (sent.ok()) {
    NodeCounters::add(counters_.messages_out);
    NodeCounters::add(counters_.bytes_out, bytes.size());
  }
  return sent;
}

absl::Status Cluster::send_control(EnvelopeKind kind, Pid to, Pid from, uint64_t correlation,
                                   std::string payload) {
  const bool signal =
      kind == EnvelopeKind::kExit || kind == EnvelopeKind::kLinkExit || kind == EnvelopeKind::kDown;
  return send_envelope(Envelope{.to = to_wire(to),
                                .from = to_wire(from),
                                .kind = kind,
                                .correlation_id = correlation,
                                .type_id = signal ? transport_.data_watermark(to.node) : 0,
                                .to_name = {},
                                .payload = std::move(payload)});
}

absl::Status Cluster::route(Pid to, ElementPtr element) {
  names_.await_sent();
  return route_now(to, std::move(element));
}

absl::Status Cluster::route_now(Pid to, ElementPtr element) {
  if (element->kind == MessageKind::kUser || element->kind == MessageKind::kRequest) {
    switch (flow_.admit(to)) {
      case FlowControl::Admission::kSend:
        break;
      case FlowControl::Admission::kDrop:
        runtime_.report_dead_letter(to, std::move(element), "mailbox full");
        return absl::OkStatus();
      case FlowControl::Admission::kRefuse:
        runtime_.report_dead_letter(to, std::move(element), "mailbox full");
        return absl::ResourceExhaustedError(
            absl::StrCat("mailbox full: ", to.to_string(), " (its node paused sends to it)"));
      case FlowControl::Admission::kStopped:
        runtime_.report_dead_letter(to, std::move(element), "the node stopped");
        return absl::CancelledError("the node stopped");
    }
  }
  Envelope envelope{.to = to_wire(to),
                    .from = to_wire(element->from),
                    .kind = envelope_kind(*element),
                    .correlation_id = element->correlation_id,
                    .type_id = 0,
                    .to_name = {},
                    .payload = {}};
  // Set when the message goes into the envelope as a value written in place.
  std::optional<WireTypes::ValueWriter> writer;
  if (ExitMsg* exit = element->get_if<ExitMsg>();
      exit != nullptr &&
      (envelope.kind == EnvelopeKind::kExit || envelope.kind == EnvelopeKind::kLinkExit)) {
    envelope.type_id = transport_.data_watermark(to.node);
    envelope.payload = encode_exit_reason(exit->reason);
  } else if (DownMsg* down = element->get_if<DownMsg>()) {
    envelope.correlation_id = down->ref.id;
    envelope.type_id = transport_.data_watermark(to.node);
    envelope.payload = encode_exit_reason(down->reason);
  } else {
    if ((writer = types_.value_writer(*element))) {
      envelope.type_id = writer->type_id;
    } else {
      absl::StatusOr<WirePayload> payload = types_.encode(*element);
      if (!payload.ok()) return refuse(to, std::move(element), payload.status());
      envelope.type_id = payload->type_id;
      envelope.payload = std::move(payload->bytes);
    }
    // A type the receiving node is known not to read fails here, not over there.
    if (std::optional<std::string> why = type_tables_.unreadable(to.node, envelope.type_id)) {
      return refuse(to, std::move(element), absl::FailedPreconditionError(*why));
    }
  }
  const bool awaited = envelope.kind == EnvelopeKind::kRequest && element->from.node == self_.id &&
                       element->from.valid();
  absl::Status sent;
  auto send_bytes = [&](std::string_view bytes) {
    // Remembered before it leaves: its reply may come back before transmit returns.
    if (awaited) {
      MutexLock lock(requests_mutex_);
      open_requests_[{element->from.serial, element->correlation_id}] = to;
    }
    sent = transmit(envelope.to.node, bytes, lane_of(envelope.kind));
  };
  if (writer) {
    const void* payload = element->payload();
    absl::Status encoded = encode_envelope(
        envelope, [&](wire::Value::Builder out) { writer->write(payload, out); }, send_bytes);
    if (!encoded.ok()) return refuse(to, std::move(element), encoded);
  } else {
    encode_envelope(envelope, send_bytes);
  }
  if (!sent.ok() && absl::IsInvalidArgument(sent)) {
    // The transport refused the envelope for what it is (too large to carry): like a message
    // without a codec, it cannot leave, and its sender learns so at once.
    if (awaited) (void)forget_request(element->from, element->correlation_id);
    return refuse(to, std::move(element), sent);
  }
  if (!sent.ok()) {
    // The node is not up (Unavailable, naming it) or did not take the envelope in time
    // (ResourceExhausted): a dead letter, and its sender learns so from the status too.
    NodeCounters::add(counters_.undeliverable);
    // A request that node down answered meanwhile is not answered twice.
    if (awaited && !forget_request(element->from, element->correlation_id)) return sent;
    runtime_.report_dead_letter(to, std::move(element), as_std(sent.message()));
  }
  return sent;
}

absl::Status Cluster::refuse(Pid to, ElementPtr element, const absl::Status& why) {
  if (element->kind == MessageKind::kRequest && element->from.valid()) {
    // The requester learns at once why its request could not leave.
    runtime_.deliver_local(
        element->from, make_element<ErrorReply>(to, MessageKind::kReply, element->correlation_id,
                                                ErrorReply{why}));
  } else if (element->kind == MessageKind::kReply) {
    // The requester on the other node learns at once why its answer cannot come (unless the
    // answer was that error already).
    log_.log(LogLevel::kWarning,
             absl::StrCat("a reply to ", to.to_string(), " could not leave: ", why.message()));
    if (!element->is<ErrorReply>()) {
      (void)route_now(to, make_element<ErrorReply>(element->from, MessageKind::kReply,
                                                   element->correlation_id, ErrorReply{why}));
    }
  } else if (element->kind == MessageKind::kUser) {
    runtime_.report_dead_letter(to, std::move(element), as_std(why.message()));
  }
  return why;
}

void Cluster::link(Pid local, Pid remote) {
  if (!send_control(EnvelopeKind::kLink, remote, local, 0).ok()) {
    runtime_.deliver_local(local,
                           make_element<ExitMsg>(remote, MessageKind::kLinkExit, 0,
                                                 ExitMsg{remote, ExitReason::noconnection()}));
  }
}

void Cluster::unlink(Pid local, Pid remote) {
  (void)send_control(EnvelopeKind::kUnlink, remote, local, 0);
}

void Cluster::monitor(Pid watcher, Pid target, MonitorRef ref) {
  if (!send_control(EnvelopeKind::kMonitor, target, watcher, ref.id).ok() &&
      runtime_.end_monitor(watcher, ref)) {
    runtime_.deliver_local(watcher,
                           make_element<DownMsg>(target, MessageKind::kUser, 0,
                                                 DownMsg{ref, target, ExitReason::noconnection()}));
  }
}

void Cluster::demonitor(Pid watcher, Pid target, MonitorRef ref) {
  (void)send_control(EnvelopeKind::kDemonitor, target, watcher, ref.id);
}

void Cluster::request_abandoned(Pid requester, uint64_t correlation) {
  forget_request(requester, correlation);
}

bool Cluster::forget_request(Pid requester, uint64_t correlation) {
  MutexLock lock(requests_mutex_);
  return open_requests_.erase(std::pair{requester.serial, correlation}) == 1;
}

void Cluster::fail_requests_to(const transport::NodeIdentity& node, std::string_view reason) {
  std::vector<std::tuple<Pid, uint64_t, Pid>> failed;  // requester, correlation, target
  {
    MutexLock lock(requests_mutex_);
    absl::erase_if(open_requests_, [&](const auto& entry) {
      if (entry.second.node != node.id) return false;
      failed.emplace_back(Pid{self_.id, entry.first.first}, entry.first.second, entry.second);
      return true;
    });
  }
  const absl::Status why = absl::UnavailableError(
      absl::StrCat("node '", node.name, "' went down before answering: ", as_absl(reason)));
  for (const auto& [requester, correlation, target] : failed) {
    runtime_.deliver_local(requester, make_element<ErrorReply>(target, MessageKind::kReply,
                                                               correlation, ErrorReply{why}));
  }
}

absl::StatusOr<ElementPtr> Cluster::decode_message(const EnvelopeView& envelope) const {
  const Pid from = from_wire(envelope.from);
  const MessageKind kind = message_kind(envelope.kind);
  if (envelope.value) {
    return types_.decode(envelope.type_id, *envelope.value, from, kind, envelope.correlation_id);
  }
  return types_.decode(envelope.type_id, envelope.payload, from, kind, envelope.correlation_id,
                       limits_);
}

void Cluster::reject(uint32_t from, const EnvelopeView* envelope, const absl::Status& why) {
  NodeCounters::add(counters_.decode_errors);
  log_.log(LogLevel::kWarning,
           absl::StrCat("dropped an envelope from node ", from, ": ", why.message()));
  if (envelope != nullptr && envelope->kind == EnvelopeKind::kRequest) {
    ElementPtr reply = make_element<ErrorReply>(
        from_wire(envelope->to), MessageKind::kReply, envelope->correlation_id,
        ErrorReply{absl::InvalidArgumentError(
            absl::StrCat("node '", self_.name, "' could not read the request: ", why.message()))});
    (void)route_now(from_wire(envelope->from), std::move(reply));
  }
}

void Cluster::unreadable_message(uint32_t sender_node, const EnvelopeView& envelope,
                                 bool open_request, absl::Status why) {
  if (absl::IsNotFound(why)) {
    if (std::optional<std::string> theirs = type_tables_.peer_type(sender_node, envelope.type_id)) {
      why = absl::NotFoundError(absl::StrCat("node '", node_name(sender_node), "' sent ", *theirs,
                                             ", which is not registered here"));
    }
  }
  reject(sender_node, &envelope, why);
  const Pid to = from_wire(envelope.to);
  const Pid from = from_wire(envelope.from);
  if (open_request) {
    runtime_.deliver_local(
        to, make_element<ErrorReply>(
                from, MessageKind::kReply, envelope.correlation_id,
                ErrorReply{absl::Status(
                    why.code(), absl::StrCat("the reply from ", from.to_string(), " on node '",
                                             node_name(sender_node),
                                             "' cannot be read here: ", why.message()))}));
  } else if (envelope.kind == EnvelopeKind::kUser && absl::IsNotFound(why)) {
    // Its sender's node learns of it, and sends it here no more.
    (void)send_control(
        EnvelopeKind::kSystem, Pid{sender_node, 0}, Pid{self_.id, 0}, 0,
        TypeTables::unread_message(envelope.type_id, to, from, as_std(why.message())));
  }
}

void Cluster::on_types(uint32_t from, TypeTables::Outcome& outcome) {
  if (outcome.reply) {
    (void)send_control(EnvelopeKind::kSystem, Pid{from, 0}, Pid{self_.id, 0}, 0,
                       *std::move(outcome.reply));
  }
  for (const std::string& problem : outcome.problems) log_.log(LogLevel::kWarning, problem);
  if (!outcome.unread) return;
  const TypeTables::Unread& unread = *outcome.unread;
  // Only what this node sent: a message of one of its actors, or from outside any actor.
  if (unread.from.node != self_.id && unread.from != Pid{}) return;
  const TypeCodec* codec = types_.codecs().find_wire_id(unread.type_id);
  const std::string type =
      codec != nullptr
          ? absl::StrCat("C++ type ", codec->cxx_name, " (registered here as '", codec->name, "')")
          : absl::StrCat("wire type id ", absl::Hex(unread.type_id));
  std::string why =
      absl::StrCat("node '", node_name(from), "' cannot read ", type, ": ", unread.reason);
  log_.log(LogLevel::kWarning, absl::StrCat("a message from ", unread.from.to_string(), " to ",
                                            unread.to.to_string(), " was dropped: ", why));
  runtime_.report_dead_letter(DeadLetter{unread.to, unread.from, MessageKind::kUser,
                                         codec != nullptr ? codec->type : &typeid(void), why});
  type_tables_.add_gap(from, unread.type_id, std::move(why));
}

std::string Cluster::node_name(uint32_t node) const {
  MutexLock lock(nodes_mutex_);
  auto it = nodes_.find(node);
  return it != nodes_.end() ? it->second : absl::StrCat(node);
}

void Cluster::on_envelope(uint32_t from, std::string_view bytes) {
  absl::Status read = read_envelope(bytes, limits_, [&](const EnvelopeView& envelope) {
    // The sender is an actor of the sending node, or, for a message or an exit signal sent from
    // outside any actor, nobody (the zero pid).
    const bool from_nobody = envelope.from == WirePid{} && (envelope.kind == EnvelopeKind::kUser ||
                                                            envelope.kind == EnvelopeKind::kExit);
    if (envelope.from.node != from && !from_nobody) {
      return absl::InvalidArgumentError(absl::StrCat("the sender ", envelope.from.node,
                                                     " is not the node the envelope came from"));
    }
    if (envelope.to.node != self_.id) {
      return absl::InvalidArgumentError(
          absl::StrCat("the envelope is addressed to node ", envelope.to.node, ", not this one"));
    }
    NodeCounters::add_one_writer(counters_.messages_in);
    NodeCounters::add_one_writer(counters_.bytes_in, bytes.size());
    deliver_inbound(from, envelope);
    return absl::OkStatus();
  });
  if (!read.ok()) reject(from, nullptr, read);
}

void Cluster::deliver_inbound(uint32_t sender_node, const EnvelopeView& envelope) {
  // Without authorization groups, this is all it costs.
  if (authorization_ != nullptr && !authorized(sender_node, envelope)) return;
  const Pid to = from_wire(envelope.to);
  const Pid from = from_wire(envelope.from);
  // Only messages to a pid go through last_recipient_; what it holds goes before anything else.
  const bool message = envelope.kind == EnvelopeKind::kUser ||
                       envelope.kind == EnvelopeKind::kRequest ||
                       envelope.kind == EnvelopeKind::kReply;
  if (!message || !envelope.to_name.empty()) runtime_.release(last_recipient_);
  switch (envelope.kind) {
    case EnvelopeKind::kUser:
    case EnvelopeKind::kRequest:
    case EnvelopeKind::kReply: {
      // Forgotten even if it does not decode: then its requester learns why at once.
      const bool open_request =
          envelope.kind == EnvelopeKind::kReply && forget_request(to, envelope.correlation_id);
      absl::StatusOr<ElementPtr> element = decode_message(envelope);
      if (!element.ok()) {
        unreadable_message(sender_node, envelope, open_request, element.status());
      } else if (!envelope.to_name.empty()) {
        deliver_to_name(sender_node, envelope.to_name, *std::move(element));
      } else if (envelope.kind == EnvelopeKind::kReply) {
        runtime_.deliver_local(to, *std::move(element), last_recipient_);
      } else {
        flow_.deliver(sender_node, to, *std::move(element), last_recipient_);
      }
      if (signal_order_.received_data(sender_node)) deliver_held_signals(sender_node);
      return;
    }
    case EnvelopeKind::kExit:
    case EnvelopeKind::kLinkExit:
    case EnvelopeKind::kDown: {
      absl::StatusOr<ExitReason> reason = decode_exit_reason(envelope.payload, limits_);
      if (!reason.ok()) {
        reject(from.node, &envelope, reason.status());
        return;
      }
      SignalOrder::Held signal{.kind = envelope.kind,
                               .to = to,
                               .from = from,
                               .correlation_id = envelope.correlation_id,
                               .reason = *std::move(reason),
                               .watermark = envelope.type_id,
                               .since = SignalOrder::Clock::now()};
      // exit(pid, kill) cannot be trapped: it goes at once, ahead of any message.
      const bool untrappable =
          envelope.kind == EnvelopeKind::kExit && signal.reason.kind() == ExitReason::Kind::kKill;
      if (!untrappable && signal_order_.hold(sender_node, signal)) {
        return;
      }
      deliver_signal(signal);
      return;
    }
    case EnvelopeKind::kLink:
      if (!runtime_.accept_remote_link(to, from)) {
        (void)send_control(EnvelopeKind::kLinkExit, from, to, 0,
                           encode_exit_reason(ExitReason::noproc()));
      }
      return;
    case EnvelopeKind::kUnlink:
      runtime_.drop_remote_link(to, from);
      return;
    case EnvelopeKind::kMonitor:
      if (!runtime_.accept_remote_monitor(to, MonitorRef{envelope.correlation_id}, from)) {
        (void)send_control(EnvelopeKind::kDown, from, to, envelope.correlation_id,
                           encode_exit_reason(ExitReason::noproc()));
      }
      return;
    case EnvelopeKind::kDemonitor:
      runtime_.drop_remote_monitor(to, MonitorRef{envelope.correlation_id}, from);
      return;
    case EnvelopeKind::kPause:
    case EnvelopeKind::kResume:
      if (envelope.kind == EnvelopeKind::kResume) {
        flow_.resumed(from);
      } else if (std::optional<OverflowPolicy> policy =
                     overflow_policy_from_wire(envelope.correlation_id)) {
        flow_.paused(from, *policy);
      } else {
        reject(from.node, nullptr,
               absl::InvalidArgumentError(
                   absl::StrCat("a pause with policy ", envelope.correlation_id)));
      }
      return;
    case EnvelopeKind::kSystem: {
      absl::StatusOr<TypeTables::Outcome> types =
          type_tables_.on_system(from.node, node_name(from.node), envelope.payload, limits_);
      if (!types.ok()) {
        reject(from.node, nullptr, types.status());
      } else if (types->handled) {
        on_types(from.node, *types);
      } else if (absl::Status handled = names_.on_system(from.node, envelope.payload, limits_);
                 !handled.ok()) {
        reject(from.node, nullptr, handled);
      }
      return;
    }
  }
}

const Authorization::Rights* Cluster::rights_of(uint32_t node) {
  auto [it, inserted] = peer_rights_.try_emplace(node, nullptr);
  if (inserted) it->second = authorization_->rights(transport_.peer_key(node));
  return it->second;
}

std::vector<Cluster::Asked> Cluster::asked_of(const EnvelopeView& envelope) const {
  auto one = [](Action action, std::string_view name = {}) {
    return std::vector<Asked>{Asked{.action = action, .name = std::string(name), .claim = {}}};
  };
  switch (envelope.kind) {
    case EnvelopeKind::kUser:
    case EnvelopeKind::kRequest: {
      // A call of the node service names what it runs; any other message, the name it is
      // addressed to (if any).
      const Action action = envelope.kind == EnvelopeKind::kUser ? Action::kSend : Action::kRequest;
      const TypeCodec* rpc = types_.codecs().find<RpcCall>();
      const TypeCodec* spawn = types_.codecs().find<SpawnRequest>();
      const bool call = (rpc != nullptr && envelope.type_id == rpc->wire_id) ||
                        (spawn != nullptr && envelope.type_id == spawn->wire_id);
      if (!call) return one(action, envelope.to_name);
      absl::StatusOr<ElementPtr> element = decode_message(envelope);
      if (!element.ok()) return {};
      if (const RpcCall* rpc_call = (*element)->get_if<RpcCall>()) {
        return one(Action::kRpc, rpc_call->function);
      }
      if (const SpawnRequest* request = (*element)->get_if<SpawnRequest>()) {
        return one(Action::kSpawn, request->factory);
      }
      return one(action, envelope.to_name);
    }
    case EnvelopeKind::kExit:
    case EnvelopeKind::kLink:  // the link brings an exit signal when the peer's actor stops
      return one(Action::kExit);
    case EnvelopeKind::kMonitor:  // a down message to the peer's actor
      return one(Action::kSend);
    case EnvelopeKind::kSystem: {
      absl::StatusOr<GlobalNames::Asked> names = GlobalNames::asked(envelope.payload, limits_);
      if (!names.ok() || names->answer) return {};
      std::vector<Asked> asked;
      for (std::string& name : names->names) {
        asked.push_back(Asked{.action = Action::kNames, .name = std::move(name), .claim = {}});
      }
      if (asked.empty()) return one(Action::kNames);
      asked.front().claim = names->claim;
      return asked;
    }
    default:
      // Replies answer this node's requests; a link exit or down message ends a link or monitor
      // that exists (whoever made it); unlink, demonitor, pause and resume concern the peer's own
      // actors.
      return {};
  }
}

bool Cluster::authorized(uint32_t sender_node, const EnvelopeView& envelope) {
  const Authorization::Rights* rights = rights_of(sender_node);
  if (rights == nullptr) return true;
  const std::vector<Asked> asked = asked_of(envelope);
  for (const Asked& one : asked) {
    if (!rights->allows(one.action, one.name)) {
      refuse_unauthorized(sender_node, envelope, one);
      return false;
    }
  }
  return true;
}

void Cluster::refuse_unauthorized(uint32_t sender_node, const EnvelopeView& envelope,
                                  const Asked& asked) {
  runtime_.release(last_recipient_);
  NodeCounters::add_one_writer(counters_.unauthorized);
  const std::string what = absl::StrCat("not authorized: ", as_absl(action_name(asked.action)),
                                        asked.name.empty() ? "" : " ", asked.name);
  std::string node_name;
  {
    MutexLock lock(nodes_mutex_);
    if (auto it = nodes_.find(sender_node); it != nodes_.end()) node_name = it->second;
  }
  unauthorized_log_.log(
      absl::StrCat("refused what node '", node_name, "' (", sender_node, ") asked: ", what));
  const Pid to = from_wire(envelope.to);
  const Pid from = from_wire(envelope.from);
  switch (envelope.kind) {
    case EnvelopeKind::kRequest:
      (void)route_now(from,
                      make_element<ErrorReply>(to, MessageKind::kReply, envelope.correlation_id,
                                               ErrorReply{absl::PermissionDeniedError(what)}));
      return;
    case EnvelopeKind::kLink:
      (void)send_control(EnvelopeKind::kLinkExit, from, to, 0,
                         encode_exit_reason(ExitReason::error(what)));
      return;
    case EnvelopeKind::kMonitor:
      (void)send_control(EnvelopeKind::kDown, from, to, envelope.correlation_id,
                         encode_exit_reason(ExitReason::error(what)));
      return;
    case EnvelopeKind::kSystem:
      if (asked.claim) names_.refuse_claim(sender_node, *asked.claim);
      return;
    default:
      return;  // a message, an exit signal: nobody waits for an answer
  }
}

void Cluster::deliver_signal(SignalOrder::Held& signal) {
  if (signal.kind == EnvelopeKind::kDown) {
    // A monitor ended already (demonitor, node down) gets no DownMsg.
    const MonitorRef ref{signal.correlation_id};
    if (!runtime_.end_monitor(signal.to, ref)) return;
    flow_.deliver_signal(
        signal.to, make_element<DownMsg>(signal.from, MessageKind::kUser, 0,
                                         DownMsg{ref, signal.from, std::move(signal.reason)}));
    return;
  }
  const MessageKind kind =
      signal.kind == EnvelopeKind::kExit ? MessageKind::kExit : MessageKind::kLinkExit;
  flow_.deliver_signal(
      signal.to,
      make_element<ExitMsg>(signal.from, kind, 0, ExitMsg{signal.from, std::move(signal.reason)}));
}

void Cluster::deliver_held_signals(uint32_t node) {
  // The messages sent before them go first.
  runtime_.release(last_recipient_);
  std::vector<SignalOrder::Held> due;
  signal_order_.take_due(node, SignalOrder::Clock::now(), due);
  for (SignalOrder::Held& signal : due) deliver_signal(signal);
}

void Cluster::deliver_to_name(uint32_t sender_node, std::string_view name, ElementPtr element) {
  // The holder of a global name may have moved to another node since the envelope left (a
  // binding not yet updated): it follows the name. Else a local name.
  std::optional<Pid> holder = names_.whereis(name);
  if (!holder) holder = runtime_.whereis(name);
  if (!holder) {
    (void)runtime_.deliver_to_name(name, std::move(element));  // a dead letter, NotFound
  } else if (holder->node == self_.id && element->kind != MessageKind::kReply) {
    flow_.deliver(sender_node, *holder, std::move(element), last_recipient_);
  } else {
    (void)runtime_.deliver(*holder, std::move(element));
  }
}

void Cluster::on_undelivered(uint32_t to, std::string_view bytes, std::string_view reason) {
  runtime_.release(last_recipient_);
  NodeCounters::add(counters_.undeliverable);
  const absl::Status why =
      absl::UnavailableError(absl::StrCat("not delivered to node ", to, ": ", as_absl(reason)));
  absl::Status read = read_envelope(bytes, limits_, [&](const EnvelopeView& envelope) {
    const Pid sender = from_wire(envelope.from);
    const Pid receiver = from_wire(envelope.to);
    switch (envelope.kind) {
      case EnvelopeKind::kRequest:
        // Unless node down answered it meanwhile, or its requester gave up.
        if (!forget_request(sender, envelope.correlation_id)) return absl::OkStatus();
        runtime_.deliver_local(
            sender, make_element<ErrorReply>(receiver, MessageKind::kReply, envelope.correlation_id,
                                             ErrorReply{why}));
        return absl::OkStatus();
      case EnvelopeKind::kLink:
        runtime_.deliver_local(
            sender, make_element<ExitMsg>(receiver, MessageKind::kLinkExit, 0,
                                          ExitMsg{receiver, ExitReason::noconnection()}));
        return absl::OkStatus();
      case EnvelopeKind::kMonitor:
        if (runtime_.end_monitor(sender, MonitorRef{envelope.correlation_id})) {
          runtime_.deliver_local(
              sender, make_element<DownMsg>(receiver, MessageKind::kUser, 0,
                                            DownMsg{MonitorRef{envelope.correlation_id}, receiver,
                                                    ExitReason::noconnection()}));
        }
        return absl::OkStatus();
      case EnvelopeKind::kUser:
      case EnvelopeKind::kReply: {
        absl::StatusOr<ElementPtr> element = decode_message(envelope);
        if (element.ok())
          runtime_.report_dead_letter(receiver, *std::move(element), as_std(why.message()));
        return element.status();
      }
      default:
        return absl::OkStatus();
    }
  });
  undelivered_log_.log(absl::StrCat(why.message(), read.ok() ? "" : " (unreadable)"));
}

void Cluster::on_rejected(std::string_view what) {
  NodeCounters::add(counters_.rejected);
  rejected_log_.log(absl::StrCat("dropped what the transport received: ", as_absl(what)));
}

void Cluster::on_forged_sender(std::string_view what) {
  NodeCounters::add(counters_.rejected);
  NodeCounters::add(counters_.forged_senders);
  forged_log_.log(absl::StrCat("refused a message with a forged sender: ", as_absl(what)));
}

void Cluster::on_outside_request(transport::OutsideRequest request) {
  if (listeners_.outside_request) {
    listeners_.outside_request(std::move(request));
  } else {
    TransportHandler::on_outside_request(std::move(request));
  }
}

void Cluster::on_outside_answer_lost(std::string_view why) {
  if (listeners_.outside_answer_lost) listeners_.outside_answer_lost(why);
}

void Cluster::on_connection_log(std::string_view line) {
  MutexLock lock(connection_log_mutex_);
  connection_log_.log(line);
}

void Cluster::name_lost(const std::string& name, Pid loser, Pid winner) {
  const std::string why =
      absl::StrCat("global name '", name, "' went to ", winner.to_string(), ", which held it too",
                   " when the nodes met again after a partition");
  log_.log(LogLevel::kWarning, absl::StrCat(loser.to_string(), " lost ", why));
  runtime_.deliver_local(loser, make_element<ExitMsg>(winner, MessageKind::kExit, 0,
                                                      ExitMsg{winner, ExitReason::shutdown(why)}));
}

void Cluster::on_join_refused(std::string_view why) {
  refused_log_.log(absl::StrCat("this node cannot join: ", as_absl(why)));
}

void Cluster::on_batch_end() {
  runtime_.release(last_recipient_);
  if (signal_order_.holding()) deliver_held_signals(0);  // those that waited kMaxHold
}

void Cluster::transport_stopped() {
  flow_.stop();
  runtime_.release(last_recipient_);
  last_recipient_.actor.reset();
}

void Cluster::on_node_up(const transport::NodeIdentity& node) {
  runtime_.release(last_recipient_);
  peer_rights_.erase(node.id);
  size_t up = 0;
  {
    MutexLock lock(nodes_mutex_);
    nodes_[node.id] = node.name;
    up = nodes_.size();
  }
  NodeCounters::add(counters_.nodes_up);
  log_.log(LogLevel::kInfo, absl::StrCat("node '", node.name, "' (", node.id, ") is up"));
  names_.node_up(node.id);
  // Digests go to every node that comes up only while the cluster is small: past that, a digest
  // to each would open a connection to each (the native transport connects on demand), and the
  // receiving side's checks (an unreadable request or reply answered at once, an unreadable
  // message reported to its sender) stand in for the send site's.
  if (up <= kTypeDigestsUpTo) {
    (void)send_control(EnvelopeKind::kSystem, Pid{node.id, 0}, Pid{self_.id, 0}, 0,
                       type_tables_.digest_message());
  }
  listeners_.node_changed(node, /*up=*/true, {}, {});
}

void Cluster::on_node_down(const transport::NodeIdentity& node, std::string_view reason,
                           const transport::DeliveryTally& tally) {
  runtime_.release(last_recipient_);
  peer_rights_.erase(node.id);
  {
    MutexLock lock(nodes_mutex_);
    nodes_.erase(node.id);
  }
  NodeCounters::add(counters_.nodes_down);
  NodeCounters::add(counters_.envelopes_in_doubt, tally.in_doubt());
  log_.log(LogLevel::kInfo,
           absl::StrCat("node '", node.name, "' (", node.id, ") is down: ", as_absl(reason), "; ",
                        tally.accepted, " envelopes sent to it, ", tally.acked, " acknowledged, ",
                        tally.in_doubt(), " in doubt"));
  // What the node sent before it went down comes before its noconnection signals.
  std::vector<SignalOrder::Held> held;
  signal_order_.node_down(node.id, held);
  for (SignalOrder::Held& signal : held) deliver_signal(signal);
  flow_.node_down(node.id);
  runtime_.node_down(node.id);
  fail_requests_to(node, reason);
  names_.node_down(node.id);
  type_tables_.node_down(node.id);
  listeners_.node_changed(node, /*up=*/false, reason, tally);
}

}  // namespace bossa
