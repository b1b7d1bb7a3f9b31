// CPU time consumed by the calling process, or by another one (all their threads), for idle-cost
// and efficiency metrics.
//
// The calling process's comes from CLOCK_PROCESS_CPUTIME_ID, at nanosecond resolution; another
// process's from /proc/<pid>/stat (utime + stime), in clock ticks (10 ms on Linux). Both are user
// plus system time of every thread. CPU percent over an interval is
// (cpu seconds after - before) / wall seconds * 100, where 100 means one core busy. Thread-safe.
#pragma once

#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

namespace bossa::bench {

// CPU seconds used by this process since it started; 0 if the clock cannot be read.
inline double process_cpu_seconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU seconds process `pid` has used since it started; nullopt if /proc/<pid>/stat cannot be
// read (the process is gone) or does not parse.
inline std::optional<double> process_cpu_seconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // Fields from the third on follow the command name in parentheses, which may hold anything.
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  unsigned long long ticks = 0;  // fields 14 (utime) and 15 (stime)
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number < 14) continue;
    char* end = nullptr;
    ticks += std::strtoull(field.c_str(), &end, 10);
    if (*end != '\0') return std::nullopt;
    if (number == 15) return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return std::nullopt;
}

}  // namespace bossa::bench
