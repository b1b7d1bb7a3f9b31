// NodeMetrics: one reading of what a node counts about itself, and its two renderings: the
// Prometheus text exposition format (for GET /metrics) and a short readable report (for the
// "bossa.status" rpc and `bossa-node status`).
//
//   NodeMetrics now = read_metrics(node, "native", started);
//   std::string scrape = format_prometheus(now);   // # HELP / # TYPE / bossa_..{node="alpha"} 12
//   std::string report = format_status(now);
//
// The fields say what each counts; docs/user-guide.md lists them for operators. Each counter is
// exact, but a reading is not an atomic snapshot (they are read one by one while traffic flows),
// and the mailbox depths visit every actor. Thread-safety: read_metrics may be called from any
// thread once the node has started; the formatters are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "cluster/gateway/gateway_stats.h"
#include "cluster/node.h"

namespace bossa {

struct NodeMetrics {
  std::string node;       // the node's name, the `node` label of every metric
  uint32_t id = 0;        // the node's id in this run
  std::string transport;  // the transport's kind
  std::string endpoint;   // where peers reach it ("" when the transport has no endpoint)
  double uptime_seconds = 0;

  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  // Octets the transport sent other nodes: the envelopes and its own frames (Transport::bytes_sent)
  uint64_t transport_bytes_out = 0;
  uint64_t dead_letters = 0;   // all of them, undeliverable included
  uint64_t undeliverable = 0;  // for a node that is not up
  uint64_t decode_errors = 0;
  uint64_t rejected = 0;
  uint64_t forged_senders = 0;  // of those, refused for a sender that was not who it claimed
  uint64_t unauthorized = 0;    // envelopes refused: their sender's key may not do that
  uint64_t node_up_events = 0;
  uint64_t node_down_events = 0;
  uint64_t envelopes_in_doubt = 0;         // sent to nodes that went down, never acknowledged
  transport::ConnectionStats connections;  // of the transport's listen endpoint
  // Set when the node has a [gateway] (native) or takes AMQP requests (amqp).
  std::optional<gateway::GatewayStats> gateway;

  std::vector<std::string> peers;  // the other nodes up now, by name, sorted
  uint64_t actors = 0;             // live actors
  uint64_t global_names = 0;       // global names registered in the cluster, as this node sees it
  uint64_t local_names = 0;        // names registered on this node's runtime
  uint64_t mailbox_messages = 0;   // messages waiting in all mailboxes
  uint64_t deepest_mailbox = 0;    // messages waiting in the fullest mailbox
  std::string deepest_actor;       // its actor's pid, "" when no mail waits
};

// Reads the node's counters now. `started` is when the node started (for the uptime).
NodeMetrics read_metrics(Node& node, std::string_view transport, absl::Time started);

// The Prometheus text exposition format (version 0.0.4): a # HELP and a # TYPE line per metric,
// names prefixed bossa_, counters suffixed _total, each sample labelled node="<name>".
std::string format_prometheus(const NodeMetrics& metrics);

// A few readable lines, headed by the node's name, id, endpoint and uptime.
std::string format_status(const NodeMetrics& metrics);

}  // namespace bossa
