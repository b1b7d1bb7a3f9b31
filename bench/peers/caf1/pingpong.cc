// pingpong: two actors bounce a counter kRoundTrips times; the rate of round trips.
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_bench.h"

namespace bossa::bench::caf1_peer {
namespace {

constexpr int kRoundTrips = 1'000'000;

// Answers every number with itself.
caf::behavior pong(caf::event_based_actor*) {
  return {[](int n) { return n; }};
}

// Started with n, sends n - 1, n - 2, ..., 0 to `partner`, each after the previous one came back
// (n round trips), and tells `done` when 0 is back.
caf::behavior ping(caf::event_based_actor* self, caf::actor partner, caf::actor done) {
  return {[=](int n) {
    if (n == 0) {
      self->mail(done_atom_v).send(done);
      return;
    }
    self->mail(n - 1).send(partner);
  }};
}

}  // namespace

void run_pingpong(caf::actor_system& system) {
  caf::scoped_actor self{system};
  caf::actor partner = system.spawn(pong);
  caf::actor pinger = system.spawn(ping, partner, caf::actor{self});
  Stopwatch stopwatch;
  caf::anon_mail(kRoundTrips).send(pinger);
  await_done(self);
  double seconds = stopwatch.seconds();
  print_result("pingpong", "caf1", "round_trips_per_s", kRoundTrips / seconds);
  caf::anon_send_exit(pinger, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(partner, caf::exit_reason::user_shutdown);
}

}  // namespace bossa::bench::caf1_peer
