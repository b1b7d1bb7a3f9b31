// spin_until: polls a condition for a short while before the caller goes to sleep, the way Erlang's
// schedulers busy-wait before they park (+sbwt). On a virtual machine a thread that sleeps lets its
// CPU halt, and waking it again costs tens of microseconds; a waiter that keeps polling for a
// little longer than a typical round trip keeps that cost off a request and its answer. Between
// polls the caller yields, so a spinning thread gives way to a thread with work on its CPU.
// Free function without shared state.
#pragma once

#include <chrono>
#include <thread>

namespace bossa {

// The longest busy wait a node takes (RuntimeOptions::busy_wait, [node] busy_wait): beyond it,
// polling costs more CPU than any wake-up it saves.
inline constexpr std::chrono::milliseconds kMaxBusyWait{10};

// Calls `ready()` until it returns true (then returns true) or `budget` has passed (then false),
// yielding the CPU between calls. A budget of zero or less calls it once.
template <class Ready>
bool spin_until(Ready&& ready, std::chrono::nanoseconds budget) {
  if (ready()) return true;
  if (budget <= std::chrono::nanoseconds::zero()) return false;
  const auto give_up = std::chrono::steady_clock::now() + budget;
  do {
    std::this_thread::yield();
    if (ready()) return true;
  } while (std::chrono::steady_clock::now() < give_up);
  return false;
}

}  // namespace bossa
