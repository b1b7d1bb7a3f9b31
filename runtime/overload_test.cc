// Overload: exit signals that jump a flooded mailbox, and stopping with millions of messages
// queued.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "runtime/runtime.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);
constexpr int kFlood = 5'000'000;
// The bounds the overload issue names; generous for a machine that runs other work too.
constexpr absl::Duration kKillBound = absl::Milliseconds(100);
constexpr absl::Duration kShutdownBound = absl::Seconds(1);

struct Crash {};

// Lets a flooded actor's first handler return once the test has queued what it wants.
class Gate {
 public:
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

// An evented actor stuck in its first handler until `gate` opens; it takes ints.
Pid spawn_stuck_evented(Runtime& runtime, Gate& gate) {
  return runtime.spawn([&gate](EventedActor&) -> Behavior {
    return {[&gate](int n) {
      if (n == 0) gate.wait();
    }};
  });
}

// A threaded actor that waits for `gate` before it receives ints.
Pid spawn_stuck_threaded(Runtime& runtime, Gate& gate) {
  return runtime.spawn_thread([&gate](ThreadedActor& self) {
    gate.wait();
    for (;;) (void)self.receive([](int) {});
  });
}

void flood(Runtime& runtime, Pid to) {
  for (int i = 0; i < kFlood; ++i) runtime.send(to, i);
}

// Kills `target` (flooded, stuck behind `gate`) and returns how long its DownMsg took to reach a
// watcher.
absl::Duration time_kill(Runtime& runtime, Pid target, Gate& gate) {
  ScopedActor watcher(runtime);
  watcher->monitor(target);
  flood(runtime, target);
  EXPECT_GE(runtime.mailbox_depths().deepest, static_cast<uint64_t>(kFlood - 1));
  const absl::Time start = absl::Now();
  runtime.exit(target, ExitReason::kill());
  gate.open();
  absl::StatusOr<DownMsg> down = watcher->receive_for<DownMsg>(kWait);
  const absl::Duration took = absl::Now() - start;
  std::printf("killed in %s\n", absl::FormatDuration(took).c_str());
  EXPECT_TRUE(down.ok()) << down.status();
  if (down.ok()) {
    EXPECT_EQ(down->reason, ExitReason::killed());
  }
  return took;
}

TEST(SignalLaneTest, KillStopsAFloodedEventedActorAtOnce) {
  Runtime runtime({.workers = 2});
  Gate gate;
  const Pid flooded = spawn_stuck_evented(runtime, gate);
  EXPECT_LT(time_kill(runtime, flooded, gate), kKillBound);
}

TEST(SignalLaneTest, KillStopsAFloodedThreadedActorAtOnce) {
  Runtime runtime({.workers = 2});
  Gate gate;
  const Pid flooded = spawn_stuck_threaded(runtime, gate);
  EXPECT_LT(time_kill(runtime, flooded, gate), kKillBound);
}

TEST(SignalLaneTest, ALinkedActorsExitSignalStopsAFloodedActorAtOnce) {
  Runtime runtime({.workers = 2});
  Gate gate;
  const Pid flooded = spawn_stuck_evented(runtime, gate);
  const Pid crasher = runtime.spawn(
      [](EventedActor&) -> Behavior { return {[](Crash) { throw std::runtime_error("boom"); }}; },
      SpawnOptions{.link_to = flooded});
  ScopedActor watcher(runtime);
  watcher->monitor(flooded);
  flood(runtime, flooded);
  const absl::Time start = absl::Now();
  runtime.send(crasher, Crash{});
  gate.open();
  absl::StatusOr<DownMsg> down = watcher->receive_for<DownMsg>(kWait);
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->reason, ExitReason::error("boom"));
  EXPECT_LT(took, kKillBound);
}

TEST(SignalLaneTest, ShutdownWithMillionsQueuedReturnsWithinASecond) {
  auto runtime = std::make_unique<Runtime>(RuntimeOptions{.workers = 2});
  Gate gate;
  const Pid flooded = spawn_stuck_evented(*runtime, gate);
  flood(*runtime, flooded);
  gate.open();
  const absl::Time start = absl::Now();
  runtime.reset();
  const absl::Duration took = absl::Now() - start;
  std::printf("shut down in %s\n", absl::FormatDuration(took).c_str());
  EXPECT_LT(took, kShutdownBound);
}

