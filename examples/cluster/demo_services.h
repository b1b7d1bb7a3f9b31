// The demo workload every bossa-demo-node hosts: a supervised pool of workers behind a dispatcher,
// spawned remotely and found by global name. The cluster demo (examples/cluster/demo.cc) drives
// it; any program can.
//
//   types      "demo.job" DemoJob, "demo.result" DemoResult, "demo.stats" DemoStats
//   factory    "demo.pool" (int64 workers, 1-64) -> the pid of the pool's dispatcher, registered
//              as global name "pool@<node>"; a DemoJob request to it is answered by the next
//              worker in turn, and n = 0 makes that worker crash (the call fails with Aborted)
//   rpc        "demo.stats" (int64, ignored) -> DemoStats of this node's pool
//
// docs/user-guide.md ("Running a cluster") describes the workload in full.
// Thread-safety: as Node::register_rpc / register_factory; call before node.start().
#pragma once

#include <cstdint>
#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "cluster/node.h"

namespace bossa {

using DemoJob = std::tuple<int64_t, int64_t>;
using DemoResult = std::tuple<int64_t, int64_t, std::string>;
using DemoStats = std::tuple<int64_t, int64_t, int64_t>;

// The Collatz path length of n (> 0): what a worker computes, for checking its answers.
int64_t collatz_steps(int64_t n);

// The global name of the pool of node `node`.
std::string demo_pool_name(std::string_view node);

absl::Status add_demo_services(Node& node);

}  // namespace bossa
