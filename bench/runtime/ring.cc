// ring: kActors actors in a ring pass a token kHops times; the rate of hops.
#include <memory>
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/runtime/bossa_bench.h"

namespace bossa::bench::bossa_runtime {
namespace {

constexpr int kActors = 100;
constexpr int kHops = 1'000'000;

}  // namespace

void run_ring(Runtime& runtime) {
  ScopedActor self(runtime);
  const Pid done = self.pid();
  std::vector<Pid> nodes;
  // Learns its successor from a Pid message; passes a token n on as n - 1, and tells `done` when
  // the token reaches 0.
  for (int i = 0; i < kActors; ++i) {
    nodes.push_back(runtime.spawn([done](EventedActor& node) -> Behavior {
      auto next = std::make_shared<Pid>();
      return {
          [next](Pid successor) { *next = successor; },
          [&node, next, done](int n) {
            if (n == 0) {
              node.send(done, Done{});
              return;
            }
            node.send(*next, n - 1);
          },
      };
    }));
  }
  for (int i = 0; i < kActors; ++i) runtime.send(nodes[i], nodes[(i + 1) % kActors]);
  // Every successor is in its node's mailbox before the token is sent, ahead of the token.
  Stopwatch stopwatch;
  runtime.send(nodes[0], kHops);
  await_done(self);
  print_result("ring", "bossa", "hops_per_s", kHops / stopwatch.seconds());
}

}  // namespace bossa::bench::bossa_runtime
