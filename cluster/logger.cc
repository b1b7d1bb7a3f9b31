#include "cluster/logger.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace bossa {
namespace {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO ";
    case LogLevel::kWarning:
      return "WARN ";
    case LogLevel::kError:
      break;
  }
  return "ERROR";
}

}  // namespace

absl::StatusOr<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("log level: expected one of \"debug\", \"info\", \"warning\", \"error\", got \"",
                   absl::string_view(text.data(), text.size()), "\""));
}

Logger::Logger(std::string node_name, LogLevel level)
    : node_name_(std::move(node_name)), level_(level) {}

void Logger::log(LogLevel level, std::string_view message) const {
  if (!enabled(level)) return;
  const std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%d %H:%M:%E3S", absl::Now(), absl::UTCTimeZone()), " ", node_name_,
      " ", level_name(level), " ", absl::string_view(message.data(), message.size()), "\n");
  if (sink_) {
    sink_(level, line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

void ThrottledLog::log(std::string_view line) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_line_ < std::chrono::seconds(1)) {
    ++unlogged_;
    return;
  }
  if (unlogged_ == 0) {
    log_.log(level_, line);
  } else {
    log_.log(level_, absl::StrCat(absl::string_view(line.data(), line.size()), " (", unlogged_,
                                  " more since the last such line)"));
  }
  last_line_ = now;
  unlogged_ = 0;
}

}  // namespace bossa
