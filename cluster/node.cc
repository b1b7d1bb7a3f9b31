#include "cluster/node.h"

#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cluster/gateway/broker_door.h"
#include "cluster/gateway/gateway.h"

namespace bossa {
namespace {

// A fresh id for this run of a node: nonzero, and different from the last run's, so that pids
// of a node that restarted are not mistaken for the new node's (Erlang's "creation").
uint32_t fresh_node_id() {
  std::random_device entropy;
  uint32_t id = 0;
  while (id == 0) id = entropy();
  return id;
}

// Global-name claims wait for every node to answer or be declared down.
absl::Duration claim_timeout(const transport::TransportConfig& config) {
  return config.node_down_after * 2 + absl::Seconds(1);
}

}  // namespace

Node::Node(NodeConfig config, transport::NodeIdentity self)
    : config_(std::move(config)), self_(std::move(self)), log_(self_.name) {}

absl::StatusOr<std::unique_ptr<Node>> Node::create(NodeConfig config,
                                                   transport::TransportEnvironment environment) {
  config.transport.busy_wait = config.busy_wait;
  absl::StatusOr<std::unique_ptr<transport::Transport>> transport =
      transport::make_transport(config.transport, environment);
  if (!transport.ok()) {
    return absl::Status(transport.status().code(),
                        absl::StrCat(config.source, ": ", transport.status().message()));
  }
  transport::NodeIdentity self{fresh_node_id(), config.name};
  std::unique_ptr<Node> node(new Node(std::move(config), std::move(self)));
  node->transport_ = *std::move(transport);
  absl::Status types = node->types_.add_builtins();
  if (types.ok()) types = add_system_types(node->types_);
  if (!types.ok()) return types;
  node->runtime_ = std::make_unique<Runtime>(RuntimeOptions{.node_id = node->self_.id,
                                                            .workers = node->config_.workers,
                                                            .busy_wait = node->config_.busy_wait,
                                                            .mailbox = node->config_.mailbox});
  if (node->config_.mailbox.capacity == 0) {
    node->log_.log(LogLevel::kWarning,
                   "[node] mailbox_capacity = 0: mailboxes are unbounded, and a slow actor can "
                   "take all the memory its senders fill it with");
  }
  if (node->config_.transport.kind == transport::TransportKind::kNative &&
      node->config_.transport.security == transport::Security::kNone) {
    node->log_.log(LogLevel::kWarning,
                   absl::StrCat("[transport] security = \"none\": links are neither authenticated "
                                "nor encrypted; anyone who reaches ",
                                node->config_.transport.listen,
                                " can join this cluster and speak for any node"));
  }
  Node* raw = node.get();
  node->cluster_ = std::make_unique<Cluster>(
      *node->runtime_, node->types_, *node->transport_, node->self_,
      claim_timeout(node->config_.transport), node->log_,
      Cluster::Listeners{
          // Never waiting for room: these run on the transport's thread, which must not wait.
          .node_changed =
              [raw](const transport::NodeIdentity& changed, bool up, std::string_view reason,
                    const transport::DeliveryTally& tally) {
                (void)raw->runtime_->deliver(
                    service_pid(raw->self_.id),
                    make_element<NodeChanged>(
                        Pid{}, MessageKind::kUser, 0,
                        NodeChanged{changed, up, std::string(reason), tally}));
              },
          .watch_name =
              [raw](const std::string& name, Pid pid, bool on) {
                (void)raw->runtime_->deliver(service_pid(raw->self_.id),
                                             make_element<WatchName>(Pid{}, MessageKind::kUser, 0,
                                                                     WatchName{name, pid, on}));
              },
          .name_left =
              [raw](const NameLeft& left) {
                (void)raw->runtime_->deliver(
                    left.watcher,
                    make_element<GlobalNameDown>(
                        Pid{}, MessageKind::kUser, 0,
                        GlobalNameDown{MonitorRef{left.watch}, left.name, left.holder, left.now}));
              },
          .outside_request =
              [raw](transport::OutsideRequest request) {
                raw->on_outside_request(std::move(request));
              },
          .outside_answer_lost =
              [raw](std::string_view why) {
                if (raw->broker_door_ != nullptr) raw->broker_door_->answer_lost(why);
              }},
      node->config_.authorization);
  const Pid service = node->runtime_->spawn([raw](EventedActor& self) {
    return node_service(self, raw->functions_, raw->cluster_->names());
  });
  if (service != service_pid(node->self_.id)) {
    return absl::InternalError(absl::StrCat("the node service started as ", service.to_string(),
                                            ", not ", service_pid(node->self_.id).to_string()));
  }
  return node;
}

Node::~Node() {
  stop();
}

absl::Status Node::start() {
  if (started_) return absl::FailedPreconditionError("the node is already started");
  if (!config_.gateway.listen.empty()) {
    absl::StatusOr<std::unique_ptr<gateway::Gateway>> door =
        gateway::Gateway::start(*this, config_);
    if (!door.ok()) return door.status();
    gateway_ = *std::move(door);
  }
  if (config_.transport.kind == transport::TransportKind::kAmqp) {
    auto door = std::make_unique<gateway::BrokerDoor>(*this, *transport_, config_);
    if (absl::Status opened = door->start(); !opened.ok()) return opened;
    broker_door_ = std::move(door);
  }
  runtime_->set_remote_router(cluster_.get());
  absl::Status started = transport_->start(self_, *cluster_);
  if (!started.ok()) {
    runtime_->set_remote_router(nullptr);
    if (gateway_ != nullptr) gateway_->stop();
    if (broker_door_ != nullptr) broker_door_->stop();
    return started;
  }
  started_ = true;
  log_.log(LogLevel::kInfo,
           absl::StrCat("node '", self_.name, "' (", self_.id, ") started over ",
                        transport::transport_kind_name(config_.transport.kind), " transport"));
  return absl::OkStatus();
}

void Node::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (gateway_ != nullptr) gateway_->stop();
  if (broker_door_ != nullptr) broker_door_->stop();
  runtime_->shutdown();
  if (started_) {
    transport_->stop();
    cluster_->transport_stopped();
    log_.log(LogLevel::kInfo, absl::StrCat("node '", self_.name, "' left the cluster"));
  }
  runtime_->set_remote_router(nullptr);
}

