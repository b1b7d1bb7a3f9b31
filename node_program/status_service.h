// The status service every bossa-node hosts, and the client side of `bossa-node status`.
//
//   register_status_service(node, "native");          // before node.start()
//   absl::StatusOr<std::string> text = query_status(config, "beta", absl::Seconds(10));
//
// Node side: the rpc "bossa.status" (argument: any int64, ignored) answers with the node's
// format_status(read_metrics(...)). Client side: query_status joins the cluster `config` describes
// as a short-lived node of its own (its peers count one node up and one down), calls `target`'s
// "bossa.status", leaves, and returns the text, all within `timeout`: NotFound if the node did
// not show up, DeadlineExceeded if it did not answer, FailedPrecondition for a `local` transport.
//
// Thread-safety: register_status_service as Node::register_rpc; query_status may run on any
// thread (it owns its node).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cluster/node.h"
#include "cluster/node_config.h"

namespace bossa {

inline constexpr std::string_view kStatusRpc = "bossa.status";

// Registers kStatusRpc on `node`, reporting `transport` as its transport's kind and its uptime
// since `started`.
absl::Status register_status_service(Node& node, std::string transport,
                                     absl::Time started = absl::Now());

// Asks node `target` of the cluster `config` describes for its status, as above.
absl::StatusOr<std::string> query_status(const NodeConfig& config, std::string_view target,
                                         absl::Duration timeout);

}  // namespace bossa
