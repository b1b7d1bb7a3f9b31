// Shared pieces of bench_caf1_remote, the CAF 1.1 baseline of bossa's remote actor benchmarks:
// actors in two processes talking through CAF's middleman (BASP over tcp loopback). The cases and
// peer roles follow bench/common/remote_bench_main.h; results are printed with impl "caf1".
//
// Each case and each peer role runs its own actor system, configured as bench_caf1_runtime's
// (BenchConfig, caf1_bench.h) with the middleman loaded. The measuring side publishes its actor on
// 127.0.0.1 at an ephemeral port; the peer finds it with remote_actor. The measuring actor tells a
// scoped actor the seconds it measured (done_atom, double) or why it failed (failed_atom,
// std::string).
//
// Errors: every function throws std::runtime_error saying what failed (the harness reports it).
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/common/remote_bench_main.h"
#include "bench/peers/caf1/caf1_bench.h"

namespace bossa::bench::caf1_peer {

// init_meta_objects() and the middleman's types; once per process, before any actor system.
inline void init_remote_meta_objects() {
  init_meta_objects();
  caf::io::middleman::init_global_meta_objects();
}

// BenchConfig with the middleman (remote actors) loaded.
class RemoteConfig : public BenchConfig {
 public:
  RemoteConfig() { load<caf::io::middleman>(); }
};

// Sends the actor it holds an exit (user_shutdown) when destroyed. An actor system waits for its
// actors when it is destroyed, so every actor a case spawns is held by one of these: the system
// then shuts down on the error paths too.
class ExitOnScopeExit {
 public:
  explicit ExitOnScopeExit(caf::actor whom) : whom_(std::move(whom)) {}
  ExitOnScopeExit(const ExitOnScopeExit&) = delete;
  ExitOnScopeExit& operator=(const ExitOnScopeExit&) = delete;
  ~ExitOnScopeExit() { caf::anon_send_exit(whom_, caf::exit_reason::user_shutdown); }

  const caf::actor& get() const { return whom_; }

 private:
  caf::actor whom_;
};

// Publishes `whom` on 127.0.0.1 at an ephemeral port and returns the port.
std::uint16_t publish_on_loopback(caf::actor_system& system, const caf::actor& whom);

// The actor published on 127.0.0.1 at the port `port_arg` holds.
caf::actor connect_on_loopback(caf::actor_system& system, std::string_view port_arg);

// Blocks `self` until the measuring actor reports, checking between one-second waits that `peer`
// still runs; returns the seconds measured. Throws on a failure report or if the peer exits.
double await_seconds(caf::scoped_actor& self, PeerProcess& peer, std::string_view waiting_for);

// Cases: remote_thr and remote_lat.
void run_remote_thr();
void run_remote_lat();

// Peer roles. thr-sender {port, count}: an actor sends the sequence 0 .. count-1 to the published
// actor. lat-echo {port}: an actor announces itself to the published actor (start_atom) and sends
// back every number it gets.
void send_sequence(const std::vector<std::string>& args);
void echo(const std::vector<std::string>& args);

}  // namespace bossa::bench::caf1_peer
