#include "node_program/status_service.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "node_program/node_metrics.h"
#include "transport/socket/core/endpoint.h"

namespace bossa {
namespace {

// The config of the short-lived node that asks: a fresh name, a free port beside the config's
// own endpoint, and that endpoint among the seeds.
absl::StatusOr<NodeConfig> asking_config(const NodeConfig& config) {
  NodeConfig asking = config;
  asking.name = absl::StrCat("status-", ::getpid());
  asking.workers = 1;
  transport::TransportConfig& transport = asking.transport;
  if (transport.kind == transport::TransportKind::kLocal) {
    return absl::FailedPreconditionError(
        absl::StrCat(config.source,
                     ": transport.kind = \"local\" cannot reach another process; "
                     "ask a node of a native or amqp cluster"));
  }
  if (transport.kind != transport::TransportKind::kNative) return asking;
  const std::string own = transport.listen;
  absl::StatusOr<socket::Endpoint> endpoint = socket::parse_endpoint(own);
  if (!endpoint.ok()) return endpoint.status();
  if (endpoint->kind == socket::Endpoint::Kind::kTcp) {
    if (endpoint->port != 0) transport.seeds.push_back(own);
    endpoint->port = 0;  // any free port on the node's host
  } else {               // ipc:///path: the node is reachable there; listen beside it
    endpoint->address = absl::StrCat(endpoint->address, ".", asking.name);
    transport.seeds.push_back(own);
  }
  transport.listen = socket::format_endpoint(*endpoint);
  if (transport.seeds.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        config.source, ": no seeds and no fixed listen port: nothing to join through"));
  }
  return asking;
}

}  // namespace

absl::Status register_status_service(Node& node, std::string transport, absl::Time started) {
  return node.register_rpc<std::string, int64_t>(
      std::string(kStatusRpc), [&node, transport = std::move(transport), started](const int64_t&) {
        return format_status(read_metrics(node, transport, started));
      });
}

absl::StatusOr<std::string> query_status(const NodeConfig& config, std::string_view target,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<NodeConfig> asking = asking_config(config);
  if (!asking.ok()) return asking.status();
  const std::string seeds = absl::StrJoin(asking->transport.seeds, ", ");
  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(*std::move(asking));
  if (!node.ok()) return node.status();
  (*node)->log().set_level(LogLevel::kWarning);
  if (absl::Status started = (*node)->start(); !started.ok()) return started;
  const std::string name(target);
  if (!(*node)->await_nodes({name}, deadline - absl::Now())) {
    return absl::NotFoundError(
        absl::StrCat("node '", name, "' did not show up within ", absl::FormatDuration(timeout),
                     seeds.empty() ? "" : absl::StrCat(" (joined through ", seeds, ")")));
  }
  absl::StatusOr<std::string> status = (*node)->rpc_blocking_call<std::string>(
      name, std::string(kStatusRpc), int64_t{0},
      std::max(deadline - absl::Now(), absl::Milliseconds(100)));
  (*node)->stop();
  if (!status.ok()) {
    return absl::Status(
        status.status().code(),
        absl::StrCat("asking node '", name, "' for its status: ", status.status().message()));
  }
  return status;
}

}  // namespace bossa
