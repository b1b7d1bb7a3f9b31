#include "tests/support/test_cluster.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/string_view_bridge.h"
#include "gtest/gtest.h"
#include "tests/support/test_services.h"
#include "transport/node_keys.h"

namespace bossa::cluster_test {
namespace {

// How long a test node may take to leave once its stdin closes, before it is killed.
constexpr absl::Duration kLeaveTimeout = absl::Seconds(5);

std::string to_toml(const NodeConfig& config) {
  std::string seeds;
  for (const std::string& seed : config.transport.seeds) {
    absl::StrAppend(&seeds, seeds.empty() ? "" : ", ", "\"", seed, "\"");
  }
  std::string toml = absl::StrCat(
      "[node]\nname = \"", config.name, "\"\nworkers = 2\n[transport]\nkind = \"",
      transport::transport_kind_name(config.transport.kind), "\"\nseeds = [", seeds, "]\n");
  if (!config.transport.listen.empty()) {
    absl::StrAppend(&toml, "listen = \"", config.transport.listen, "\"\n");
  }
  absl::StrAppend(&toml, "security = \"", transport::security_name(config.transport.security),
                  "\"\n");
  if (!config.transport.key_file.empty()) {
    absl::StrAppend(&toml, "key_file = \"", config.transport.key_file, "\"\n");
  }
  if (!config.transport.trusted_keys_dir.empty()) {
    absl::StrAppend(&toml, "trusted_keys_dir = \"", config.transport.trusted_keys_dir, "\"\n");
  }
  std::string trusted;
  for (const std::string& key : config.transport.trusted_keys) {
    absl::StrAppend(&trusted, trusted.empty() ? "" : ", ", "\"", transport::encode_z85_key(key),
                    "\"");
  }
  absl::StrAppend(&toml, "trusted_keys = [", trusted, "]\n");
  if (config.transport.kind == transport::TransportKind::kAmqp) {
    absl::StrAppend(
        &toml, "[transport.amqp]\nurl = \"", config.transport.amqp.url, "\"\nexchange = \"",
        config.transport.amqp.exchange,
        "\"\npublisher_confirms = ", config.transport.amqp.publisher_confirms ? "true" : "false",
        "\nreconnect_grace = \"", absl::FormatDuration(config.transport.amqp.reconnect_grace),
        "\"\nshared_user = ", config.transport.amqp.shared_user ? "true" : "false", "\n");
  }
  auto quoted = [](const std::string& text) { return absl::StrCat("\"", text, "\""); };
  for (const AuthorizationGroup& group : config.authorization) {
    std::vector<std::string> keys, users, allow;
    for (const std::string& key : group.keys)
      keys.push_back(quoted(transport::encode_z85_key(key)));
    for (const std::string& user : group.users) users.push_back(quoted(user));
    for (const Grant& grant : group.allow) {
      allow.push_back(
          quoted(absl::StrCat(as_absl(action_name(grant.action)), grant.names.empty() ? "" : ":",
                              absl::StrJoin(grant.names, ","))));
    }
    absl::StrAppend(&toml, "[[authorization]]\nkeys = [", absl::StrJoin(keys, ", "), "]\nusers = [",
                    absl::StrJoin(users, ", "), "]\nallow = [", absl::StrJoin(allow, ", "), "]\n");
  }
  return toml;
}

}  // namespace

std::string backend_name(Backend backend) {
  switch (backend) {
    case Backend::kLocal:
      return "local";
    case Backend::kNative:
      return "native";
    case Backend::kAmqp:
      return "amqp";
  }
  return "unknown";
}

namespace {

// The value of environment variable `name`, set by `./run test`; a test failure without it.
std::string broker_setting(const char* name, std::string_view fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name
                  << " is not set: the amqp tests need a RabbitMQ broker. `./run test` starts "
                     "one; by hand: tools/local_rabbitmq start DIR (see its header)";
    return std::string(fallback);
  }
  return value;
}

}  // namespace

