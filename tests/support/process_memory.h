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

}  // namespace bossa
