// Shared pieces of bench_bossa_runtime: bossa's side of the runtime benchmarks, the same workloads
// as the CAF baseline (bench/peers/caf), one per .cc file, each run in a fresh process
// (`bench_bossa_runtime <workload>`) and printing its result lines under impl "bossa".
#pragma once

#include "runtime/runtime.h"

namespace bossa::bench::bossa_runtime {

// Scheduler workers: the machine has 2 cores, and the CAF baseline runs 2 threads too.
inline constexpr size_t kWorkers = 2;

// Sent to the measuring (scoped) actor when a workload's last message has been handled.
struct Done {};
// Tells an actor of a workload to begin.
struct Start {};

inline RuntimeOptions bench_options() {
  return RuntimeOptions{.workers = kWorkers};
}

// Blocks until a Done arrives.
inline void await_done(ScopedActor& self) {
  (void)self->receive([](Done) {});
}

void run_pingpong(Runtime& runtime);
void run_fanin(Runtime& runtime);
void run_spawn(Runtime& runtime);
void run_ring(Runtime& runtime);
void run_request(Runtime& runtime);
void run_idle(Runtime& runtime);

}  // namespace bossa::bench::bossa_runtime
