// request: one client makes kRequests request/reply round trips to a server, one outstanding at
// a time (request(...).then(...)); the rate of round trips.
#include <functional>
#include <memory>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/runtime/bossa_bench.h"

namespace bossa::bench::bossa_runtime {
namespace {

constexpr int kRequests = 1'000'000;

// Sends the next request; its reply handler sends the one after, until none remain.
void request_next(EventedActor& client, Pid server, Pid done, std::shared_ptr<int> remaining) {
  client.request(server, absl::InfiniteDuration(), *remaining)
      .then(
          [&client, server, done, remaining](int) {
            if (--*remaining == 0) {
              client.send(done, Done{});
              return;
            }
            request_next(client, server, done, remaining);
          },
          [](const absl::Status&) {});
}

}  // namespace

void run_request(Runtime& runtime) {
  ScopedActor self(runtime);
  const Pid done = self.pid();
  // Replies to n with n + 1.
  const Pid server =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int n) { return n + 1; }}; });
  const Pid client = runtime.spawn([server, done](EventedActor& client) -> Behavior {
    return {[&client, server, done](Start) {
      request_next(client, server, done, std::make_shared<int>(kRequests));
    }};
  });
  Stopwatch stopwatch;
  runtime.send(client, Start{});
  await_done(self);
  print_result("request", "bossa", "round_trips_per_s", kRequests / stopwatch.seconds());
}

}  // namespace bossa::bench::bossa_runtime
