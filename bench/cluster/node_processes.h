// NodeProcesses: the bossa-node processes of one cluster scale run (bench_bossa_cluster_scale.cc),
// on loopback. Each is started from one config file with its own flags (--name, --seeds,
// --metrics_port -1, --log_level warning), its ready line on stdout read for the endpoint it
// listens on and its metrics port (node_program/run_node.h prints `<name> is up at <endpoint>;
// metrics at http://127.0.0.1:<port>/metrics`); then its metrics are scraped, its /proc figures
// read, and it is killed on demand.
//
// Errors are thrown as std::runtime_error naming the node. Lifetime: destroying the object kills
// (SIGKILL) and reaps every node still running, and a node dies with the thread that started it
// (PR_SET_PDEATHSIG), so none outlives the bench. Thread-safety: one thread, the one that
// started them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/child_process.h"

namespace bossa::bench {

class NodeProcesses {
 public:
  struct Node {
    std::string name;
    std::unique_ptr<ChildProcess> process;
    std::string endpoint;       // where it listens, from its ready line
    uint16_t metrics_port = 0;  // where it serves its metrics, likewise
    bool killed = false;        // by kill(), on purpose
  };

  // Nodes of the program at `program`, reading the config file at `config_path`.
  NodeProcesses(std::string program, std::string config_path);
  NodeProcesses(const NodeProcesses&) = delete;
  NodeProcesses& operator=(const NodeProcesses&) = delete;
  // Kills every node still running at once, then reaps them.
  ~NodeProcesses();

  // Starts node `name` with `seeds` (comma-separated endpoints, or empty); returns its index.
  size_t start(const std::string& name, const std::string& seeds);
  // Reads node `index`'s ready line, waiting until `deadline`, for its endpoint and metrics port.
  void await_ready(size_t index, absl::Time deadline);

  size_t size() const { return nodes_.size(); }
  const Node& node(size_t index) const { return nodes_[index]; }
  pid_t pid(size_t index) const { return nodes_[index].process->pid(); }

  // The metrics pages of the nodes `indices` names, in that order (metrics_scrape.h); a failure
  // names the node.
  std::vector<absl::StatusOr<std::string>> scrape(const std::vector<size_t>& indices) const;
  // Throws if node `index` has exited, unless kill() ended it.
  void check_running(size_t index);
  // Kills node `index` with SIGKILL and reaps it.
  void kill(size_t index);

 private:
  const std::string program_;
  const std::string config_path_;
  std::vector<Node> nodes_;
};

}  // namespace bossa::bench
