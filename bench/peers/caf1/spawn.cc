// spawn: kActors idle evented actors, kept alive; the spawn rate (until all are initialised), the
// resident memory each costs, and the process's peak RSS.
#include <cstdint>
#include <vector>

#include "bench/common/peak_rss.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_bench.h"
#include "bench/peers/caf1/idle_actors.h"

namespace bossa::bench::caf1_peer {
namespace {

constexpr int kActors = 1'000'000;

}  // namespace

void run_spawn(caf::actor_system& system) {
  // The handles (8 bytes each) are part of the cost: a program must hold something per actor.
  std::vector<caf::actor> actors;
  actors.reserve(kActors);
  std::uint64_t rss_before = peak_rss_bytes();
  Stopwatch stopwatch;
  spawn_idle_actors(system, kActors, actors);
  double seconds = stopwatch.seconds();
  std::uint64_t rss_after = peak_rss_bytes();
  print_result("spawn", "caf1", "actors_per_s", kActors / seconds);
  print_result("spawn", "caf1", "bytes_per_actor",
               static_cast<double>(rss_after - rss_before) / kActors);
  print_result("spawn", "caf1", "peak_rss_bytes", static_cast<double>(rss_after));
}

}  // namespace bossa::bench::caf1_peer
