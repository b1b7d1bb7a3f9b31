// remote_lat over CAF: an actor here bounces one 64-bit integer off an actor in the peer process;
// the mean of kTimedRoundTrips round trips after kWarmupRoundTrips untimed ones.
#include <cstdint>
#include <string>
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_remote.h"

namespace bossa::bench::caf1_peer {
namespace {

constexpr std::uint64_t kRoundTrips = kWarmupRoundTrips + kTimedRoundTrips;

struct PingState {
  caf::actor partner;
  std::uint64_t next = 0;  // the number due back
  Stopwatch timed;
};

// Waits for a partner to announce itself (start_atom), sends it 0, and each number that comes
// back the next one, kRoundTrips in all; tells `done` the seconds the last kTimedRoundTrips took.
caf::behavior ping(caf::stateful_actor<PingState>* self, caf::actor done) {
  return {
      [=](start_atom) {
        self->state().partner = caf::actor_cast<caf::actor>(self->current_sender());
        self->mail(std::uint64_t{0}).send(self->state().partner);
      },
      [=](std::uint64_t n) {
        PingState& state = self->state();
        if (n != state.next) {
          self->mail(failed_atom_v,
                     "sent " + std::to_string(state.next) + ", got back " + std::to_string(n))
              .send(done);
          self->quit();
          return;
        }
        if (++state.next == kWarmupRoundTrips) state.timed.restart();
        if (state.next == kRoundTrips) {
          self->mail(done_atom_v, state.timed.seconds()).send(done);
          return;
        }
        self->mail(state.next).send(state.partner);
      },
  };
}

// Announces itself to `pinger`, then answers every number with itself.
caf::behavior pong(caf::event_based_actor* self, const caf::actor& pinger) {
  self->mail(start_atom_v).send(pinger);
  return {[](std::uint64_t n) { return n; }};
}

}  // namespace

void run_remote_lat() {
  RemoteConfig config;
  caf::actor_system system{config};
  caf::scoped_actor self{system};
  ExitOnScopeExit pinger{system.spawn(ping, caf::actor{self})};
  const std::uint16_t port = publish_on_loopback(system, pinger.get());
  PeerProcess peer("lat-echo", {std::to_string(port)});
  const double seconds = await_seconds(self, peer, "the round trips");
  peer.finish();
  print_result("remote_lat", "caf1", "round_trip_us",
               seconds * 1e6 / static_cast<double>(kTimedRoundTrips));
}

void echo(const std::vector<std::string>& args) {
  RemoteConfig config;
  caf::actor_system system{config};
  ExitOnScopeExit ponger{system.spawn(pong, connect_on_loopback(system, args[0]))};
  await_release();
}

}  // namespace bossa::bench::caf1_peer
