// Scheduler: a pool of worker threads that run Resumables (actors) when they have work.
//
// Each worker has a local queue and a one-entry "next" slot: a Resumable made runnable from a
// worker runs next on that worker, on a warm core, and what the slot held moves to the local queue,
// where idle workers can steal it. Work from other threads goes through a shared injection queue.
// Idle workers poll for `busy_wait`, then sleep: an idle scheduler uses no CPU. A Resumable whose
// budget ran out goes to the back of the local queue, so no actor monopolises a worker.
// docs/architecture.md ("The scheduler") gives the whole design and its trade-off.
//
// Thread-safety: schedule() from any thread. The destructor stops and joins the workers; anything
// still queued is dropped, not resumed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"
#include "runtime/resumable.h"

namespace bossa {

class Scheduler {
 public:
  struct Options {
    size_t workers = 0;           // 0: one per hardware thread
    size_t max_throughput = 300;  // messages per resume before yielding the worker
    // How long an idle worker keeps looking for work before it sleeps (base/spin_wait.h).
    std::chrono::nanoseconds busy_wait = std::chrono::microseconds(200);
  };

  explicit Scheduler(Options options);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  // Queues r to be resumed (r keeps itself alive until resumed: resumable.h).
  void schedule(Resumable* r);

  size_t worker_count() const { return workers_.size(); }
  // True on one of this scheduler's worker threads.
  bool on_worker_thread() const;

 private:
  class Worker;

  Resumable* pop_injected();
  // Without locks: whether any queue held work when last changed (a spinning worker's cheap look
  // before find_work takes the locks).
  bool may_have_work() const;
  // An idle worker's last look before it sleeps: finds work for `thief` (into `found`, true),
  // polling for up to busy_wait_ unless enough other workers poll already.
  bool spin_for_work(const Worker& thief, Resumable*& found);
  // Pops from the injection queue, then steals from other workers; nullptr if all are empty.
  Resumable* find_work(const Worker* thief);
  bool has_visible_work();
  // After work was queued: wakes a sleeping worker unless one is polling.
  void wake_for_new_work();
  void wake_one_sleeper();
  void sleep_until_work();

  const size_t max_throughput_;
  const std::chrono::nanoseconds busy_wait_;
  std::vector<std::unique_ptr<Worker>> workers_;

  Mutex injection_mutex_;
  std::deque<Resumable*> injection_queue_ ABSL_GUARDED_BY(injection_mutex_);
  std::atomic<size_t> injected_{0};  // injection_queue_.size(), written under the mutex

  Mutex sleep_mutex_;
  CondVar wake_;
  std::atomic<size_t> sleepers_{0};
  std::atomic<size_t> spinners_{0};  // workers inside spin_for_work's polling
  std::atomic<bool> stopping_{false};
};

}  // namespace bossa
