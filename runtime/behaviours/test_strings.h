// For the behaviours' tests: the next text messages a test's ScopedActor receives.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "runtime/threaded_actor.h"

namespace bossa {

// The next `n` strings sent to `me`, fewer if one does not arrive within `wait`.
inline std::vector<std::string> next_strings(ScopedActor& me, size_t n, absl::Duration wait) {
  std::vector<std::string> got;
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<std::string> text = me->receive_for<std::string>(wait);
    if (!text.ok()) break;
    got.push_back(*text);
  }
  return got;
}

}  // namespace bossa
