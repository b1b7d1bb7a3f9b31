#include "runtime/scheduler.h"

#include <algorithm>
#include <utility>

#include "base/spin_wait.h"

namespace bossa {
namespace {

// How many times in a row a worker runs its next slot before it looks at its queue (fairness).
constexpr int kMaxNextSlotStreak = 64;
// Every this many turns a worker looks at the injection queue before its own work, so that work
// from outside the workers is not starved by actors that keep each other busy.
constexpr unsigned kInjectionCheckInterval = 31;

}  // namespace

class Scheduler::Worker {
 public:
  Worker(Scheduler& scheduler, size_t index) : scheduler_(scheduler), index_(index) {}

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  static Worker* current() { return current_; }
  bool belongs_to(const Scheduler& s) const { return &scheduler_ == &s; }

  // From this worker's own thread: r runs next; the slot's previous occupant goes to the queue.
  // Returns true if that displaced work became visible to other workers.
  bool push_next(Resumable* r) {
    Resumable* previous = std::exchange(next_, r);
    if (previous == nullptr) return false;
    push_back(previous);
    return true;
  }

  void push_back(Resumable* r) {
    MutexLock lock(mutex_);
    queue_.push_back(r);
    queued_.store(queue_.size(), std::memory_order_relaxed);
  }

  Resumable* steal() {
    MutexLock lock(mutex_);
    if (queue_.empty()) return nullptr;
    Resumable* r = queue_.back();
    queue_.pop_back();
    queued_.store(queue_.size(), std::memory_order_relaxed);
    return r;
  }

  // Without the lock: whether the queue held work when last changed, for a spinning thief.
  bool may_have_queued() const { return queued_.load(std::memory_order_relaxed) != 0; }

  bool has_queued() {
    MutexLock lock(mutex_);
    return !queue_.empty();
  }

  size_t index() const { return index_; }

 private:
  Resumable* pop_local() {
    if (next_ != nullptr && next_streak_ < kMaxNextSlotStreak) {
      ++next_streak_;
      return std::exchange(next_, nullptr);
    }
    next_streak_ = 0;
    {
      MutexLock lock(mutex_);
      if (!queue_.empty()) {
        Resumable* r = queue_.front();
        queue_.pop_front();
        queued_.store(queue_.size(), std::memory_order_relaxed);
        return r;
      }
    }
    return std::exchange(next_, nullptr);
  }

  void run() {
    current_ = this;
    unsigned turn = 0;
    while (!scheduler_.stopping_.load(std::memory_order_acquire)) {
      Resumable* r = ++turn % kInjectionCheckInterval == 0 ? scheduler_.pop_injected() : nullptr;
      if (r == nullptr) r = pop_local();
      if (r == nullptr && !scheduler_.spin_for_work(*this, r)) {
        scheduler_.sleep_until_work();
        continue;
      }
      switch (r->resume(scheduler_.max_throughput_)) {
        case Resumable::ResumeResult::kResumeLater:
          push_back(r);
          scheduler_.wake_for_new_work();
          break;
        case Resumable::ResumeResult::kAwaiting:
          break;
        case Resumable::ResumeResult::kDone:
          r->release();
          break;
      }
    }
    current_ = nullptr;
  }

  Scheduler& scheduler_;
  const size_t index_;
  std::thread thread_;
  Resumable* next_ = nullptr;  // only touched by this worker's thread
  int next_streak_ = 0;
  Mutex mutex_;
  std::deque<Resumable*> queue_
      ABSL_GUARDED_BY(mutex_);     // FIFO for the owner, thieves take the back
  std::atomic<size_t> queued_{0};  // queue_.size(), written under mutex_

