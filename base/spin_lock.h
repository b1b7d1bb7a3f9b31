// SpinLock: a one-byte lock for critical sections of a few instructions (an actor's links,
// monitors and flags; a native transport link's batch). A waiter spins a little (the holder runs on
// another CPU and is nearly done), then yields the CPU until the lock is free: no system call on
// either side when threads meet, where a mutex would sleep and wake. A capability for clang's
// -Wthread-safety, taken for a scope with MutexLock (base/mutex.h). Thread-safe, not recursive.
#pragma once

#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace bossa {

class ABSL_LOCKABLE SpinLock {
 public:
  void lock() noexcept ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins < kSpinsBeforeYield) {
          pause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  bool try_lock() noexcept ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept ABSL_UNLOCK_FUNCTION() { locked_.store(false, std::memory_order_release); }

 private:
  // Pauses before the first yield (a fraction of a microsecond to a few, by CPU): longer than a
  // critical section whose holder is running takes.
  static constexpr int kSpinsBeforeYield = 64;

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }

  std::atomic<bool> locked_{false};
};

}  // namespace bossa
