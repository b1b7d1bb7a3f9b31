#include "runtime/timer_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace bossa {
namespace {

// Collects the ids of fired timers, in firing order.
class FiredLog {
 public:
  void add(int id) {
    std::lock_guard<std::mutex> lock(mutex_);
    fired_.push_back(id);
    changed_.notify_all();
  }
  std::vector<int> wait_for(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return fired_.size() >= count; });
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int> fired_;
};

TEST(TimerServiceTest, FiresInDeadlineOrder) {
  TimerService timers;
  FiredLog log;
  // Far enough apart that a slow machine cannot reorder the calls themselves.
  timers.schedule(absl::Milliseconds(300), [&] { log.add(3); });
  timers.schedule(absl::Milliseconds(100), [&] { log.add(1); });
  timers.schedule(absl::Milliseconds(200), [&] { log.add(2); });
  EXPECT_EQ(log.wait_for(3), (std::vector<int>{1, 2, 3}));
}

TEST(TimerServiceTest, CancelledTimerNeverFires) {
  TimerService timers;
  FiredLog log;
  const TimerService::TimerId doomed = timers.schedule(absl::Hours(1), [&] { log.add(1); });
  timers.schedule(absl::Milliseconds(40), [&] { log.add(2); });
  EXPECT_TRUE(timers.cancel(doomed));
  EXPECT_FALSE(timers.cancel(doomed));
  EXPECT_EQ(log.wait_for(1), (std::vector<int>{2}));
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerServiceTest, CancellingTheTimerBeingWaitedForIsSafe) {
  // The timer thread sleeps until the earliest deadline; cancelling exactly that timer meanwhile
  // must neither fire it nor leave the wait reading the removed entry.
  TimerService timers;
  FiredLog log;
  for (int round = 0; round < 200; ++round) {
    const TimerService::TimerId id = timers.schedule(absl::Hours(1), [&] { log.add(-1); });
    timers.cancel(id);
  }
  timers.schedule(absl::Milliseconds(1), [&] { log.add(7); });
  const std::vector<int> fired = log.wait_for(1);
  ASSERT_FALSE(fired.empty());
  EXPECT_EQ(fired.back(), 7);
}

TEST(TimerServiceTest, ATimerSetAfterTheAwaitedOneWasCancelledFiresAtItsOwnDeadline) {
  // A request timer is set and cancelled per request: the thread is not woken for a later
  // deadline, but wakes at the cancelled one and then waits for the next.
  TimerService timers;
  FiredLog log;
  for (int round = 0; round < 3; ++round) {
    const TimerService::TimerId id = timers.schedule(absl::Milliseconds(30), [&] { log.add(-1); });
    EXPECT_TRUE(timers.cancel(id));
  }
  const absl::Time set = absl::Now();
  timers.schedule(absl::Milliseconds(120), [&] { log.add(1); });
  EXPECT_EQ(log.wait_for(1), (std::vector<int>{1}));
  EXPECT_GE(absl::Now() - set, absl::Milliseconds(120));
}

TEST(TimerServiceTest, DestructionDropsPendingTimers) {
  std::atomic<int> fired{0};
  {
    TimerService timers;
    timers.schedule(absl::Hours(1), [&] { ++fired; });
  }
  EXPECT_EQ(fired.load(), 0);
}

}  // namespace
}  // namespace bossa
