// Logger: the readable lines a node writes about itself, with levels.
//
//   2026-11-27 02:10:31.123 alpha INFO  node 'beta' is up
//
// Lines at or above the level go to the sink (stderr unless replaced). A Logger belongs to its
// node; nothing is global. Thread-safety: log() may be called from any thread; each line is
// written whole. Set the level and sink before the node starts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bossa {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// "debug", "info", "warning", "error" -> the level; InvalidArgument naming the choices otherwise.
absl::StatusOr<LogLevel> parse_log_level(std::string_view text);

class Logger {
 public:
  using Sink = std::function<void(LogLevel level, std::string_view line)>;

  explicit Logger(std::string node_name, LogLevel level = LogLevel::kInfo);

  void set_level(LogLevel level) noexcept { level_.store(level, std::memory_order_relaxed); }
  bool enabled(LogLevel level) const noexcept {
    return level >= level_.load(std::memory_order_relaxed);
  }
  // Replaces the sink (nullptr: stderr). Not while the node runs.
  void set_sink(Sink sink) { sink_ = std::move(sink); }

  void log(LogLevel level, std::string_view message) const;

 private:
  const std::string node_name_;
  std::atomic<LogLevel> level_;
  Sink sink_;
};

// At most one line a second about one kind of event: the events in between are counted, and the
// next line says how many there were. For a flood of bad input, which must show in the log without
// filling it. Not thread-safe: one thread logs through it (the transport's).
class ThrottledLog {
 public:
  ThrottledLog(const Logger& log, LogLevel level) : log_(log), level_(level) {}

  void log(std::string_view line);

 private:
  const Logger& log_;
  const LogLevel level_;
  std::chrono::steady_clock::time_point last_line_;
  uint64_t unlogged_ = 0;
};

}  // namespace bossa
