// Shared pieces of bench_caf1_runtime, the CAF 1.1 baseline for bossa's runtime benchmarks: the
// workloads of bench/peers/caf (CAF 0.17) ported to CAF 1.1's API (type ID blocks for atoms, the
// mail API, state()), with the same parameters, printed under impl "caf1".
//
// Each workload runs in a fresh process (`bench_caf1_runtime <workload>`), in an actor system
// configured as the 0.17 one (kWorkerThreads scheduler threads). init_meta_objects() must run
// before the first actor system is created.
#pragma once

#include <caf/all.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(bossa_bench_caf1, caf::first_custom_type_id)

// Tells an actor of a workload to begin.
CAF_ADD_ATOM(bossa_bench_caf1, bossa::bench::caf1_peer, start_atom)
// Sent to the measuring (scoped) actor when a workload's last message has been handled.
CAF_ADD_ATOM(bossa_bench_caf1, bossa::bench::caf1_peer, done_atom)
// Sent to the measuring actor, with a std::string, when a remote workload found something wrong.
CAF_ADD_ATOM(bossa_bench_caf1, bossa::bench::caf1_peer, failed_atom)

CAF_END_TYPE_ID_BLOCK(bossa_bench_caf1)

namespace bossa::bench::caf1_peer {

// Scheduler threads: the machine has 2 cores, and bossa's scheduler runs with 2 workers too.
inline constexpr int kWorkerThreads = 2;

// Registers CAF's and this program's message types; once per process, before any actor system.
inline void init_meta_objects() {
  caf::init_global_meta_objects<caf::id_block::bossa_bench_caf1>();
  caf::core::init_global_meta_objects();
}

// A configuration for an actor system with kWorkerThreads scheduler workers.
class BenchConfig : public caf::actor_system_config {
 public:
  BenchConfig() { set("caf.scheduler.max-threads", kWorkerThreads); }
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

}  // namespace bossa::bench::caf1_peer
