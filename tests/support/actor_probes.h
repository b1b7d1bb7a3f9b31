// Small probes for tests of one runtime: a gate that holds an actor in a handler until the test
// has arranged what it wants, and a log of the dead letters' reasons.
//
// Thread-safety: both are thread-safe. Declare a Gate before the runtime, so that it outlives the
// actors waiting at it; a DeadLetterLog replaces the runtime's dead-letter handler.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"
#include "runtime/runtime.h"

namespace bossa {

class Gate {
 public:
  // Called by the actor: says it is here, then waits until the gate opens.
  void wait() {
    reached_.store(true);
    reached_.notify_all();
    open_.wait(false);
  }
  // Returns once an actor waits at the gate.
  void await_reached() const { reached_.wait(false); }
  void open() {
    open_.store(true);
    open_.notify_all();
  }

 private:
  std::atomic<bool> reached_{false};
  std::atomic<bool> open_{false};
};

// Collects the reasons of the dead letters of `runtime` (for as long as the runtime lives).
class DeadLetterLog {
 public:
  explicit DeadLetterLog(Runtime& runtime) {
    runtime.set_dead_letter_handler([state = state_](const DeadLetter& letter) {
      MutexLock lock(state->mutex);
      state->reasons.push_back(letter.reason);
    });
  }
  std::vector<std::string> reasons() const {
    MutexLock lock(state_->mutex);
    return state_->reasons;
  }

 private:
  struct State {
    Mutex mutex;
    std::vector<std::string> reasons ABSL_GUARDED_BY(mutex);
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace bossa
