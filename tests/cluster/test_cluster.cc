#include "tests/cluster/test_cluster.h"

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

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/cluster/test_services.h"

namespace bossa::cluster_test {
namespace {

std::string to_toml(const NodeConfig& config) {
  std::string seeds;
  for (const std::string& seed : config.transport.seeds) {
    absl::StrAppend(&seeds, seeds.empty() ? "" : ", ", "\"", seed, "\"");
  }
  return absl::StrCat("[node]\nname = \"", config.name, "\"\nworkers = 2\n[transport]\nkind = \"",
                      config.transport.kind, "\"\nlisten = \"", config.transport.listen,
                      "\"\nseeds = [", seeds, "]\n");
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
  return backend == Backend::kLocal ? "local" : "native";
}

TestCluster::TestCluster(Backend backend) : backend_(backend) {
  char pattern[] = "/tmp/bossa-cluster-XXXXXX";
  directory_ = ::mkdtemp(pattern);
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
