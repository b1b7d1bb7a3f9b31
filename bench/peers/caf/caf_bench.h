// Shared pieces of bench_caf_runtime, the CAF 0.17 baseline for bossa's runtime benchmarks: the
// actor system configuration every workload runs under, the message that says a workload is done,
// and the workloads themselves (one per .cc file).
//
// Each workload runs in a fresh process (`bench_caf_runtime <workload>`) so that what one leaves
// behind (heap, threads, peak RSS) cannot colour another's figures, and prints its result lines
// with bossa::bench::print_result under impl "caf".
#pragma once

#include <caf/all.hpp>

namespace bossa::bench::caf_peer {

// Tells an actor of a workload to begin.
using start_atom = caf::atom_constant<caf::atom("start")>;
// Sent to the measuring (scoped) actor when a workload's last message has been handled.
using done_atom = caf::atom_constant<caf::atom("done")>;

// Scheduler threads: the machine has 2 cores, and bossa's scheduler runs with 2 workers too.
inline constexpr int kWorkerThreads = 2;

// A configuration for an actor system with kWorkerThreads scheduler workers.
class BenchConfig : public caf::actor_system_config {
 public:
  BenchConfig() { set("scheduler.max-threads", kWorkerThreads); }
};

// Blocks `self` until a done_atom arrives.
inline void await_done(caf::scoped_actor& self) {
  self->receive([](done_atom) {});
}

// 2 actors, 1M round trips: pingpong/round_trips_per_s.
void run_pingpong(caf::actor_system& system);
// 4 senders x 1M messages to one receiver: fanin/msgs_per_s.
void run_fanin(caf::actor_system& system);
// 1M idle evented actors: spawn/actors_per_s, spawn/bytes_per_actor, spawn/peak_rss_bytes.
void run_spawn(caf::actor_system& system);
// A token passed 1M hops around 100 actors: ring/hops_per_s.
void run_ring(caf::actor_system& system);
// 1M sequential request/reply pairs: request/round_trips_per_s.
void run_request(caf::actor_system& system);
// Process CPU while 1000 actors sit idle for 2 s: idle/cpu_percent.
void run_idle(caf::actor_system& system);

}  // namespace bossa::bench::caf_peer
