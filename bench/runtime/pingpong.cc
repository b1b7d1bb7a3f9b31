// pingpong: two actors bounce a counter kRoundTrips times; the rate of round trips.
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/runtime/bossa_bench.h"

namespace bossa::bench::bossa_runtime {
namespace {

constexpr int kRoundTrips = 1'000'000;

}  // namespace

void run_pingpong(Runtime& runtime) {
  ScopedActor self(runtime);
  const Pid done = self.pid();
  // Answers every number with itself.
  const Pid pong = runtime.spawn([](EventedActor& pong) -> Behavior {
    return {[&pong](int n) { pong.send(pong.sender(), n); }};
  });
  // Started with n, sends n - 1, n - 2, ..., 0 to pong, each after the previous one came back.
  const Pid ping = runtime.spawn([pong, done](EventedActor& ping) -> Behavior {
    return {[&ping, pong, done](int n) {
      if (n == 0) {
        ping.send(done, Done{});
        return;
      }
      ping.send(pong, n - 1);
    }};
  });
  Stopwatch stopwatch;
  runtime.send(ping, kRoundTrips);
  await_done(self);
  print_result("pingpong", "bossa", "round_trips_per_s", kRoundTrips / stopwatch.seconds());
}

}  // namespace bossa::bench::bossa_runtime
