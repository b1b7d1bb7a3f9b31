#include "base/spin_wait.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace bossa {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST(SpinUntil, ReturnsAsSoonAsTheConditionHoldsWhenAnotherThreadMakesIt) {
  std::atomic<bool> ready{false};
  std::thread setter([&] {
    std::this_thread::sleep_for(2ms);
    ready.store(true);
  });
  const auto start = Clock::now();
  EXPECT_TRUE(spin_until([&] { return ready.load(); }, 10s));
  EXPECT_LT(Clock::now() - start, 5s);
  setter.join();
}

TEST(SpinUntil, GivesUpOnceTheBudgetHasPassed) {
  int polls = 0;
  const auto start = Clock::now();
  EXPECT_FALSE(spin_until(
      [&] {
        ++polls;
        return false;
      },
      3ms));
  EXPECT_GE(Clock::now() - start, 3ms);
  EXPECT_GT(polls, 1);
}

TEST(SpinUntil, AZeroBudgetPollsExactlyOnce) {
  int polls = 0;
  EXPECT_FALSE(spin_until(
      [&] {
        ++polls;
        return false;
      },
      0ns));
  EXPECT_EQ(polls, 1);
  EXPECT_TRUE(spin_until([] { return true; }, 0ns));
}

}  // namespace
}  // namespace bossa
