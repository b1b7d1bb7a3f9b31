// NodeConfig: what a bossa node boots from, read from a TOML file and validated in full.
//
//   absl::StatusOr<bossa::NodeConfig> config = bossa::load_node_config("node.toml");
//   if (!config.ok()) { std::cerr << config.status().message() << "\n"; return 1; }
//
// The file has a [node] section, the [transport] sections (transport/transport_config.h), an
// optional [gateway] section and [[authorization]] tables; docs/config.md lists every key. Reading
// is strict: an unknown key, a value of the wrong TOML type or out of range is an error. Each
// problem is one line of the status message, in line order, missing keys last, naming the file, the
// line (if the key is present), the key and what was expected:
//   node.toml:5: transport.kind: expected one of "native", "amqp", "local", got "nativ"
//
// Thread-safety: pure functions (load_node_config reads the file), from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cluster/authorization.h"
#include "runtime/mailbox_limit.h"
#include "transport/transport_config.h"

namespace bossa {

// [gateway]: the door through which clients outside the cluster (any ZeroMQ REQ or DEALER socket)
// call actors by name (docs/outside-clients.md). Native nodes only; an amqp node takes the
// timeouts, max_message_size and max_pending for its AMQP requests from it (without `listen`).
struct GatewayConfig {
  std::string listen;  // tcp://host:port (port may be *) or ipc:///path; empty: no gateway
  // curve: clients authenticate with CURVE against the node's key pair ([transport] key_file);
  // only the keys in `client_keys` or in an [[authorization]] group get in. none: anyone who
  // reaches the endpoint may call (the node logs a warning).
  transport::Security security = transport::Security::kCurve;
  std::vector<std::string> client_keys;           // `clients` and the .pub files of `clients_dir`
  absl::Duration timeout = absl::Seconds(5);      // a request's timeout when the client names none
  absl::Duration max_timeout = absl::Minutes(1);  // the longest a client may ask for
  int64_t max_message_size = int64_t{1} << 20;    // a larger request closes its connection
  int64_t max_pending = 10000;  // requests in flight over all clients; more are refused
};

struct NodeConfig {
  std::string name;    // [node] name, required: 1-64 chars of [A-Za-z0-9_.-]
  size_t workers = 0;  // [node] workers, 0 = one per hardware thread
  // [node] busy_wait, "0s" to "10ms": how long an idle thread polls before it sleeps (the
  // scheduler's workers, threaded actors in receive, the transport's reading thread).
  absl::Duration busy_wait = absl::Microseconds(200);
  // [node] mailbox_capacity (0: unbounded, which the node logs as a warning) and mailbox_policy
  // ("block", "drop_newest", "fail"): every actor's mailbox unless its spawn says otherwise.
  MailboxLimit mailbox;
  std::string source;  // the file it was read from, or the name given to parse_node_config
  transport::TransportConfig transport;
  GatewayConfig gateway;
  // [[authorization]]: what the peers whose keys are in a group may do; a peer in no group may
  // do everything (cluster/authorization.h).
  std::vector<AuthorizationGroup> authorization;
};

// Reads and validates the TOML file at `path`; messages name the file as `path` was given.
// NotFound if there is no such file; InvalidArgument if it is not valid TOML or not a valid
// configuration; another code (from errno) if it cannot be read.
absl::StatusOr<NodeConfig> load_node_config(const std::string& path);

// Parses and validates `toml_text`; messages name it `source_name`. InvalidArgument on any
// problem.
absl::StatusOr<NodeConfig> parse_node_config(std::string_view toml_text,
                                             std::string_view source_name);

}  // namespace bossa
