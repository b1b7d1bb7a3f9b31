// Resumable: what the scheduler runs. An evented or coroutine actor is a Resumable; a threaded
// actor is not (it has a thread of its own).
//
// The scheduler resumes a Resumable on one worker at a time and holds no reference to it while it
// is queued or running: a Resumable keeps itself alive until its resume() returns kDone (an actor
// through its place in the actor table, which it leaves only inside its own resume()), and holds
// one reference for the scheduler from then on, which the scheduler drops at once. resume()
// handles at most `max_messages` messages and says what comes next.
// Only ScheduledActor is a Resumable (scheduled_actor.cc defines the methods): no virtual calls,
// and no second vtable pointer in every actor.
#pragma once

#include <cstddef>

namespace bossa {

class Resumable {
 public:
  enum class ResumeResult {
    kAwaiting,     // nothing left to do; whoever makes it runnable again schedules it
    kResumeLater,  // the budget ran out with work left: queue it again behind the others
    kDone,         // finished for good; the scheduler releases the reference it holds
  };

  ResumeResult resume(size_t max_messages);
  void release() noexcept;

 protected:
  Resumable() = default;
  ~Resumable() = default;
};

}  // namespace bossa