  static thread_local Worker* current_;
};

thread_local Scheduler::Worker* Scheduler::Worker::current_ = nullptr;

Scheduler::Scheduler(Options options)
    : max_throughput_(options.max_throughput), busy_wait_(options.busy_wait) {
  size_t count = options.workers;
  if (count == 0) count = std::max<size_t>(1, std::thread::hardware_concurrency());
  for (size_t i = 0; i < count; ++i) workers_.push_back(std::make_unique<Worker>(*this, i));
  for (auto& w : workers_) w->start();
}

Scheduler::~Scheduler() {
  {
    MutexLock lock(sleep_mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& w : workers_) w->join();
}

bool Scheduler::on_worker_thread() const {
  const Worker* self = Worker::current();
  return self != nullptr && self->belongs_to(*this);
}

void Scheduler::schedule(Resumable* r) {
  Worker* self = Worker::current();
  if (self != nullptr && self->belongs_to(*this)) {
    if (!self->push_next(r)) return;
  } else {
    MutexLock lock(injection_mutex_);
    injection_queue_.push_back(r);
    injected_.store(injection_queue_.size(), std::memory_order_relaxed);
  }
  wake_for_new_work();
}

void Scheduler::wake_for_new_work() {
  // A polling worker finds the work by itself. One that stops polling decrements spinners_ before
  // its last look at the queues (sleep_until_work's has_visible_work, under the queues' locks): if
  // that look came after the push it sees the work; if before, the decrement happened before the
  // push (through the queue's lock), so this load sees it and a sleeper is woken. A poller that
  // found work looks the same way for more (spin_for_work).
  if (spinners_.load(std::memory_order_seq_cst) == 0 &&
      sleepers_.load(std::memory_order_seq_cst) > 0) {
    wake_one_sleeper();
  }
}

Resumable* Scheduler::pop_injected() {
  MutexLock lock(injection_mutex_);
  if (injection_queue_.empty()) return nullptr;
  Resumable* r = injection_queue_.front();
  injection_queue_.pop_front();
  injected_.store(injection_queue_.size(), std::memory_order_relaxed);
  return r;
}

bool Scheduler::spin_for_work(const Worker& thief, Resumable*& found) {
  if ((found = find_work(&thief)) != nullptr) return true;
  // At most half the workers (at least one) poll at a time: the rest sleep, and leave the CPU to
  // whatever else the machine runs.
  const size_t limit = std::max<size_t>(1, workers_.size() / 2);
  if (spinners_.fetch_add(1, std::memory_order_relaxed) >= limit) {
    spinners_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  const bool got = spin_until(
      [&] { return may_have_work() && (found = find_work(&thief)) != nullptr; }, busy_wait_);
  spinners_.fetch_sub(1, std::memory_order_seq_cst);
  // Work queued while this worker polled woke nobody: if there is more than it took, a sleeper
  // takes the rest. (Looked for under the queues' locks, which order this look after any push
  // that saw this worker polling.)
  if (got && sleepers_.load(std::memory_order_seq_cst) > 0 && has_visible_work()) {
    wake_one_sleeper();
  }
  return got;
}

bool Scheduler::may_have_work() const {
  if (injected_.load(std::memory_order_relaxed) != 0) return true;
  for (const auto& w : workers_) {
    if (w->may_have_queued()) return true;
  }
  return false;
}

Resumable* Scheduler::find_work(const Worker* thief) {
  if (Resumable* r = pop_injected()) return r;
  const size_t n = workers_.size();
  for (size_t i = 1; i < n; ++i) {
    Worker& victim = *workers_[(thief->index() + i) % n];
    if (Resumable* r = victim.steal()) return r;
  }
  return nullptr;
}

bool Scheduler::has_visible_work() {
  {
    MutexLock lock(injection_mutex_);
    if (!injection_queue_.empty()) return true;
  }
  for (auto& w : workers_) {
    if (w->has_queued()) return true;
  }
  return false;
}

void Scheduler::wake_one_sleeper() {
  MutexLock lock(sleep_mutex_);
  wake_.notify_one();
}

void Scheduler::sleep_until_work() {
  MutexLock lock(sleep_mutex_);
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  if (!stopping_.load(std::memory_order_acquire) && !has_visible_work()) wake_.wait(sleep_mutex_);
  sleepers_.fetch_sub(1, std::memory_order_seq_cst);
}

}  // namespace bossa
