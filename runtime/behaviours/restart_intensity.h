// RestartIntensity: a supervisor's budget of restarts, "at most max_restarts in any period".
//
// allow(now) records one restart at `now` and says whether the budget still holds, counting the
// restarts of the last `period` (OTP's intensity and period). Not thread-safe: one supervisor owns
// one.
#pragma once

#include <deque>

#include "absl/time/time.h"

namespace bossa {

class RestartIntensity {
 public:
  RestartIntensity(int max_restarts, absl::Duration period)
      : max_restarts_(max_restarts), period_(period) {}

  // Records a restart; false once more than max_restarts fall within one period.
  bool allow(absl::Time now) {
    restarts_.push_back(now);
    while (!restarts_.empty() && now - restarts_.front() >= period_) restarts_.pop_front();
    return static_cast<int>(restarts_.size()) <= max_restarts_;
  }

 private:
  const int max_restarts_;
  const absl::Duration period_;
  std::deque<absl::Time> restarts_;  // within the last period, oldest first
};

}  // namespace bossa
