// TimerService: runs callbacks at deadlines, on one thread of its own.
//
// Used for send_after, request timeouts and receive timeouts. The thread sleeps until the earliest
// deadline (no polling), so idle timers cost no CPU. Callbacks run on the timer thread and must be
// short: the runtime's only deliver a message. schedule() wakes the thread only for a deadline
// earlier than the one it sleeps until: a request timer set and cancelled per request costs no
// wake-up (a cancelled timer's deadline wakes the thread once, in vain).
//
// Thread-safety: every method may be called from any thread, including from a callback. cancel()
// returns true if it removed a timer that had not started to run; the callback then never runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "base/mutex.h"

namespace bossa {

class TimerService {
 public:
  using TimerId = uint64_t;

  TimerService();
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;
  // Stops the thread; timers still pending never run.
  ~TimerService();

  TimerId schedule(absl::Duration delay, std::function<void()> callback)
      ABSL_LOCKS_EXCLUDED(mutex_);
  bool cancel(TimerId id) ABSL_LOCKS_EXCLUDED(mutex_);
  size_t pending() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  using Clock = std::chrono::steady_clock;
  using Deadline = std::pair<Clock::time_point, TimerId>;

  void run() ABSL_LOCKS_EXCLUDED(mutex_);

  mutable Mutex mutex_;
  CondVar changed_;
  std::map<Deadline, std::function<void()>> timers_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<TimerId, Clock::time_point> deadlines_ ABSL_GUARDED_BY(mutex_);
  TimerId next_id_ ABSL_GUARDED_BY(mutex_) = 1;
  // When the thread wakes by itself: the deadline it waits for, or max() while it waits for a
  // timer.
  Clock::time_point wakes_at_ ABSL_GUARDED_BY(mutex_) = Clock::time_point::max();
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace bossa
