#include "tests/support/test_cluster.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/support/test_services.h"

namespace bossa::cluster_test {
namespace {

std::string to_toml(const NodeConfig& config) {
  std::string seeds;
  for (const std::string& seed : config.transport.seeds) {
    absl::StrAppend(&seeds, seeds.empty() ? "" : ", ", "\"", seed, "\"");
  }
  std::string toml =
      absl::StrCat("[node]\nname = \"", config.name, "\"\nworkers = 2\n[transport]\nkind = \"",
                   config.transport.kind, "\"\nseeds = [", seeds, "]\n");
  if (!config.transport.listen.empty()) {
    absl::StrAppend(&toml, "listen = \"", config.transport.listen, "\"\n");
  }
  if (config.transport.kind == "amqp") {
    absl::StrAppend(&toml, "[transport.amqp]\nurl = \"", config.transport.amqp.url,
                    "\"\nexchange = \"", config.transport.amqp.exchange,
                    "\"\npublisher_confirms = ",
                    config.transport.amqp.publisher_confirms ? "true" : "false", "\n");
  }
  return toml;
}

// Reads one line from `fd` within `timeout`; empty on timeout or end of file.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    char c;
    if (::read(fd, &c, 1) != 1) return {};
    if (c == '\n') return line;
    line += c;
  }
  return {};
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

TestCluster::TestCluster(Backend backend, AmqpOptions amqp)
    : backend_(backend), amqp_(std::move(amqp)) {
  char pattern[] = "/tmp/bossa-cluster-XXXXXX";
  directory_ = ::mkdtemp(pattern);
  exchange_ = absl::StrCat("bossa-test-", std::filesystem::path(directory_).filename().string());
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::create(config_for("main"), transport::TransportEnvironment{&network_});
  if (!node.ok()) {
    ADD_FAILURE() << node.status();
    std::abort();
  }
  main_ = *std::move(node);
  main_->log().set_level(LogLevel::kWarning);
  absl::Status started = start_test_node(*main_);
  if (!started.ok()) {
    ADD_FAILURE() << started;
    std::abort();
  }
}

TestCluster::~TestCluster() {
  for (auto& [name, process] : processes_) end_process(process);
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
    config.transport.kind = "local";
    config.transport.network = network_.name();
    return config;
  }
  if (backend_ == Backend::kAmqp) {
    config.transport.kind = "amqp";
    config.transport.amqp.url = amqp_.url.empty() ? test_amqp_url() : amqp_.url;
    config.transport.amqp.exchange = exchange_;
    config.transport.amqp.publisher_confirms = amqp_.publisher_confirms;
    return config;
  }
  config.transport.kind = "native";
  config.transport.listen = "tcp://127.0.0.1:*";  // a free port; Hellos tell the peers
  if (main_ != nullptr) config.transport.seeds.push_back(main_->endpoint());
  return config;
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
  const std::string path = absl::StrCat(directory_, "/", name, ".toml");
  std::ofstream(path) << to_toml(config);
  int to_child[2];
  int from_child[2];
  ASSERT_EQ(::pipe2(to_child, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(from_child, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(to_child[0], STDIN_FILENO);
    ::dup2(from_child[1], STDOUT_FILENO);
    ::execl(BOSSA_TEST_NODE_PATH, BOSSA_TEST_NODE_PATH, path.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  processes_[name] = Process{pid, to_child[1]};
  const std::string ready = read_line(from_child[0], std::chrono::seconds(20));
  ::close(from_child[0]);
  ASSERT_EQ(ready, "READY " + name);
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
  ::kill(it->second.pid, SIGKILL);
  end_process(it->second);
  processes_.erase(it);
}

void TestCluster::end_process(Process& process) {
  if (process.stdin_fd >= 0) ::close(std::exchange(process.stdin_fd, -1));
  if (process.pid < 0) return;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(process.pid, nullptr, WNOHANG) == process.pid) {
      process.pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(process.pid, SIGKILL);
  ::waitpid(process.pid, nullptr, 0);
  process.pid = -1;
}

}  // namespace bossa::cluster_test
