// Where the two sides of a two-process benchmark run. BOSSA_BENCH_PIN="<measuring>,<peer>" (set
// by bench/run_all.py --pinned) pins the measuring process to the first CPU and its peer (the
// process it starts, or an inproc case's peer thread) to the second: "0,1" gives each a core of
// its own, "0,0" puts both on one. Unset, nothing is pinned and the kernel places the threads.
//
//   pin_process(PinSide::kMeasuring);  // at the top of the measuring side's main
//   pin_process(PinSide::kPeer);       // at the top of a peer process
//
// A value that is malformed or that the kernel refuses throws std::runtime_error: a result must
// not claim a placement it did not run in. Threads started after a pin inherit its CPU.
// Thread-safety: call pin_process before a case starts its own threads.
#pragma once

#include <dirent.h>
#include <sched.h>
#include <stdlib.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bossa::bench {

enum class PinSide { kMeasuring, kPeer };

// The CPU BOSSA_BENCH_PIN gives `side`, or nullopt when it is unset or empty.
inline std::optional<int> pinned_cpu(PinSide side) {
  const char* value = std::getenv("BOSSA_BENCH_PIN");
  if (value == nullptr || *value == '\0') return std::nullopt;
  std::string_view text = value;
  const size_t comma = text.find(',');
  std::string_view field =
      side == PinSide::kMeasuring ? text.substr(0, comma) : text.substr(comma + 1);
  int cpu = -1;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), cpu);
  if (comma == std::string_view::npos || ec != std::errc() || end != field.data() + field.size() ||
      cpu < 0 || cpu >= CPU_SETSIZE) {
    throw std::runtime_error("BOSSA_BENCH_PIN='" + std::string(text) +
                             "' is not '<measuring cpu>,<peer cpu>'");
  }
  return cpu;
}

// Pins thread `tid` (0: the caller) to `cpu`.
inline void pin_thread_to(pid_t tid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(tid, sizeof set, &set) != 0) {
    throw std::runtime_error("pinning thread " + std::to_string(tid) + " to CPU " +
                             std::to_string(cpu) + " failed: " + std::strerror(errno));
  }
}

// Pins the calling thread to `side`'s CPU, if BOSSA_BENCH_PIN is set.
inline void pin_thread(PinSide side) {
  if (std::optional<int> cpu = pinned_cpu(side)) pin_thread_to(0, *cpu);
}

// Pins every thread of this process (a driver may have started its I/O threads already) to
// `side`'s CPU, if BOSSA_BENCH_PIN is set.
inline void pin_process(PinSide side) {
  std::optional<int> cpu = pinned_cpu(side);
  if (!cpu) return;
  std::unique_ptr<DIR, int (*)(DIR*)> tasks(opendir("/proc/self/task"), closedir);
  if (!tasks) throw std::runtime_error("cannot list /proc/self/task");
  while (const dirent* entry = readdir(tasks.get())) {
    if (entry->d_name[0] == '.') continue;
    pin_thread_to(static_cast<pid_t>(std::atoi(entry->d_name)), *cpu);
  }
}

}  // namespace bossa::bench