std::string test_amqp_url() {
  return broker_setting("BOSSA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:1");
}

std::string test_amqps_url() {
  return broker_setting("BOSSA_TEST_AMQPS_URL", "amqps://guest:guest@localhost:1");
}

std::string test_amqp_ca_file() {
  return broker_setting("BOSSA_TEST_AMQP_CA_FILE", "/nonexistent/ca.pem");
}

TestCluster::TestCluster(Backend backend, AmqpOptions amqp, MainOptions main_options)
    : backend_(backend), amqp_(std::move(amqp)) {
  char pattern[] = "/tmp/bossa-cluster-XXXXXX";
  directory_ = ::mkdtemp(pattern);
  exchange_ = absl::StrCat("bossa-test-", std::filesystem::path(directory_).filename().string());
  NodeConfig main_config = config_for("main");
  for (auto& [name, allow] : main_options.restricted_peers) {
    std::string key_file;
    transport::NodeKeyPair key_pair = make_key_pair(name, key_file);
    main_config.authorization.push_back(
        AuthorizationGroup{.keys = {key_pair.public_key}, .users = {}, .allow = allow});
    prepared_keys_[name] = {std::move(key_pair), std::move(key_file)};
  }
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::create(main_config, transport::TransportEnvironment{&network_});
  if (!node.ok()) {
    ADD_FAILURE() << node.status();
    std::abort();
  }
  main_ = *std::move(node);
  main_public_key_ = main_config.transport.public_key;
  main_->log().set_level(LogLevel::kWarning);
  if (main_options.log_sink) main_->log().set_sink(std::move(main_options.log_sink));
  absl::Status started =
      main_options.register_types ? main_options.register_types(*main_) : absl::OkStatus();
  if (started.ok()) started = start_test_node(*main_);
  if (!started.ok()) {
    ADD_FAILURE() << started;
    std::abort();
  }
}

