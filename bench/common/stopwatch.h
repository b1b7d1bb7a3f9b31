// A monotonic stopwatch for timing benchmark phases.
//
// Reads std::chrono::steady_clock, so wall-clock adjustments never skew a measurement. Starts on
// construction; restart() starts it again. Not synchronised: one thread owns a Stopwatch, or the
// owner publishes it to others before they read it.
#pragma once

#include <chrono>

namespace bossa::bench {

class Stopwatch {
 public:
  using Clock = std::chrono::steady_clock;

  Stopwatch() : start_(Clock::now()) {}

  // Starts measuring again from now.
  void restart() { start_ = Clock::now(); }

  // Time since construction or the last restart().
  Clock::duration elapsed() const { return Clock::now() - start_; }

  // elapsed() in seconds.
  double seconds() const { return std::chrono::duration<double>(elapsed()).count(); }

 private:
  Clock::time_point start_;
};

}  // namespace bossa::bench
