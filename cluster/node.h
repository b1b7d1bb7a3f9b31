// Node: one bossa node of a cluster: it owns the node's Runtime, its transport (chosen by the
// config's `kind`), the cluster layer and the node service, and joins and reaches other nodes.
//
//   absl::StatusOr<std::unique_ptr<bossa::Node>> node = bossa::Node::create(*config);
//   (*node)->register_type<Order>("shop.order");  // on every node, before start
//   absl::Status joined = (*node)->start();        // meets the seeds
//   absl::StatusOr<int64_t> n = (*node)->rpc_blocking_call<int64_t>("beta", "length", "hello"s);
//
// Actors on any node are addressed by pid and by global name; links, monitors and requests work
// across nodes as within one, at most once and ordered per pair of actors (docs/cluster.md).
// Lifetime: create, register, start, use, stop (or destroy); stop() shuts the runtime down, then
// leaves the cluster. Thread-safety: any method from any thread once start() has returned; the
// blocking ones (register_global, rpc_blocking_call, spawn_remote) never from the transport's
// thread, and an evented actor that calls them blocks its worker until they return.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/demangle.h"
#include "cluster/cluster.h"
#include "cluster/logger.h"
#include "cluster/node_config.h"
#include "cluster/node_events.h"
#include "cluster/node_service.h"
#include "cluster/remote_functions.h"
#include "cluster/system_types.h"
#include "cluster/wire_types.h"
#include "runtime/runtime.h"
#include "transport/transport.h"

namespace bossa {

namespace gateway {
class BrokerDoor;
class Gateway;
struct GatewayStats;
}  // namespace gateway

class Node {
 public:
  // Builds a node from its config: the runtime, the transport, the built-in and system types.
  // Nothing is reachable from outside before start(). Errors name what failed.
  static absl::StatusOr<std::unique_ptr<Node>> create(
      NodeConfig config, transport::TransportEnvironment environment = {});
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();

  const std::string& name() const noexcept { return self_.name; }
  // The config the node was created with (in a bossa::run_node program, the file with the
  // command line's overrides): its seeds, its listen endpoint, ... Constant; any thread.
  const NodeConfig& config() const noexcept { return config_; }
  // Where other nodes reach this one (for their seeds), once started; see Transport::endpoint.
  std::string endpoint() const { return transport_->endpoint(); }
  uint32_t id() const noexcept { return self_.id; }
  Runtime& runtime() noexcept { return *runtime_; }
  Logger& log() noexcept { return log_; }
  WireTypes& types() noexcept { return types_; }
  const NodeCounters& counters() const noexcept { return cluster_->counters(); }
  // What the transport's listen endpoint holds and turned away; any thread.
  transport::ConnectionStats connection_stats() const { return transport_->connection_stats(); }
  // The [gateway] endpoint clients outside the cluster call (cluster/gateway/gateway.h), once
  // started; empty without a gateway.
  std::string gateway_endpoint() const;
  // What the gateway has done; nullptr without a gateway. Valid while the node lives.
  const gateway::Gateway* gateway() const noexcept { return gateway_.get(); }
  // What the amqp door for requests from outside the cluster has done (broker_door.h); nullptr
  // on a node that is not amqp, or not started. Valid while the node lives.
  const gateway::BrokerDoor* broker_door() const noexcept { return broker_door_.get(); }
  // What the transport has sent other nodes, its own traffic included; see Transport::bytes_sent.
  uint64_t transport_bytes_sent() const { return transport_->bytes_sent(); }

  // ---- before start ----

  // Lets T cross nodes under `name` (see WireTypes::add).
  template <HasCodec T>
  absl::Status register_type(std::string name) {
    return types_.add<T>(std::move(name));
  }
  // Lets T cross nodes under the wire name BOSSA_MESSAGE gave it (serialization/message_codec.h).
  template <HasCodec T>
  requires requires { Codec<T>::wire_name; }
  absl::Status register_type() { return types_.add<T>(std::string(Codec<T>::wire_name)); }
  // register_type<T>() for each of `Types`, every one tried; the first error.
  template <HasCodec... Types>
  requires(requires { Codec<Types>::wire_name; } && ...) absl::Status register_types() {
    absl::Status status;
    (status.Update(register_type<Types>()), ...);
    return status;
  }
  template <class T>
  absl::Status register_type(std::string name,
                             std::function<absl::StatusOr<std::string>(const T&)> encode,
                             std::function<absl::StatusOr<T>(std::string_view)> decode) {
    return types_.add<T>(std::move(name), std::move(encode), std::move(decode));
  }