TestCluster::~TestCluster() {
  for (auto& [name, process] : processes_) process->close_stdin();
  for (auto& [name, process] : processes_) (void)process->wait(kLeaveTimeout);
  processes_.clear();  // kills and reaps any that did not leave in time
  for (auto& [name, node] : local_peers_) node->stop();
  main_->stop();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

NodeConfig TestCluster::config_for(const std::string& name) {
  NodeConfig config;
  config.name = name;
  config.workers = 2;
  config.source = name + ".toml";
  if (backend_ == Backend::kLocal) {
    config.transport.kind = transport::TransportKind::kLocal;
    config.transport.network = network_.name();
    return config;
  }
  if (backend_ == Backend::kAmqp) {
    config.transport.kind = transport::TransportKind::kAmqp;
    config.transport.amqp.url = amqp_.url.empty() ? test_amqp_url() : amqp_.url;
    config.transport.amqp.exchange = exchange_;
    config.transport.amqp.publisher_confirms = amqp_.publisher_confirms;
    if (amqp_.reconnect_grace) config.transport.amqp.reconnect_grace = *amqp_.reconnect_grace;
    config.transport.amqp.shared_user = amqp_.shared_user;
    return config;
  }
  config.transport.kind = transport::TransportKind::kNative;
  config.transport.listen = "tcp://127.0.0.1:*";  // a free port; Hellos tell the peers
  // Secure, as by default: a key pair of its own (made now, or before main started for a
  // restricted peer), and every key of the cluster trusted, through the directory its public key
  // is written to.
  transport::NodeKeyPair key_pair;
  if (auto prepared = prepared_keys_.find(name); prepared != prepared_keys_.end()) {
    key_pair = prepared->second.first;
    config.transport.key_file = prepared->second.second;
  } else {
    key_pair = make_key_pair(name, config.transport.key_file);
  }
  config.transport.public_key = key_pair.public_key;
  config.transport.secret_key = key_pair.secret_key;
  config.transport.trusted_keys_dir = keys_directory();
  if (main_ != nullptr) config.transport.seeds.push_back(main_seed());
  return config;
}

transport::NodeKeyPair TestCluster::make_key_pair(const std::string& name, std::string& key_file) {
  std::filesystem::create_directories(keys_directory());
  key_file = absl::StrCat(keys_directory(), "/", name, "-", ++keys_made_, ".key");
  transport::NodeKeyPair key_pair = transport::generate_node_key_pair();
  const absl::Status written = transport::write_node_key_files(key_file, key_pair);
  EXPECT_TRUE(written.ok()) << written;
  return key_pair;
}

std::string TestCluster::main_seed() const {
  return absl::StrCat(transport::encode_z85_key(main_public_key_), "@", main_->endpoint());
}

void TestCluster::start_peer(const std::string& name) {
  NodeConfig config = config_for(name);
  if (backend_ == Backend::kLocal) {
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::create(config, transport::TransportEnvironment{&network_});
    ASSERT_TRUE(node.ok()) << node.status();
    (*node)->log().set_level(LogLevel::kWarning);
    ASSERT_TRUE(start_test_node(**node).ok());
    local_peers_[name] = *std::move(node);
  } else {
    start_process(name, config);
  }
  ASSERT_TRUE(main_->await_nodes({name}, absl::Seconds(10))) << name << " did not come up";
  // Its echo's global name reaches main through the name sync or the commit.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!main_->whereis_global("echo@" + name).has_value() && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(main_->whereis_global("echo@" + name).has_value());
}

void TestCluster::start_process(const std::string& name, const NodeConfig& config) {
  std::unique_ptr<ChildProcess> child = start_child(config, /*capture_log=*/false);
  if (child != nullptr) processes_[name] = std::move(child);
  key_files_[name] = config.transport.key_file;
}

void TestCluster::stop_peer(const std::string& name) {
  auto it = processes_.find(name);
  ASSERT_NE(it, processes_.end());
  it->second->close_stdin();
  absl::StatusOr<int> code = it->second->wait(kLeaveTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  processes_.erase(it);
}

std::unique_ptr<ChildProcess> TestCluster::launch(const NodeConfig& config) {
  return start_child(config, /*capture_log=*/true);
}

std::unique_ptr<ChildProcess> TestCluster::launch(const NodeConfig& config,
                                                  const std::string& program) {
  return start_child(config, /*capture_log=*/true, program);
}

std::unique_ptr<ChildProcess> TestCluster::start_child(const NodeConfig& config, bool capture_log,
                                                       const std::string& program) {
  const std::string path = absl::StrCat(directory_, "/", config.name, "-", ++started_, ".toml");
  std::ofstream(path) << to_toml(config);
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::start(
      program.empty() ? std::string(BOSSA_TEST_NODE_PATH) : program, {path},
      {.capture_stdout = true, .capture_stderr = capture_log, .pipe_stdin = true});
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return nullptr;
  absl::StatusOr<std::string> ready =
      (*child)->await_line(ChildProcess::kStdout, "READY " + config.name, absl::Seconds(20));
  EXPECT_TRUE(ready.ok()) << ready.status();
  return *std::move(child);
}

pid_t TestCluster::peer_pid(const std::string& name) const {
  auto it = processes_.find(name);
  return it == processes_.end() ? -1 : it->second->pid();
}

void TestCluster::kill_peer(const std::string& name) {
  if (backend_ == Backend::kLocal) {
    auto it = local_peers_.find(name);
    ASSERT_NE(it, local_peers_.end());
    network_.cut(it->second->id());
    it->second->stop();
    local_peers_.erase(it);
    return;
  }
  auto it = processes_.find(name);
  ASSERT_NE(it, processes_.end());
  it->second->signal(SIGKILL);
  ASSERT_TRUE(it->second->wait(absl::Seconds(10)).ok());
  processes_.erase(it);
}

}  // namespace bossa::cluster_test
