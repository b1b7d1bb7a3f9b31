// CPU time consumed by the calling process (all its threads), for idle-cost and efficiency metrics.
//
// Reads CLOCK_PROCESS_CPUTIME_ID: user plus system time of every thread of the process, at
// nanosecond resolution. CPU percent over an interval is
// (process_cpu_seconds() after - before) / wall seconds * 100, where 100 means one core busy.
// Thread-safe.
#pragma once

#include <time.h>

namespace bossa::bench {

// CPU seconds used by this process since it started; 0 if the clock cannot be read.
inline double process_cpu_seconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace bossa::bench
