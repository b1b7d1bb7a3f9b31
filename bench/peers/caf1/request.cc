// request: one client makes kRequests request/reply round trips to a server, one outstanding at
// a time (`mail(...).request(...).then(...)`); the rate of round trips.
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_bench.h"

namespace bossa::bench::caf1_peer {
namespace {

constexpr int kRequests = 1'000'000;

// Replies to n with n + 1.
caf::behavior server(caf::event_based_actor*) {
  return {[](int n) { return n + 1; }};
}

struct ClientState {
  caf::actor server;
  caf::actor done;
  int remaining = kRequests;
};

using Client = caf::stateful_actor<ClientState>;

// Sends the next request; its response handler sends the one after, until none remain.
void request_next(Client* self) {
  self->mail(self->state().remaining)
      .request(self->state().server, caf::infinite)
      .then([self](int) {
        if (--self->state().remaining == 0) {
          self->mail(done_atom_v).send(self->state().done);
          return;
        }
        request_next(self);
      });
}

caf::behavior client(Client* self, caf::actor server, caf::actor done) {
  self->state().server = std::move(server);
  self->state().done = std::move(done);
  return {[=](start_atom) { request_next(self); }};
}

}  // namespace

void run_request(caf::actor_system& system) {
  caf::scoped_actor self{system};
  caf::actor answering = system.spawn(server);
  caf::actor asking = system.spawn(client, answering, caf::actor{self});
  Stopwatch stopwatch;
  caf::anon_mail(start_atom_v).send(asking);
  await_done(self);
  double seconds = stopwatch.seconds();
  print_result("request", "caf1", "round_trips_per_s", kRequests / seconds);
  caf::anon_send_exit(asking, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(answering, caf::exit_reason::user_shutdown);
}

}  // namespace bossa::bench::caf1_peer
