// ring: kActors actors in a ring pass a token kHops times; the rate of hops.
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_bench.h"

namespace bossa::bench::caf1_peer {
namespace {

constexpr int kActors = 100;
constexpr int kHops = 1'000'000;

struct NodeState {
  caf::actor next;
};

// Learns its successor from an actor message; passes a token n on as n - 1, and tells `done`
// when the token reaches 0.
caf::behavior node(caf::stateful_actor<NodeState>* self, caf::actor done) {
  return {
      [=](caf::actor next) { self->state().next = std::move(next); },
      [=](int n) {
        if (n == 0) {
          self->mail(done_atom_v).send(done);
          return;
        }
        self->mail(n - 1).send(self->state().next);
      },
  };
}

}  // namespace

void run_ring(caf::actor_system& system) {
  caf::scoped_actor self{system};
  std::vector<caf::actor> nodes;
  for (int i = 0; i < kActors; ++i) nodes.push_back(system.spawn(node, caf::actor{self}));
  for (int i = 0; i < kActors; ++i) caf::anon_mail(nodes[(i + 1) % kActors]).send(nodes[i]);
  // Every successor is in its node's mailbox before the token is sent, ahead of the token.
  Stopwatch stopwatch;
  caf::anon_mail(kHops).send(nodes[0]);
  await_done(self);
  double seconds = stopwatch.seconds();
  print_result("ring", "caf1", "hops_per_s", kHops / seconds);
  // The ring holds itself alive through its `next` handles: end it explicitly.
  for (const caf::actor& n : nodes) caf::anon_send_exit(n, caf::exit_reason::user_shutdown);
}

}  // namespace bossa::bench::caf1_peer
