// Spawning many idle actors and waiting until every one has been initialised, for the spawn and
// idle workloads of bench_caf1_runtime.
#pragma once

#include <atomic>
#include <vector>

#include "bench/peers/caf1/caf1_bench.h"

namespace bossa::bench::caf1_peer {

// Spawns `count` evented actors that wait for a message that never comes, appending their handles
// to `actors` (which keep them alive), and returns once all of them have run their initialisation
// (CAF initialises a spawned actor on a scheduler thread, after spawn returns).
inline void spawn_idle_actors(caf::actor_system& system, int count,
                              std::vector<caf::actor>& actors) {
  std::atomic<int> initialised{0};
  auto idle = [](caf::event_based_actor*, std::atomic<int>* initialised,
                 int count) -> caf::behavior {
    if (initialised->fetch_add(1, std::memory_order_acq_rel) + 1 == count)
      initialised->notify_one();
    return {[](int) {}};
  };
  for (int i = 0; i < count; ++i) actors.push_back(system.spawn(idle, &initialised, count));
  for (int seen = initialised.load(); seen < count; seen = initialised.load()) {
    initialised.wait(seen);
  }
}

}  // namespace bossa::bench::caf1_peer