  // Registers `function` for rpc_call / rpc_blocking_call under `name`. Args and R must be
  // registered types. An exception thrown by the function fails the call (Internal).
  template <class R, class Args>
  absl::Status register_rpc(std::string name, std::function<R(const Args&)> function);

  // Registers an actor factory for spawn_remote under `name`: it spawns on `runtime()` and
  // returns the pid. Args must be a registered type.
  template <class Args>
  absl::Status register_factory(std::string name, std::function<Pid(Node&, const Args&)> factory);

  // ---- the cluster ----

  // Opens the [gateway], if configured (on amqp, the door for AMQP requests), then joins the
  // cluster through the configured seeds (or network). Errors: the gateway or the transport could
  // not start (an endpoint that cannot be bound, a broker out of reach), naming it.
  absl::Status start();
  // Shuts the runtime down, then leaves the cluster. Idempotent.
  void stop();

  // The other nodes that are up: name and id.
  std::vector<transport::NodeIdentity> nodes() const { return cluster_->nodes(); }
  // The id of the node called `name` (this one included), if it is up.
  std::optional<uint32_t> resolve_node(std::string_view name) const {
    return cluster_->resolve(name);
  }
  // Waits until the nodes named are all up; false if `timeout` passed first.
  bool await_nodes(const std::vector<std::string>& names, absl::Duration timeout) const;

  // `subscriber` receives NodeUp / NodeDown (node_events.h) for every node from now on, until it
  // stops or calls this with on = false.
  void monitor_nodes(Pid subscriber, bool on = true);

  // ---- global names (global_names.h) ----

  absl::Status register_global(const std::string& name, Pid pid) {
    return cluster_->names().register_name(name, pid);
  }
  absl::Status unregister_global(std::string_view name) {
    return cluster_->names().unregister_name(name);
  }
  std::optional<Pid> whereis_global(std::string_view name) const {
    return cluster_->names().whereis(name);
  }
  std::vector<std::string> registered_global_names() const { return cluster_->names().names(); }
  // The pid registered as `name` (on any node) as soon as there is one: at once if it is
  // registered now, else when this node learns of its registration. DeadlineExceeded if that
  // takes longer than `timeout`. Blocks the calling thread (see the top of this file).
  absl::StatusOr<Pid> await_global(std::string_view name, absl::Duration timeout) const;
  // `watcher`, an actor of this node, gets one GlobalNameDown (node_events.h) with the ref
  // returned when `name` leaves the pid that holds it now: it is released (its actor stopped, it
  // was unregistered, its node went down) or given to another pid (after a partition); at once if
  // nobody holds it now. As with a monitor, it is a message: past a full mailbox's capacity it is
  // a dead letter. The watch ends with the message, with demonitor_global, or when the watcher
  // stops. InvalidArgument if `watcher` is not of this node.
  absl::StatusOr<MonitorRef> monitor_global(Pid watcher, const std::string& name);
  // Ends a monitor_global watch; a GlobalNameDown already sent stays in the mailbox.
  void demonitor_global(Pid watcher, MonitorRef ref);

  // Sends to the actor registered as `name`, from `from` (an actor's pid, or the zero pid).
  // NotFound (and a dead letter) if no actor has the name; else as Actor::send.
  template <class T>
  absl::Status send_global(std::string_view name, T&& value, Pid from = {});
  // Sends `value` as a request to the actor registered as `name` and waits for its answer, as
  // ScopedActor's request<R> does (DeadlineExceeded after `timeout`, the error it answers, ...);
  // NotFound if no actor has the name. Blocks the calling thread.
  template <class R, class T>
  absl::StatusOr<R> request_global(std::string_view name, absl::Duration timeout, T&& value);

