// Mutex, SharedMutex, their scoped locks and CondVar: std::mutex, std::shared_mutex and
// std::condition_variable made capabilities for clang's -Wthread-safety, so that a member
// declared `ABSL_GUARDED_BY(mu_)` or a method `ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_)` is checked
// where it is used. They cost nothing over the std types they wrap.
//
// Why not absl::Mutex: Debian's Abseil is not built with ThreadSanitizer, which then does not see
// absl::Mutex order memory; the std types go through pthreads, which it does see.
//
// A lock is taken for a scope with MutexLock (exclusive, for a Mutex, a SharedMutex or a SpinLock)
// or SharedLock (shared, for a SharedMutex). A lambda that reads guarded members while its caller
// holds the lock (a CondVar predicate) says so: `[&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {...}`.
// Thread-safety: as the std types; not recursive.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "absl/base/thread_annotations.h"

namespace bossa {

class ABSL_LOCKABLE Mutex {
 public:
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  friend class CondVar;  // waits on mu_ itself
  std::mutex mu_;
};

class ABSL_LOCKABLE SharedMutex {
 public:
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  void lock_shared() ABSL_SHARED_LOCK_FUNCTION() { mu_.lock_shared(); }
  bool try_lock_shared() ABSL_SHARED_TRYLOCK_FUNCTION(true) { return mu_.try_lock_shared(); }
  void unlock_shared() ABSL_UNLOCK_FUNCTION() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Tells MutexLock that the caller already holds the lock (after a successful try_lock()).
struct AdoptLock {};
inline constexpr AdoptLock kAdoptLock{};

// Holds `mu` exclusively from construction to destruction. unlock() lets it go early and lock()
// takes it again; the destructor releases it only if held. Meets BasicLockable, so that a
// std::condition_variable_any can wait on it.
template <class M>
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(M& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.lock(); }
  MutexLock(M& mu, AdoptLock) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) : mu_(mu) {}
  ~MutexLock() ABSL_UNLOCK_FUNCTION() {
    if (held_) mu_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    mu_.lock();
    held_ = true;
  }
  void unlock() ABSL_UNLOCK_FUNCTION() {
    mu_.unlock();
    held_ = false;
  }

 private:
  M& mu_;
  bool held_ = true;
};

// Holds `mu` shared (for reading) from construction to destruction, or until unlock().
class ABSL_SCOPED_LOCKABLE SharedLock {
 public:
  explicit SharedLock(SharedMutex& mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_.lock_shared();
  }
  ~SharedLock() ABSL_UNLOCK_FUNCTION() {
    if (held_) mu_.unlock_shared();
  }
  SharedLock(const SharedLock&) = delete;
  SharedLock& operator=(const SharedLock&) = delete;

  void unlock() ABSL_UNLOCK_FUNCTION() {
    mu_.unlock_shared();
    held_ = false;
  }
  bool owns_lock() const { return held_; }

 private:
  SharedMutex& mu_;
  bool held_ = true;
};

// std::condition_variable for a Mutex the caller holds (through a MutexLock): each wait releases
// it while asleep and holds it again when it returns, as std::condition_variable does.
class CondVar {
 public:
  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }

  void wait(Mutex& mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Adopted lock(mu);
    cv_.wait(lock.native);
  }
  template <class Predicate>
  void wait(Mutex& mu, Predicate pred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Adopted lock(mu);
    cv_.wait(lock.native, std::move(pred));
  }
  // False if `deadline` passed first (a spurious wake-up may return true early).
  template <class Clock, class Duration>
  bool wait_until(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Adopted lock(mu);
    return cv_.wait_until(lock.native, deadline) == std::cv_status::no_timeout;
  }
  // pred() once the wait is over: false only if `deadline` passed with it false.
  template <class Clock, class Duration, class Predicate>
  bool wait_until(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline,
                  Predicate pred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Adopted lock(mu);
    return cv_.wait_until(lock.native, deadline, std::move(pred));
  }
  // As wait_until(mu, now + timeout).
  template <class Rep, class Period>
  bool wait_for(Mutex& mu, const std::chrono::duration<Rep, Period>& timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Adopted lock(mu);
    return cv_.wait_for(lock.native, timeout) == std::cv_status::no_timeout;
  }
  template <class Rep, class Period, class Predicate>
  bool wait_for(Mutex& mu, const std::chrono::duration<Rep, Period>& timeout, Predicate pred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Adopted lock(mu);
    return cv_.wait_for(lock.native, timeout, std::move(pred));
  }

 private:
  // The caller's hold on mu as the std::unique_lock that std::condition_variable waits with; it
  // is given back, not released, when the wait ends (even by an exception).
  struct Adopted {
    explicit Adopted(Mutex& mu) : native(mu.mu_, std::adopt_lock) {}
    ~Adopted() { native.release(); }
    std::unique_lock<std::mutex> native;
  };

  std::condition_variable cv_;
};

}  // namespace bossa
