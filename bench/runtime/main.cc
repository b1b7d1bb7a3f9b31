// bench_bossa_runtime <workload>: runs one of bossa's runtime workloads (see bossa_bench.h) and
// prints its result lines. Workloads: pingpong fanin spawn ring request idle.
#include <cstdio>
#include <string_view>

#include "bench/runtime/bossa_bench.h"

namespace {

namespace workloads = bossa::bench::bossa_runtime;

struct NamedWorkload {
  std::string_view name;
  void (*run)(bossa::Runtime&);
};

constexpr NamedWorkload kWorkloads[] = {
    {"pingpong", workloads::run_pingpong}, {"fanin", workloads::run_fanin},
    {"spawn", workloads::run_spawn},       {"ring", workloads::run_ring},
    {"request", workloads::run_request},   {"idle", workloads::run_idle},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2) {
    for (const NamedWorkload& workload : kWorkloads) {
      if (workload.name != argv[1]) continue;
      bossa::Runtime runtime(workloads::bench_options());
      workload.run(runtime);
      return 0;
    }
  }
  std::fprintf(stderr,
               "usage: %s <workload>\nworkloads:", argc > 0 ? argv[0] : "bench_bossa_runtime");
  for (const NamedWorkload& workload : kWorkloads) {
    std::fprintf(stderr, " %.*s", static_cast<int>(workload.name.size()), workload.name.data());
  }
  std::fprintf(stderr, "\n");
  return 2;
}
