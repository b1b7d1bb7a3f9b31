// Scheduling behaviour seen from actors: stealing between workers, fairness, no lost wake-ups.
#include <gtest/gtest.h>

#include <time.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/runtime.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

// CPU time used so far by every thread of this process.
absl::Duration process_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return absl::DurationFromTimespec(ts);
}

struct Go {};

// Two parties that can only pass when both are inside wait() at the same time.
class Rendezvous {
 public:
  // True if the other party arrived within `timeout`.
  bool wait(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (++arrived_ == 2) {
      met_.notify_all();
      return true;
    }
    return met_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                         [this] { return arrived_ == 2; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable met_;
  int arrived_ = 0;
};

TEST(SchedulerTest, IdleWorkerStealsWorkWokenOnABusyOne) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  Rendezvous rendezvous;
  auto party = [&rendezvous, me_pid](EventedActor& self) -> Behavior {
    return {[&self, &rendezvous, me_pid](Go) { self.send(me_pid, rendezvous.wait(kWait)); }};
  };
  const Pid a = runtime.spawn(party);
  const Pid b = runtime.spawn(party);
  // Both are woken from one worker, in the same turn: one lands in that worker's next slot, the
  // other in its queue. They meet only if the second worker steals one of them.
  const Pid starter = runtime.spawn([a, b](EventedActor& self) -> Behavior {
    return {[&self, a, b](Go) {
      self.send(a, Go{});
      self.send(b, Go{});
    }};
  });
  me->send(starter, Go{});
  EXPECT_TRUE(*me->receive_for<bool>(kWait));
  EXPECT_TRUE(*me->receive_for<bool>(kWait));
}

TEST(SchedulerTest, FloodingActorDoesNotStarveOthers) {
  Runtime runtime({.workers = 1, .max_throughput = 50});
  // Keeps its own mailbox full forever: every message sends itself the next one.
  const Pid flooder = runtime.spawn([](EventedActor& self) -> Behavior {
    return {[&self](int n) { self.send(self.pid(), n + 1); }};
  });
  runtime.send(flooder, 0);
  const Pid doubler =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int x) { return 2 * x; }}; });
  ScopedActor me(runtime);
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<int> doubled = me->request<int>(doubler, kWait, i);
    ASSERT_TRUE(doubled.ok()) << doubled.status();
    EXPECT_EQ(*doubled, 2 * i);
  }
  runtime.exit(flooder, ExitReason::kill());
}

TEST(SchedulerTest, NoWakeUpIsLostUnderConcurrentSenders) {
  // Many short bursts from several threads to actors that sleep between them: a lost wake-up
  // leaves a message unhandled and the count short.
  constexpr int kActors = 50;
  constexpr int kRounds = 200;
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  std::vector<Pid> counters;
  for (int i = 0; i < kActors; ++i) {
    counters.push_back(runtime.spawn([me_pid](EventedActor& self) -> Behavior {
      auto seen = std::make_shared<int>(0);
      return {[&self, me_pid, seen](int) {
        if (++*seen == kRounds * 2) self.send(me_pid, Go{});
      }};
    }));
  }
  std::vector<std::thread> senders;
  for (int t = 0; t < 2; ++t) {
    senders.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        for (Pid c : counters) runtime.send(c, r);
      }
    });
  }
  for (auto& t : senders) t.join();
  for (int i = 0; i < kActors; ++i) ASSERT_TRUE(me->receive_for<Go>(kWait).ok()) << i;
}

// Workers and threaded actors poll for busy_wait after their last work, then sleep: with each
// setting, 200 round trips work, and a quarter of a second later the idle runtime has gone to
// sleep (spinning threads would burn about half a second of CPU per 250 ms on two workers plus the
// waiting actor).
TEST(SchedulerTest, IdleThreadsSleepOnceTheirBusyWaitIsOver) {
  for (absl::Duration busy_wait : {absl::ZeroDuration(), absl::Milliseconds(2)}) {
    Runtime runtime({.workers = 2, .busy_wait = busy_wait});
    ScopedActor me(runtime);
    const Pid echo = runtime.spawn([](EventedActor& self) -> Behavior {
      return {[&self](int value) { self.send(self.sender(), value + 1); }};
    });
    for (int i = 0; i < 200; ++i) {
      me->send(echo, i);
      ASSERT_EQ(*me->receive_for<int>(kWait), i + 1) << "busy_wait " << busy_wait;
    }
    const absl::Duration before = process_cpu_time();
    EXPECT_FALSE(me->receive_for<int>(absl::Milliseconds(250)).ok());
    EXPECT_LT(process_cpu_time() - before, absl::Milliseconds(60)) << "busy_wait " << busy_wait;
  }
}

}  // namespace
}  // namespace bossa
