// TestCluster: a cluster for the conformance suite, the same for every backend.
//
// The node "main" runs in the test process; peers run in-process on a shared LocalNetwork for the
// local backend, and as test_node processes for the native one (on loopback) and the amqp one
// (through the broker at $BOSSA_TEST_AMQP_URL, which `./run test` starts; each cluster has an
// exchange prefix of its own, so clusters tested at once on one broker stay apart). A peer is a
// real process, so kill_peer is a real kill -9. Every node hosts the test services
// (test_services.h) and the global name "echo@<name>". The destructor ends every peer and waits
// for it, bounded in time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cluster/authorization.h"
#include "cluster/logger.h"
#include "cluster/node.h"
#include "tests/support/child_process.h"
#include "transport/local/local_network.h"
#include "transport/node_keys.h"

namespace bossa::cluster_test {

enum class Backend { kLocal, kNative, kAmqp };

std::string backend_name(Backend backend);

// The broker the amqp backend's tests use: $BOSSA_TEST_AMQP_URL. Without it the test fails,
// saying how to provide one.
std::string test_amqp_url();
// The same broker over TLS ($BOSSA_TEST_AMQPS_URL) and the CA file that its certificate chains to
// ($BOSSA_TEST_AMQP_CA_FILE); `./run test` sets both.
std::string test_amqps_url();
std::string test_amqp_ca_file();

// What the amqp backend's own tests change.
struct AmqpOptions {
  std::string url;  // empty: test_amqp_url()
  bool publisher_confirms = false;
  std::optional<absl::Duration> reconnect_grace;  // unset: the default
  // Every node logs in as the test broker's one user (transport.amqp.shared_user).
  bool shared_user = true;
};

// What main starts with, for the tests of what it lets its peers do (native).
struct MainOptions {
  // Peers whose keys go into main's [[authorization]] groups, one group each with what it may
  // do: their key pairs are made before main starts, and config_for(name) hands each its own.
  std::vector<std::pair<std::string, std::vector<Grant>>> restricted_peers;
  Logger::Sink log_sink;  // main's log, instead of stderr, from its start
  // Registers main's own types besides the test services', before it starts.
  std::function<absl::Status(Node&)> register_types{};
};

// Whether `condition` holds within `timeout`, looked at every 10 ms.
template <typename Condition>
bool eventually(Condition condition, absl::Duration timeout = absl::Seconds(10)) {
  for (const absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(10))) {
    if (condition()) return true;
  }
  return condition();
}

class TestCluster {
 public:
  explicit TestCluster(Backend backend, AmqpOptions amqp = AmqpOptions(),
                       MainOptions main_options = MainOptions());
  ~TestCluster();

  Node& main() { return *main_; }
  // amqp: the prefix of this cluster's exchanges (transport.amqp.exchange).
  const std::string& amqp_exchange() const { return exchange_; }
  // Starts peer `name` and waits until main sees it up (fails the test otherwise).
  void start_peer(const std::string& name);
  // Ends peer `name` at once: SIGKILL for a process; for an in-process node, cut it off the
  // network first, so that the others see it vanish rather than shut down.
  void kill_peer(const std::string& name);
  // Ends peer process `name` as an operator would: it leaves the cluster (its stdin closes) and
  // exits 0.
  void stop_peer(const std::string& name);
  // The process id of peer `name` (native and amqp backends).
  pid_t peer_pid(const std::string& name) const;
  // native: the key pair file peer process `name` last started with.
  std::string peer_key_file(const std::string& name) const { return key_files_.at(name); }

  // The config a peer `name` of this cluster starts with. On native: seeded with main, and
  // secure, with a new key pair of its own that every node of the cluster trusts.
  NodeConfig config_for(const std::string& name);
  // native: main as a seed, with its key (KEY@ENDPOINT).
  std::string main_seed() const;
  // native: the directory whose .pub files every node of the cluster trusts.
  std::string keys_directory() const { return directory_ + "/keys"; }
  // Starts a test_node process with `config` (native and amqp backends) and waits until it has
  // started; it is not a peer of the cluster: the caller owns it, and main need not see it. Its
  // stdout and stderr (the node's log) are captured: read what it logs, or it may stall.
  std::unique_ptr<ChildProcess> launch(const NodeConfig& config);
  // The same with another node program, which takes the config file's path as its one argument
  // and prints "READY <node name>" on stdout once started.
  std::unique_ptr<ChildProcess> launch(const NodeConfig& config, const std::string& program);

 private:
  void start_process(const std::string& name, const NodeConfig& config);
  // A new key pair for node `name`, written into the keys directory.
  transport::NodeKeyPair make_key_pair(const std::string& name, std::string& key_file);
  // A test_node process (or `program`) with `config`, once it said READY; null (and a test
  // failure) if not.
  std::unique_ptr<ChildProcess> start_child(const NodeConfig& config, bool capture_log,
                                            const std::string& program = {});

  const Backend backend_;
  const AmqpOptions amqp_;
  std::string directory_;  // config files and ipc paths of this cluster
  std::string exchange_;   // amqp: this cluster's exchange prefix
  int started_ = 0;        // processes started, for their config files' names
  int keys_made_ = 0;      // key pairs made, for their files' names
  std::string main_public_key_;
  // Key pairs made for restricted peers before main started, by name, with their files.
  absl::flat_hash_map<std::string, std::pair<transport::NodeKeyPair, std::string>> prepared_keys_;
  transport::LocalNetwork network_{"conformance"};
  std::unique_ptr<Node> main_;
  absl::flat_hash_map<std::string, std::unique_ptr<Node>> local_peers_;
  absl::flat_hash_map<std::string, std::unique_ptr<ChildProcess>> processes_;
  absl::flat_hash_map<std::string, std::string> key_files_;  // by peer name
};

}  // namespace bossa::cluster_test
