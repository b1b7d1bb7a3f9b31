// How much memory a running process holds, read from /proc: for tests that bound what an
// attack or an overload may cost a node process.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"

namespace bossa {

// The resident memory of process `pid` (VmRSS in /proc/<pid>/status), in octets. NotFound if the
// process is gone; Internal if the file holds no readable VmRSS line.
absl::StatusOr<uint64_t> resident_memory(pid_t pid);

// Makes the processes this one starts from now on keep no AddressSanitizer quarantine of freed
// blocks (ASAN_OPTIONS quarantine_size_mb=0), so that their resident memory is what they hold,
// not up to 256 MB of what they freed. Harmless in a build without the sanitizer, which does not
// read the option.
void child_processes_without_sanitizer_quarantine();

}  // namespace bossa
