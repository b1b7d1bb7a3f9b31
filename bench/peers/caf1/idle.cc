// idle: kActors actors wait for messages that never come; the process CPU the scheduler burns
// meanwhile, in percent of one core, over kWindow.
#include <chrono>
#include <thread>
#include <vector>

#include "bench/common/cpu_time.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_bench.h"
#include "bench/peers/caf1/idle_actors.h"

namespace bossa::bench::caf1_peer {
namespace {

constexpr int kActors = 1000;
constexpr std::chrono::seconds kWindow{2};
// Lets the workers finish initialising the actors and wind down before the window opens.
constexpr std::chrono::milliseconds kSettle{200};

}  // namespace

void run_idle(caf::actor_system& system) {
  std::vector<caf::actor> actors;
  spawn_idle_actors(system, kActors, actors);
  std::this_thread::sleep_for(kSettle);
  double cpu_before = process_cpu_seconds();
  Stopwatch stopwatch;
  std::this_thread::sleep_for(kWindow);
  double cpu_seconds = process_cpu_seconds() - cpu_before;
  print_result("idle", "caf1", "cpu_percent", cpu_seconds / stopwatch.seconds() * 100);
}

}  // namespace bossa::bench::caf1_peer
