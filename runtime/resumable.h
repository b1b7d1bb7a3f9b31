// Resumable: what the scheduler runs. An evented or coroutine actor is a Resumable; a threaded
// actor is not (it has a thread of its own).
//
// The scheduler holds one reference to a Resumable while it is queued or running, and resumes it on
// one worker at a time. resume() handles at most `max_messages` messages and says what comes next.
#pragma once

#include <cstddef>

namespace bossa {

class Resumable {
 public:
  enum class ResumeResult {
    kAwaiting,     // nothing left to do; whoever makes it runnable again schedules it
    kResumeLater,  // the budget ran out with work left: queue it again behind the others
    kDone,         // finished for good
  };

  virtual ResumeResult resume(size_t max_messages) = 0;
  virtual void add_ref() noexcept = 0;
  virtual void release() noexcept = 0;

 protected:
  ~Resumable() = default;
};

}  // namespace bossa
