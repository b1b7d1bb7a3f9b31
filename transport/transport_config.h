// TransportConfig: which transport a node uses and how it is set up; make_transport() takes it.
//
// A node reads it from the [transport] and [transport.amqp] sections of its TOML file:
// cluster/node_config.h loads and validates it, and docs/config.md lists every key with its
// type, default and range. The fields below carry those keys' defaults. Keys that belong to
// another kind (`listen` when kind = "amqp", say) are validated but unused, so switching
// transports is a one-line change of `kind`.
//
// A plain value: copy it freely; it has no thread-safety concerns of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace bossa::transport {

enum class TransportKind { kNative, kAmqp, kLocal };

// The name a config file gives `kind`: "native", "amqp" or "local".
const char* transport_kind_name(TransportKind kind);
// The kind `name` names; nullopt for any other text.
std::optional<TransportKind> parse_transport_kind(std::string_view name);
// The names a config file may give, quoted, for error messages: "native", "amqp", "local".
inline constexpr char kTransportKindChoices[] = R"("native", "amqp", "local")";

struct AmqpConfig {
  std::string url = "amqp://guest:guest@127.0.0.1:5672/";  // amqp:// or amqps://
  std::string exchange = "bossa";                          // prefix of the exchanges bossa declares
  bool publisher_confirms = false;
  absl::Duration heartbeat = absl::Seconds(10);  // AMQP connection heartbeat
  absl::Duration connect_timeout = absl::Seconds(5);
  std::string ca_file;  // amqps: CA certificates to trust; empty: the system's
  // How long a node that lost the broker keeps its peers while it reconnects; zero: not at all,
  // every peer goes down as the broker is lost.
  absl::Duration reconnect_grace = absl::Seconds(15);
};

struct TransportConfig {
  TransportKind kind = TransportKind::kNative;
  std::string listen;              // native: this node's endpoint, tcp://host:port or ipc:///path
  std::vector<std::string> seeds;  // native: endpoints of nodes to join through
  std::string network;             // local: name of the in-process network to join
  absl::Duration heartbeat_interval = absl::Milliseconds(250);  // how often a node says it is alive
  absl::Duration node_down_after = absl::Seconds(2);  // silence after which a peer is down
  // native: what the listen endpoint admits. A message over max_message_size closes its
  // connection; a connection past max_connections open or max_handshakes in their handshake is
  // closed as it is accepted; a handshake longer than handshake_timeout is cut.
  int64_t max_message_size = int64_t{64} << 20;
  int64_t max_connections = 1024;
  int64_t max_handshakes = 256;
  absl::Duration handshake_timeout = absl::Seconds(10);
  // How long the thread that reads from peers polls before it sleeps (base/spin_wait.h). Not a
  // [transport] key: the node sets it from [node] busy_wait.
  absl::Duration busy_wait = absl::Microseconds(200);
  AmqpConfig amqp;
};

}  // namespace bossa::transport
