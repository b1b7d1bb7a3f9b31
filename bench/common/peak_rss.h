// The peak resident set size of the calling process, for memory-per-actor style metrics.
//
// Linux's getrusage(RUSAGE_SELF) reports ru_maxrss in KiB: the high-water mark of resident memory
// over the whole life of the process, never decreasing. A "bytes per item" figure is therefore
// (peak after creating the items - peak before) / items, measured in a process that did nothing
// heavier before (run one such workload per process). Thread-safe.
#pragma once

#include <sys/resource.h>

#include <cstdint>

namespace bossa::bench {

// Peak resident set size of this process so far, in bytes; 0 if getrusage fails.
inline std::uint64_t peak_rss_bytes() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace bossa::bench