TEST(SignalLaneTest, LeftoversOfAStoppedActorAreCountedDeadLetters) {
  Runtime runtime({.workers = 2});
  Gate gate;
  const Pid flooded = spawn_stuck_evented(runtime, gate);
  ScopedActor watcher(runtime);
  watcher->monitor(flooded);
  constexpr int kQueued = 1000;
  for (int i = 0; i < kQueued; ++i) runtime.send(flooded, i);
  gate.await_reached();
  runtime.exit(flooded, ExitReason::kill());
  gate.open();
  ASSERT_TRUE(watcher->receive_for<DownMsg>(kWait).ok());
  // All but the one being handled when the kill came; counted once the actor has let them go.
  const uint64_t expected = kQueued - 1;
  const absl::Time deadline = absl::Now() + kWait;
  while (runtime.dead_letter_count() < expected && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(runtime.dead_letter_count(), expected);
}

TEST(SignalLaneTest, ATrappedSignalComesAfterTheMessagesQueuedBeforeIt) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  Gate gate;
  const Pid trapper = runtime.spawn([&gate, me_pid](EventedActor& self) -> Behavior {
    self.trap_exit(true);
    return {[&gate, &self, me_pid](int n) {
              if (n == 0) gate.wait();
              self.send(me_pid, n);
            },
            [&self, me_pid](const ExitMsg& exit) {
              if (exit.reason != ExitReason::error("trapped")) self.exit(exit.reason);
              self.send(me_pid, -1);
            }};
  });
  for (int i = 0; i < 4; ++i) runtime.send(trapper, i);
  runtime.exit(trapper, ExitReason::error("trapped"));
  gate.open();
  std::vector<int> seen;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<int> n = me->receive_for<int>(kWait);
    ASSERT_TRUE(n.ok()) << n.status();
    seen.push_back(*n);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, -1}));
}

// Sends a trapped "ping" signal back to `me`; stops on any other (the runtime's shutdown).
void answer_ping(Actor& self, Pid me, const ExitMsg& exit) {
  if (exit.reason != ExitReason::error("ping")) self.exit(exit.reason);
  self.send(me, exit);
}

// Each round the actor has likely gone to sleep when the signal comes, or is about to: a lost
// wake-up leaves the round waiting for its answer.
template <class Spawn>
void signals_wake_a_sleeping_actor(Spawn spawn) {
  Runtime runtime({.workers = 2, .busy_wait = absl::ZeroDuration()});
  ScopedActor me(runtime);
  const Pid trapper = spawn(runtime, me.pid());
  for (int round = 0; round < 2000; ++round) {
    runtime.send(trapper, round);
    runtime.exit(trapper, ExitReason::error("ping"));
    absl::StatusOr<int> answer = me->receive_for<int>(kWait);
    ASSERT_TRUE(answer.ok()) << "round " << round << ": " << answer.status();
    EXPECT_EQ(*answer, round);
    absl::StatusOr<ExitMsg> trapped = me->receive_for<ExitMsg>(kWait);
    ASSERT_TRUE(trapped.ok()) << "round " << round << ": " << trapped.status();
  }
}

TEST(SignalLaneTest, SignalsWakeASleepingEventedActorEveryTime) {
  signals_wake_a_sleeping_actor([](Runtime& runtime, Pid me) {
    return runtime.spawn([me](EventedActor& self) -> Behavior {
      self.trap_exit(true);
      return {[&self, me](int n) { self.send(me, n); },
              [&self, me](const ExitMsg& exit) { answer_ping(self, me, exit); }};
    });
  });
}

TEST(SignalLaneTest, SignalsWakeASleepingThreadedActorEveryTime) {
  signals_wake_a_sleeping_actor([](Runtime& runtime, Pid me) {
    return runtime.spawn_thread([me](ThreadedActor& self) {
      self.trap_exit(true);
      for (;;) {
        (void)self.receive([&self, me](int n) { self.send(me, n); },
                           [&self, me](const ExitMsg& exit) { answer_ping(self, me, exit); });
      }
    });
  });
}

}  // namespace
}  // namespace bossa
