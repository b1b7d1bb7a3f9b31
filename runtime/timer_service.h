// TimerService: runs callbacks at deadlines, on one thread of its own.
//
// Used for send_after, request timeouts and receive timeouts. The thread sleeps until the earliest
// deadline (no polling), so idle timers cost no CPU. Callbacks run on the timer thread and must be
// short: the runtime's only deliver a message.
//
// Thread-safety: every method may be called from any thread, including from a callback. cancel()
// returns true if it removed a timer that had not started to run; the callback then never runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace bossa {

class TimerService {
 public:
  using TimerId = uint64_t;

  TimerService();
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;
  // Stops the thread; timers still pending never run.
  ~TimerService();

  TimerId schedule(absl::Duration delay, std::function<void()> callback);
  bool cancel(TimerId id);
  size_t pending() const;

 private:
  using Clock = std::chrono::steady_clock;
  using Deadline = std::pair<Clock::time_point, TimerId>;

  void run();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<Deadline, std::function<void()>> timers_;           // guarded by mutex_
  absl::flat_hash_map<TimerId, Clock::time_point> deadlines_;  // guarded by mutex_
  TimerId next_id_ = 1;                                        // guarded by mutex_
  bool stopping_ = false;                                      // guarded by mutex_
  std::thread thread_;
};

}  // namespace bossa
