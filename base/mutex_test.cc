#include "base/mutex.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "base/spin_lock.h"

namespace bossa {
namespace {

using namespace std::chrono_literals;

// Whether another thread could take `mu` now (one takes and lets go of it): a probe the analysis
// cannot follow.
template <class M>
bool is_free(M& mu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  bool free = false;
  std::thread([&] {
    if (mu.try_lock()) {
      mu.unlock();
      free = true;
    }
  }).join();
  return free;
}

bool is_free_for_readers(SharedMutex& mu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  bool free = false;
  std::thread([&] {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      free = true;
    }
  }).join();
  return free;
}

TEST(MutexLock, HoldsTheLockForItsScopeAndAgainAfterUnlockAndLock) {
  Mutex mu;
  {
    MutexLock lock(mu);
    EXPECT_FALSE(is_free(mu));
    lock.unlock();
    EXPECT_TRUE(is_free(mu));
    lock.lock();
    EXPECT_FALSE(is_free(mu));
  }
  EXPECT_TRUE(is_free(mu));
  if (mu.try_lock()) {
    MutexLock adopted(mu, kAdoptLock);
  }
  EXPECT_TRUE(is_free(mu));
}

TEST(MutexLock, TakesASpinLockAndASharedMutexExclusively) {
  SpinLock spin;
  SharedMutex shared;
  {
    MutexLock spin_lock(spin);
    MutexLock shared_lock(shared);
    EXPECT_FALSE(is_free(spin));
    EXPECT_FALSE(is_free_for_readers(shared));
  }
  EXPECT_TRUE(is_free(spin));
  EXPECT_TRUE(is_free(shared));
}

TEST(SharedLock, LetsOtherReadersInButNoWriter) {
  SharedMutex mu;
  SharedLock lock(mu);
  EXPECT_TRUE(is_free_for_readers(mu));
  EXPECT_FALSE(is_free(mu));
}

TEST(CondVar, WakesAWaiterWhoseConditionAnotherThreadMadeTrue) {
  struct {
    Mutex mu;
    CondVar cv;
    bool ready ABSL_GUARDED_BY(mu) = false;
  } s;
  std::thread setter([&] {
    MutexLock lock(s.mu);
    s.ready = true;
    s.cv.notify_one();
  });
  {
    MutexLock lock(s.mu);
    EXPECT_TRUE(
        s.cv.wait_for(s.mu, 60s, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) { return s.ready; }));
  }
  setter.join();
}

TEST(CondVar, GivesUpAtTheDeadlineAndStillHoldsTheMutex) {
  Mutex mu;
  CondVar cv;
  MutexLock lock(mu);
  EXPECT_FALSE(cv.wait_until(mu, std::chrono::steady_clock::now() + 1ms, [] { return false; }));
  EXPECT_FALSE(is_free(mu));
}

}  // namespace
}  // namespace bossa
