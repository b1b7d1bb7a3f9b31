// bench_caf1_runtime <workload>: runs one CAF 1.1 baseline workload (see caf1_bench.h) and prints
// its result lines. Workloads: pingpong fanin spawn ring request idle.
#include <cstdio>
#include <string_view>

#include "bench/peers/caf1/caf1_bench.h"

namespace {

using Workload = void (*)(caf::actor_system&);

struct NamedWorkload {
  std::string_view name;
  Workload run;
};

namespace peer = bossa::bench::caf1_peer;

constexpr NamedWorkload kWorkloads[] = {
    {"pingpong", peer::run_pingpong}, {"fanin", peer::run_fanin},     {"spawn", peer::run_spawn},
    {"ring", peer::run_ring},         {"request", peer::run_request}, {"idle", peer::run_idle},
};

}  // namespace

int main(int argc, char** argv) {
  peer::init_meta_objects();
  if (argc == 2) {
    for (const NamedWorkload& workload : kWorkloads) {
      if (workload.name != argv[1]) continue;
      peer::BenchConfig config;
      caf::actor_system system{config};
      workload.run(system);
      return 0;
    }
  }
  std::fprintf(stderr,
               "usage: %s <workload>\nworkloads:", argc > 0 ? argv[0] : "bench_caf1_runtime");
  for (const NamedWorkload& workload : kWorkloads) {
    std::fprintf(stderr, " %.*s", static_cast<int>(workload.name.size()), workload.name.data());
  }
  std::fprintf(stderr, "\n");
  return 2;
}
