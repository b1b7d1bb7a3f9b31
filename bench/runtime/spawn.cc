// spawn: kActors idle evented actors, kept alive; the spawn rate (until all are initialised), the
// resident memory each costs, and the process's peak RSS.
#include <cstdint>
#include <vector>

#include "bench/common/peak_rss.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/runtime/bossa_bench.h"

namespace bossa::bench::bossa_runtime {
namespace {

constexpr int kActors = 1'000'000;

}  // namespace

void run_spawn(Runtime& runtime) {
  // The pids (16 bytes each) are part of the cost: a program must hold something per actor.
  std::vector<Pid> actors;
  actors.reserve(kActors);
  const std::uint64_t rss_before = peak_rss_bytes();
  Stopwatch stopwatch;
  // spawn returns once the actor's init has run: every actor is initialised when the loop ends.
  for (int i = 0; i < kActors; ++i) {
    actors.push_back(runtime.spawn([](EventedActor&) -> Behavior { return {[](int) {}}; }));
  }
  const double seconds = stopwatch.seconds();
  const std::uint64_t rss_after = peak_rss_bytes();
  print_result("spawn", "bossa", "actors_per_s", kActors / seconds);
  print_result("spawn", "bossa", "bytes_per_actor",
               static_cast<double>(rss_after - rss_before) / kActors);
  print_result("spawn", "bossa", "peak_rss_bytes", static_cast<double>(rss_after));
}

}  // namespace bossa::bench::bossa_runtime
