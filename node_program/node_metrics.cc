#include "node_program/node_metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cluster/gateway/broker_door.h"
#include "cluster/gateway/gateway.h"

namespace bossa {
namespace {

uint64_t load(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

// A label value as the exposition format wants it: backslash, quote and newline escaped.
std::string escape_label(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class Exposition {
 public:
  explicit Exposition(absl::string_view node)
      : labels_(absl::StrCat("{node=\"", escape_label(node), "\"}")) {}

  void counter(absl::string_view name, absl::string_view help, uint64_t value) {
    family(name, help, "counter");
    absl::StrAppend(&text_, name, labels_, " ", value, "\n");
  }
  void gauge(absl::string_view name, absl::string_view help, double value) {
    family(name, help, "gauge");
    absl::StrAppend(&text_, name, labels_, " ", value, "\n");
  }
  void info(absl::string_view name, absl::string_view help, absl::string_view extra_labels) {
    family(name, help, "gauge");
    absl::StrAppend(&text_, name, labels_.substr(0, labels_.size() - 1), ",", extra_labels,
                    "} 1\n");
  }
  std::string take() { return std::move(text_); }

 private:
  void family(absl::string_view name, absl::string_view help, absl::string_view type) {
    absl::StrAppend(&text_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  }

  const std::string labels_;
  std::string text_;
};

std::string bytes(uint64_t n) {
  if (n < 10 * 1024) return absl::StrCat(n, " B");
  if (n < 10 * 1024 * 1024) return absl::StrFormat("%.1f KiB", static_cast<double>(n) / 1024);
  return absl::StrFormat("%.1f MiB", static_cast<double>(n) / (1024 * 1024));
}

}  // namespace

NodeMetrics read_metrics(Node& node, std::string_view transport, absl::Time started) {
  NodeMetrics m;
  m.node = node.name();
  m.id = node.id();
  m.transport = std::string(transport);
  m.endpoint = node.endpoint();
  m.uptime_seconds = absl::ToDoubleSeconds(absl::Now() - started);
  const NodeCounters& counters = node.counters();
  m.messages_in = load(counters.messages_in);
  m.messages_out = load(counters.messages_out);
  m.bytes_in = load(counters.bytes_in);
  m.bytes_out = load(counters.bytes_out);
  m.transport_bytes_out = node.transport_bytes_sent();
  m.undeliverable = load(counters.undeliverable);
  m.decode_errors = load(counters.decode_errors);
  m.rejected = load(counters.rejected);
  m.forged_senders = load(counters.forged_senders);
  m.unauthorized = load(counters.unauthorized);
  m.node_up_events = load(counters.nodes_up);
  m.node_down_events = load(counters.nodes_down);
  m.envelopes_in_doubt = load(counters.envelopes_in_doubt);
  m.connections = node.connection_stats();
  if (node.gateway() != nullptr) m.gateway = node.gateway()->stats();
  if (node.broker_door() != nullptr) m.gateway = node.broker_door()->stats();
  m.dead_letters = node.runtime().dead_letter_count();
  for (const transport::NodeIdentity& peer : node.nodes()) m.peers.push_back(peer.name);
  std::sort(m.peers.begin(), m.peers.end());
  m.actors = node.runtime().actor_count();
  m.global_names = node.registered_global_names().size();
  m.local_names = node.runtime().registered_names().size();
  const Runtime::MailboxDepths depths = node.runtime().mailbox_depths();
  m.mailbox_messages = depths.total;
  m.deepest_mailbox = depths.deepest;
  if (depths.deepest_actor.valid()) m.deepest_actor = depths.deepest_actor.to_string();
  return m;
}

std::string format_prometheus(const NodeMetrics& m) {
  Exposition out(m.node);
  out.info("bossa_node_info", "The node's id in this run and its transport.",
           absl::StrCat("id=\"", m.id, "\",transport=\"", escape_label(m.transport), "\""));
  out.gauge("bossa_uptime_seconds", "Seconds since the node started.", m.uptime_seconds);
  out.counter("bossa_messages_received_total", "Envelopes received from other nodes and decoded.",
              m.messages_in);
  out.counter("bossa_messages_sent_total", "Envelopes handed to the transport for other nodes.",
              m.messages_out);
  out.counter("bossa_received_bytes_total", "Bytes of the envelopes received.", m.bytes_in);
  out.counter("bossa_sent_bytes_total", "Bytes of the envelopes sent.", m.bytes_out);
  out.counter("bossa_transport_sent_bytes_total",
              "Bytes the transport sent other nodes: the envelopes and its own traffic (native: "
              "hellos, heartbeats, acks), without socket framing; 0 where it does not count.",
              m.transport_bytes_out);
  out.counter("bossa_dead_letters_total",
              "Messages that could not be delivered, undeliverable ones included.", m.dead_letters);
  out.counter("bossa_undeliverable_total",
              "Messages for other nodes that were not up or that the transport could not deliver.",
              m.undeliverable);
  out.counter("bossa_decode_errors_total", "Envelopes dropped as malformed or of unknown type.",
              m.decode_errors);
  out.counter("bossa_transport_rejected_total",
              "Messages the transport dropped before it had an envelope: bad framing, a sender "
              "that is not a member, an outside message that does not decode.",
              m.rejected);
  out.counter("bossa_transport_forged_senders_total",
              "Of those, messages that claimed to come from a node their authenticated sender "
              "does not speak for (amqp: the broker-validated user_id is not the node's user).",
              m.forged_senders);
  out.counter("bossa_unauthorized_total",
              "Envelopes refused because the key of the node that sent them may not do what they "
              "ask ([[authorization]]): counted, logged, answered with an error where one is due.",
              m.unauthorized);
  out.counter("bossa_node_up_events_total", "Other nodes seen coming up.", m.node_up_events);
  out.counter("bossa_node_down_events_total", "Other nodes seen going down.", m.node_down_events);
  out.counter("bossa_envelopes_in_doubt_total",
              "Envelopes sent to nodes that then went down, which they never acknowledged.",
              m.envelopes_in_doubt);
  out.gauge("bossa_connected_nodes", "Other nodes up now.", static_cast<double>(m.peers.size()));
  out.gauge("bossa_connections_open", "Connections the listen endpoint has accepted, open now.",
            static_cast<double>(m.connections.open));
  out.gauge("bossa_connections_handshaking", "Of those, the ones still in their handshake.",
            static_cast<double>(m.connections.handshaking));
  out.counter("bossa_connections_refused_total",
              "Connections closed as they were accepted: max_connections or max_handshakes "
              "reached.",
              m.connections.refused);
  out.counter("bossa_connections_closed_bad_input_total",
              "Connections closed for what the peer sent: malformed bytes, a message over "
              "max_message_size, a handshake over handshake_timeout.",
              m.connections.closed_bad_input);
  out.counter("bossa_connections_refused_keys_total",
              "Of those, connections whose key (or user) the authenticator refused: a node or "
              "client the config does not trust.",
              m.connections.refused_keys);
  if (m.gateway.has_value()) {
    const gateway::GatewayStats& g = *m.gateway;
    out.counter("bossa_gateway_requests_total",
                "Requests from clients outside the cluster passed on to an actor.", g.requests);
    out.counter("bossa_gateway_replies_total", "Of those, answered OK.", g.replies);
    out.counter("bossa_gateway_failed_total",
                "Of those, answered with an error: the actor's, a crash, a timeout.", g.failed);
    out.counter("bossa_gateway_timeouts_total", "Of the failed, timed out.", g.timeouts);
    out.counter("bossa_gateway_refused_total",
                "Requests refused because the client's key may not call the target.", g.refused);
    out.counter("bossa_gateway_unknown_targets_total", "Requests for a name no actor has.",
                g.unknown_targets);
    out.counter("bossa_gateway_bad_requests_total",
                "Requests whose frames or body do not make a request.", g.bad_requests);
    out.counter("bossa_gateway_overloaded_total",
                "Requests refused because max_pending requests were in flight.", g.overloaded);
    out.counter("bossa_gateway_replies_dropped_total",
                "Answers dropped because their client had gone or did not read.",
                g.replies_dropped);
  }
  out.gauge("bossa_actors", "Live actors on the node.", static_cast<double>(m.actors));
  out.gauge("bossa_global_names", "Global names registered in the cluster.",
            static_cast<double>(m.global_names));
  out.gauge("bossa_local_names", "Names registered on this node.",
            static_cast<double>(m.local_names));
  out.gauge("bossa_mailbox_messages", "Messages waiting in the mailboxes of all actors.",
            static_cast<double>(m.mailbox_messages));
  out.gauge("bossa_mailbox_depth_max", "Messages waiting in the fullest mailbox.",
            static_cast<double>(m.deepest_mailbox));
  return out.take();
}

std::string format_status(const NodeMetrics& m) {
  std::string out =
      absl::StrFormat("node %s (id %u, %s%s%s), up %.1f s\n", m.node, m.id, m.transport,
                      m.endpoint.empty() ? "" : " at ", m.endpoint, m.uptime_seconds);
  absl::StrAppend(&out, "  peers         ", m.peers.size(), " up", m.peers.empty() ? "" : ": ",
                  absl::StrJoin(m.peers, ", "), "\n");
  absl::StrAppend(&out, "  messages      in ", m.messages_in, " (", bytes(m.bytes_in), "), out ",
                  m.messages_out, " (", bytes(m.bytes_out), "); the transport sent ",
                  bytes(m.transport_bytes_out), "\n");
  absl::StrAppend(
      &out, "  dead letters  ", m.dead_letters, " (", m.undeliverable,
      " bound for other nodes), decode errors ", m.decode_errors, ", rejected ", m.rejected,
      m.forged_senders == 0 ? "" : absl::StrCat(" (", m.forged_senders, " forged senders)"),
      m.unauthorized == 0 ? "" : absl::StrCat(", unauthorized ", m.unauthorized), "\n");
  absl::StrAppend(&out, "  node events   ", m.node_up_events, " up, ", m.node_down_events,
                  " down (", m.envelopes_in_doubt, " envelopes in doubt)\n");
  absl::StrAppend(&out, "  connections   ", m.connections.open, " open (",
                  m.connections.handshaking, " in their handshake), ", m.connections.refused,
                  " refused, ", m.connections.closed_bad_input, " closed for bad input (",
                  m.connections.refused_keys, " untrusted keys)\n");
  if (m.gateway.has_value()) {
    const gateway::GatewayStats& g = *m.gateway;
    absl::StrAppend(&out, "  gateway       ", g.requests, " requests (", g.replies, " answered, ",
                    g.failed, " failed, ", g.timeouts, " timed out); refused ", g.refused,
                    ", unknown targets ", g.unknown_targets, ", bad ", g.bad_requests,
                    ", overloaded ", g.overloaded, "; ", g.replies_dropped, " replies dropped\n");
  }
  absl::StrAppend(&out, "  actors        ", m.actors, " live; names ", m.global_names, " global, ",
                  m.local_names, " local\n");
  absl::StrAppend(&out, "  mailboxes     ", m.mailbox_messages, " messages waiting",
                  m.deepest_actor.empty()
                      ? ""
                      : absl::StrCat("; fullest ", m.deepest_actor, " with ", m.deepest_mailbox),
                  "\n");
  return out;
}

}  // namespace bossa