void Node::on_outside_request(transport::OutsideRequest request) {
  if (broker_door_ != nullptr) return broker_door_->handle(std::move(request));
  (void)transport_->answer_outside(transport::OutsideAnswer{
      std::move(request.to), "UNAVAILABLE", "text/plain", "this node takes no requests"});
}

std::string Node::gateway_endpoint() const {
  return gateway_ != nullptr ? gateway_->endpoint() : std::string();
}

bool Node::await_nodes(const std::vector<std::string>& names, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    bool all = true;
    for (const std::string& name : names) all &= resolve_node(name).has_value();
    if (all) return true;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

absl::StatusOr<Pid> Node::await_global(std::string_view name, absl::Duration timeout) const {
  std::optional<Pid> pid = cluster_->names().await(name, timeout);
  if (!pid.has_value()) {
    return absl::DeadlineExceededError(absl::StrCat("no actor was registered as global name '",
                                                    absl::string_view(name.data(), name.size()),
                                                    "' within ", absl::FormatDuration(timeout)));
  }
  return *pid;
}

absl::StatusOr<MonitorRef> Node::monitor_global(Pid watcher, const std::string& name) {
  if (watcher.node != self_.id) {
    return absl::InvalidArgumentError(
        absl::StrCat("monitor_global: the watcher ", watcher.to_string(), " is not of this node"));
  }
  // The service ends the watch should the watcher stop; it learns of it after the watch began,
  // so a watcher already stopped is caught too (its monitor fires at once).
  const GlobalNames::Watch watch = cluster_->names().watch(name, watcher);
  runtime_->send(service_pid(self_.id), WatchNameWatcher{watcher});
  return MonitorRef{watch.id};
}

void Node::demonitor_global(Pid watcher, MonitorRef ref) {
  cluster_->names().unwatch(watcher, ref.id);
}

void Node::monitor_nodes(Pid subscriber, bool on) {
  runtime_->send(service_pid(self_.id), MonitorNodes{subscriber, on});
}

absl::StatusOr<uint32_t> Node::node_id_of(std::string_view node) const {
  std::optional<uint32_t> id = resolve_node(node);
  if (!id.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no node called '", absl::string_view(node.data(), node.size()), "' is up"));
  }
  return *id;
}

}  // namespace bossa
