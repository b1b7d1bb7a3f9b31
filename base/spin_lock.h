// SpinLock: a one-byte lock for critical sections of a few instructions (an actor's links,
// monitors and flags; a native transport link's batch). Waiters yield the CPU while the lock is
// held: no system call on either side when threads meet, where a mutex would sleep and wake. Meets
// the Lockable requirements, so std::lock_guard works with it. Thread-safe, not recursive.
#pragma once

#include <atomic>
#include <thread>

namespace bossa {

class SpinLock {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace bossa
