// The demo workload every bossa-node hosts: a supervised pool of workers behind a dispatcher,
// spawned remotely and found by global name. The cluster demo (examples/cluster/demo.cc) drives
// it; any program can.
//
//   types      "demo.job"    DemoJob    = (job id, n): compute the Collatz path length of n;
//                                         n = 0 orders the worker that takes it to crash
//              "demo.result" DemoResult = (job id, steps, "node/worker-i": who computed it)
//              "demo.stats"  DemoStats  = (worker starts, jobs done, deliberate crashes) so far
//   factory    "demo.pool"   (int64 workers, 1-64): starts a one_for_one supervisor of that many
//              worker servers, each registered locally as "demo.worker-<i>", and a dispatcher
//              registered as global name "pool@<node>". Returns the dispatcher's pid. A DemoJob
//              request to the dispatcher goes to the next worker in turn and its answer comes
//              back to the requester; a worker that crashed on it fails it (Aborted), and the
//              supervisor restarts that worker under the same local name. One pool per node.
//   rpc        "demo.stats"  (int64, ignored) -> DemoStats of this node's pool
//
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
