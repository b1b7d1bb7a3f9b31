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

// native: how links between nodes are secured (docs/security.md).
//   kCurve  every connection is CURVE (RFC 26): encrypted, and authenticated both ways by the
//           nodes' keys; a node admits only the keys it trusts, and a node id is bound to the key
//           its connections authenticated with. The default.
//   kNone   neither authenticated nor encrypted: anyone who reaches the listen endpoint can join.
//           The node logs a warning at start.
enum class Security { kCurve, kNone };

// The name a config file gives `security`: "curve" or "none"; and back (nullopt for any other).
const char* security_name(Security security);
std::optional<Security> parse_security(std::string_view name);

// A seed as a config names it: "tcp://host:port", or the seed node's public key (40 characters
// of Z85, as `bossa-node keygen` prints it) then "@" then the endpoint. Without a key, the seed is
// expected to hold this node's own key (a cluster whose nodes share one key pair).
struct Seed {
  std::string endpoint;
  std::string key;  // 32 octets, or empty
};
// nullopt unless `text` is an endpoint with an optional key as above (the endpoint itself is not
// checked here).
std::optional<Seed> parse_seed(std::string_view text);

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
  // Every node logs in as one broker user: a receiver cannot tell which node sent what, so it
  // checks no sender (the node warns at start). Otherwise each node logs in as the broker user
  // named after it, and a message claiming a node is taken only from that user.
  bool shared_user = false;
};

struct TransportConfig {
  TransportKind kind = TransportKind::kNative;
  std::string listen;              // native: this node's endpoint, tcp://host:port or ipc:///path
  std::vector<std::string> seeds;  // native: nodes to join through (parse_seed)
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
  // native, curve: this node's key pair (32 octets each), read from `key_file` (written by
  // `bossa-node keygen`), and the public keys of the nodes it admits: `trusted_keys` and the
  // *.pub files in `trusted_keys_dir`, which is read again while the node runs when it changes.
  // A node always trusts its own key.
  Security security = Security::kCurve;
  std::string key_file;
  std::string public_key;
  std::string secret_key;
  std::vector<std::string> trusted_keys;
  std::string trusted_keys_dir;
  AmqpConfig amqp;
};

}  // namespace bossa::transport
