#include "tests/support/process_memory.h"

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace bossa {

void child_processes_without_sanitizer_quarantine() {
  const char* options = std::getenv("ASAN_OPTIONS");
  ::setenv("ASAN_OPTIONS",
           absl::StrCat(options == nullptr ? "" : options, ":quarantine_size_mb=0").c_str(), 1);
}

absl::StatusOr<uint64_t> resident_memory(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream status(path);
  if (!status) return absl::NotFoundError(absl::StrCat("no process ", pid, " (", path, ")"));
  for (std::string line; std::getline(status, line);) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "VmRSS:")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    uint64_t kib = 0;
    if (absl::ConsumeSuffix(&rest, "kB") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kib)) {
      return kib * 1024;
    }
    return absl::InternalError(absl::StrCat(path, ": unreadable line '", line, "'"));
  }
  return absl::InternalError(absl::StrCat(path, ": no VmRSS line"));
}

}  // namespace bossa
