#include "runtime/timer_service.h"

namespace bossa {

TimerService::TimerService() : thread_([this] { run(); }) {}

TimerService::~TimerService() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  thread_.join();
}

TimerService::TimerId TimerService::schedule(absl::Duration delay, std::function<void()> callback) {
  const Clock::time_point deadline = Clock::now() + absl::ToChronoNanoseconds(delay);
  bool earliest;
  TimerId id;
  {
    MutexLock lock(mutex_);
    id = next_id_++;
    auto it = timers_.emplace(Deadline{deadline, id}, std::move(callback)).first;
    deadlines_.emplace(id, deadline);
    earliest = it == timers_.begin() && deadline < wakes_at_;
  }
  if (earliest) changed_.notify_one();
  return id;
}

bool TimerService::cancel(TimerId id) {
  MutexLock lock(mutex_);
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return false;
  timers_.erase(Deadline{it->second, id});
  deadlines_.erase(it);
  return true;
}

size_t TimerService::pending() const {
  MutexLock lock(mutex_);
  return timers_.size();
}

void TimerService::run() {
  MutexLock lock(mutex_);
  while (!stopping_) {
    if (timers_.empty()) {
      wakes_at_ = Clock::time_point::max();
      changed_.wait(mutex_);
      continue;
    }
    auto first = timers_.begin();
    const Clock::time_point deadline = first->first.first;  // the node may go while we wait
    if (deadline > Clock::now()) {
      wakes_at_ = deadline;
      changed_.wait_until(mutex_, deadline);
      continue;
    }
    std::function<void()> callback = std::move(first->second);
    deadlines_.erase(first->first.second);
    timers_.erase(first);
    lock.unlock();
    callback();
    lock.lock();
  }
}

}  // namespace bossa
