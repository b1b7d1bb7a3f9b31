// idle: kActors actors wait for messages that never come; the process CPU the scheduler burns
// meanwhile, in percent of one core, over kWindow.
#include <chrono>
#include <thread>
#include <vector>

#include "bench/common/cpu_time.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/runtime/bossa_bench.h"

namespace bossa::bench::bossa_runtime {
namespace {

constexpr int kActors = 1000;
constexpr std::chrono::seconds kWindow{2};
// Lets the workers wind down before the window opens.
constexpr std::chrono::milliseconds kSettle{200};

}  // namespace

void run_idle(Runtime& runtime) {
  std::vector<Pid> actors;
  for (int i = 0; i < kActors; ++i) {
    actors.push_back(runtime.spawn([](EventedActor&) -> Behavior { return {[](int) {}}; }));
  }
  std::this_thread::sleep_for(kSettle);
  const double cpu_before = process_cpu_seconds();
  Stopwatch stopwatch;
  std::this_thread::sleep_for(kWindow);
  const double cpu_seconds = process_cpu_seconds() - cpu_before;
  print_result("idle", "bossa", "cpu_percent", cpu_seconds / stopwatch.seconds() * 100);
}

}  // namespace bossa::bench::bossa_runtime