  // ---- remote calls and spawns ----

  // The node service of node `node_id`, the pid that answers RpcCall and SpawnRequest.
  static Pid service_pid(uint32_t node_id) noexcept { return Pid{node_id, kNodeServiceSerial}; }

  // An RpcCall of `function` with `args`, for actors that send it themselves (as a request with
  // request(...).then(...), to service_pid(node)). FailedPrecondition if Args has no codec.
  template <class Args>
  absl::StatusOr<RpcCall> make_rpc_call(std::string function, const Args& args) const;

  // Calls `function` on node `node` without waiting for it; errors: the node is not up, Args has
  // no codec. The function's result is dropped.
  template <class Args>
  absl::Status rpc_call(std::string_view node, std::string function, const Args& args);
  // Calls `function` on node `node` and waits for its result: NotFound for an unknown node or
  // function, DeadlineExceeded after `timeout`, Cancelled if this node stops meanwhile (or has
  // stopped), or the function's failure. spawn_remote waits the same way.
  template <class R, class Args>
  absl::StatusOr<R> rpc_blocking_call(std::string_view node, std::string function, const Args& args,
                                      absl::Duration timeout = absl::Seconds(5));
  // Spawns the actor factory `factory` on node `node` with `args` and returns the new pid.
  template <class Args>
  absl::StatusOr<Pid> spawn_remote(std::string_view node, std::string factory, const Args& args,
                                   absl::Duration timeout = absl::Seconds(5));

 private:
  Node(NodeConfig config, transport::NodeIdentity self);

  absl::StatusOr<uint32_t> node_id_of(std::string_view node) const;
  // A request from a client outside the cluster, on the transport's thread.
  void on_outside_request(transport::OutsideRequest request);
  // Encodes a value for an RpcCall / SpawnRequest.
  template <class T>
  absl::StatusOr<WirePayload> encode_args(const T& args) const;
  // Decodes the args of an incoming call as an Args.
  template <class Args>
  absl::StatusOr<Args> decode_args(std::string_view what, uint64_t type, std::string_view bytes);

  const NodeConfig config_;
  const transport::NodeIdentity self_;
  Logger log_;
  WireTypes types_;
  RemoteFunctions functions_;
  std::unique_ptr<transport::Transport> transport_;
  std::unique_ptr<Cluster> cluster_;
  // Last, so that it goes first: its destructor joins the workers, and an actor finishing on one
  // may still route a last exit signal through cluster_ after shutdown() counted it stopped.
  std::unique_ptr<Runtime> runtime_;
  // After the runtime, so that it goes before it: its thread calls the runtime.
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<gateway::BrokerDoor> broker_door_;
  bool started_ = false;
  bool stopped_ = false;
};

// ---- templates ----

template <class T>
absl::StatusOr<WirePayload> Node::encode_args(const T& args) const {
  const TypeCodec* codec = types_.codecs().find<T>();
  if (codec == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("arguments of type ", demangled_name<T>(),
                     " cannot leave the node: no codec is registered for them"));
  }
  absl::StatusOr<std::string> bytes = codec->encode(&args);
  if (!bytes.ok()) return bytes.status();
  return WirePayload{codec->wire_id, *std::move(bytes)};
}

template <class Args>
absl::StatusOr<Args> Node::decode_args(std::string_view what, uint64_t type,
                                       std::string_view bytes) {
  absl::StatusOr<Message> message = types_.codecs().decode(type, bytes);
  if (!message.ok()) return message.status();
  Args* args = message->get_if<Args>();
  if (args == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(absl::string_view(what.data(), what.size()),
                                                   " takes arguments of type ",
                                                   demangled_name<Args>()));
  }
  return std::move(*args);
}

template <class R, class Args>
absl::Status Node::register_rpc(std::string name, std::function<R(const Args&)> function) {
  std::string what = absl::StrCat("rpc '", name, "'");
  return functions_.add_function(
      std::move(name),
      [this, what, function = std::move(function)](const RpcCall& call, ResponsePromise promise) {
        absl::StatusOr<Args> args = decode_args<Args>(what, call.args_type, call.args);
        if (!args.ok()) {
          promise.fail(args.status());
          return;
        }
        promise.deliver(function(*args));
      });
}

