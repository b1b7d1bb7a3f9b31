#include "bench/cluster/node_processes.h"

#include <signal.h>

#include <stdexcept>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bench/cluster/metrics_scrape.h"

namespace bossa::bench {
namespace {

// How long one scrape may take: the nodes share the machine with many others.
constexpr absl::Duration kScrapeTimeout = absl::Seconds(5);

// The text of `line` between `before` and the next `until` (or its end); nullopt without `before`.
std::optional<absl::string_view> between(absl::string_view line, absl::string_view before,
                                         absl::string_view until) {
  const size_t start = line.find(before);
  if (start == absl::string_view::npos) return std::nullopt;
  absl::string_view rest = line.substr(start + before.size());
  return rest.substr(0, rest.find(until));
}

}  // namespace

NodeProcesses::NodeProcesses(std::string program, std::string config_path)
    : program_(std::move(program)), config_path_(std::move(config_path)) {}

NodeProcesses::~NodeProcesses() {
  // All at once: a node with hundreds of connections takes a while to die.
  for (Node& node : nodes_) node.process->signal(SIGKILL);
}

size_t NodeProcesses::start(const std::string& name, const std::string& seeds) {
  std::vector<std::string> args = {"--config",       config_path_, "--name",      name,
                                   "--metrics_port", "-1",         "--log_level", "warning"};
  if (!seeds.empty()) {
    args.push_back("--seeds");
    args.push_back(seeds);
  }
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::start(program_, args, {.capture_stdout = true});
  if (!child.ok()) {
    throw std::runtime_error(absl::StrCat("starting node ", name, ": ", child.status().message()));
  }
  nodes_.push_back(
      Node{.name = name, .process = *std::move(child), .endpoint = "", .metrics_port = 0});
  return nodes_.size() - 1;
}

void NodeProcesses::await_ready(size_t index, absl::Time deadline) {
  Node& node = nodes_[index];
  absl::StatusOr<std::string> line =
      node.process->await_line(ChildProcess::kStdout, " is up", deadline - absl::Now());
  if (!line.ok()) {
    throw std::runtime_error(
        absl::StrCat("node ", node.name, " did not come up: ", line.status().message()));
  }
  const std::optional<absl::string_view> endpoint = between(*line, " is up at ", ";");
  const std::optional<absl::string_view> port = between(*line, "http://127.0.0.1:", "/");
  uint32_t number = 0;
  if (!endpoint || endpoint->empty() || !port || !absl::SimpleAtoi(*port, &number) || number == 0 ||
      number > 65535) {
    throw std::runtime_error(
        absl::StrCat("node ", node.name, ": no endpoint and metrics port in '", *line, "'"));
  }
  node.endpoint = std::string(*endpoint);
  node.metrics_port = static_cast<uint16_t>(number);
}

std::vector<absl::StatusOr<std::string>> NodeProcesses::scrape(
    const std::vector<size_t>& indices) const {
  std::vector<uint16_t> ports;
  ports.reserve(indices.size());
  for (size_t index : indices) ports.push_back(nodes_[index].metrics_port);
  std::vector<absl::StatusOr<std::string>> pages = scrape_metrics(ports, kScrapeTimeout);
  for (size_t i = 0; i < pages.size(); ++i) {
    if (pages[i].ok()) continue;
    pages[i] = absl::Status(
        pages[i].status().code(),
        absl::StrCat("node ", nodes_[indices[i]].name, ": ", pages[i].status().message()));
  }
  return pages;
}

void NodeProcesses::check_running(size_t index) {
  Node& node = nodes_[index];
  if (node.killed) return;
  absl::StatusOr<int> code = node.process->wait(absl::ZeroDuration());
  if (code.ok()) {
    throw std::runtime_error(absl::StrCat("node ", node.name, " exited (status ", *code,
                                          "); its last words are on stderr above"));
  }
}

void NodeProcesses::kill(size_t index) {
  Node& node = nodes_[index];
  node.killed = true;
  node.process->signal(SIGKILL);
  absl::StatusOr<int> code = node.process->wait(kScrapeTimeout);
  if (!code.ok()) {
    throw std::runtime_error(
        absl::StrCat("node ", node.name, " survived SIGKILL: ", code.status().message()));
  }
}

}  // namespace bossa::bench