template <class Args>
absl::Status Node::register_factory(std::string name,
                                    std::function<Pid(Node&, const Args&)> factory) {
  std::string what = absl::StrCat("factory '", name, "'");
  return functions_.add_factory(
      std::move(name), [this, what, factory = std::move(factory)](const SpawnRequest& request,
                                                                  ResponsePromise promise) {
        absl::StatusOr<Args> args = decode_args<Args>(what, request.args_type, request.args);
        if (!args.ok()) {
          promise.fail(args.status());
          return;
        }
        const Pid pid = factory(*this, *args);
        if (!pid.valid()) {
          promise.fail(absl::UnavailableError(absl::StrCat(what, " spawned nothing")));
          return;
        }
        promise.deliver(pid);
      });
}

template <class T>
absl::Status Node::send_global(std::string_view name, T&& value, Pid from) {
  std::optional<Pid> pid = whereis_global(name);
  if (!pid.has_value()) {
    const std::string reason = absl::StrCat("no actor is registered as global name '",
                                            absl::string_view(name.data(), name.size()), "'");
    runtime_->report_dead_letter(
        Pid{}, make_element<std::decay_t<T>>(from, MessageKind::kUser, 0, std::forward<T>(value)),
        reason);
    return absl::NotFoundError(reason);
  }
  return runtime_->deliver(
      *pid, make_element<std::decay_t<T>>(from, MessageKind::kUser, 0, std::forward<T>(value)));
}

template <class R, class T>
absl::StatusOr<R> Node::request_global(std::string_view name, absl::Duration timeout, T&& value) {
  std::optional<Pid> pid = whereis_global(name);
  if (!pid.has_value()) {
    return absl::NotFoundError(absl::StrCat("no actor is registered as global name '",
                                            absl::string_view(name.data(), name.size()), "'"));
  }
  ScopedActor caller(*runtime_);
  return caller->request<R>(*pid, timeout, std::forward<T>(value));
}

template <class Args>
absl::StatusOr<RpcCall> Node::make_rpc_call(std::string function, const Args& args) const {
  absl::StatusOr<WirePayload> payload = encode_args(args);
  if (!payload.ok()) return payload.status();
  return RpcCall{std::move(function), payload->type_id, std::move(payload->bytes)};
}

template <class Args>
absl::Status Node::rpc_call(std::string_view node, std::string function, const Args& args) {
  absl::StatusOr<uint32_t> id = node_id_of(node);
  if (!id.ok()) return id.status();
  absl::StatusOr<RpcCall> call = make_rpc_call(std::move(function), args);
  if (!call.ok()) return call.status();
  return runtime_->send(service_pid(*id), *std::move(call)).status();
}

template <class R, class Args>
absl::StatusOr<R> Node::rpc_blocking_call(std::string_view node, std::string function,
                                          const Args& args, absl::Duration timeout) {
  absl::StatusOr<uint32_t> id = node_id_of(node);
  if (!id.ok()) return id.status();
  absl::StatusOr<RpcCall> call = make_rpc_call(std::move(function), args);
  if (!call.ok()) return call.status();
  ScopedActor caller(*runtime_);
  return caller->request<R>(service_pid(*id), timeout, *std::move(call));
}

template <class Args>
absl::StatusOr<Pid> Node::spawn_remote(std::string_view node, std::string factory, const Args& args,
                                       absl::Duration timeout) {
  absl::StatusOr<uint32_t> id = node_id_of(node);
  if (!id.ok()) return id.status();
  absl::StatusOr<WirePayload> payload = encode_args(args);
  if (!payload.ok()) return payload.status();
  ScopedActor caller(*runtime_);
  return caller->request<Pid>(
      service_pid(*id), timeout,
      SpawnRequest{std::move(factory), payload->type_id, std::move(payload->bytes)});
}

}  // namespace bossa
