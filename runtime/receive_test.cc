// Selective receive and timeouts in threaded, evented and coroutine actors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Go {};
struct Stop {};

TEST(ThreadedReceiveTest, UnmatchedMessagesWaitInOrder) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->send(me.pid(), std::string("a"));
  me->send(me.pid(), std::string("b"));
  me->send(me.pid(), 1);
  // Takes the int although two strings came first...
  absl::StatusOr<int> number = me->receive_for<int>(kWait);
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(*number, 1);
  // ...and the strings are still there, in order.
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "a");
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "b");
}

TEST(ThreadedReceiveTest, AfterClauseRunsWhenNothingMatches) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->send(me.pid(), std::string("not an int"));
  bool timed_out = false;
  const absl::Time start = absl::Now();
  absl::Status got =
      me->receive([](int) {}, after(absl::Milliseconds(40), [&] { timed_out = true; }));
  EXPECT_EQ(got.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(timed_out);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));
  EXPECT_EQ(me->queued_messages(), 1u);
}

TEST(ThreadedReceiveTest, BlockedThreadedActorsDoNotHoldSchedulerWorkers) {
  Runtime runtime({.workers = 1});
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  std::vector<Pid> blockers;
  for (int i = 0; i < 3; ++i) {
    blockers.push_back(runtime.spawn_thread([me_pid, i](ThreadedActor& self) {
      (void)self.receive([&](Go) { self.send(me_pid, i); });
    }));
  }
  // With three actors blocked in receive, the single worker still runs evented actors.
  Pid doubler =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int x) { return 2 * x; }}; });
  absl::StatusOr<int> doubled = me->request<int>(doubler, kWait, 4);
  ASSERT_TRUE(doubled.ok());
  EXPECT_EQ(*doubled, 8);
  for (Pid p : blockers) me->send(p, Go{});
  int sum = 0;
  for (int i = 0; i < 3; ++i) sum += *me->receive_for<int>(kWait);
  EXPECT_EQ(sum, 0 + 1 + 2);
}

TEST(EventedReceiveTest, BecomeOffersSetAsideMessagesAgainInOrder) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  // Ignores strings until Go arrives, then reports them in their original order.
  Pid gate = runtime.spawn([me_pid](EventedActor& self) -> Behavior {
    return {[&self, me_pid](Go) {
      self.become({[&self, me_pid](const std::string& s) { self.send(me_pid, s); }});
    }};
  });
  me->send(gate, std::string("first"));
  me->send(gate, std::string("second"));
  me->send(gate, Go{});
  me->send(gate, std::string("third"));
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "first");
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "second");
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "third");
}

TEST(EventedReceiveTest, AfterClauseFiresWhenIdle) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  runtime.spawn([me_pid](EventedActor& self) -> Behavior {
    return {[](int) {}, after(absl::Milliseconds(30), [&self, me_pid] {
              self.send(me_pid, std::string("idle"));
              self.become(Behavior());
            })};
  });
  absl::StatusOr<std::string> idle = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(*idle, "idle");
}

TEST(CoroutineTest, ReceivesSelectivelyAndRequests) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  Pid adder =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int a, int b) { return a + b; }}; });
  Pid coro = runtime.spawn_coroutine([me_pid, adder](CoroutineActor& self) -> ActorTask {
    // Waits for Go although a string arrives first.
    absl::StatusOr<Go> go = co_await self.receive_for<Go>(kWait);
    if (!go.ok()) co_return;
    absl::StatusOr<int> sum = co_await self.request<int>(adder, kWait, 2, 3);
    self.send(me_pid, sum.ok() ? *sum : -1);
    std::string text;
    (void)co_await self.receive([&](const std::string& s) { text = s; });
    self.send(me_pid, text);
  });
  me->send(coro, std::string("early"));
  me->send(coro, Go{});
  absl::StatusOr<int> sum = me->receive_for<int>(kWait);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 5);
  absl::StatusOr<std::string> text = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "early");
}

TEST(CoroutineTest, ReceiveTimesOutAndReturnStopsTheActorNormally) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  Pid coro = runtime.spawn_coroutine([me_pid](CoroutineActor& self) -> ActorTask {
    absl::Status got = co_await self.receive([](Go) {}, after(absl::Milliseconds(20), [] {}));
    self.send(me_pid, got);
  });
  MonitorRef ref = me->monitor(coro);
  absl::StatusOr<absl::Status> status = me->receive_for<absl::Status>(kWait);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code(), absl::StatusCode::kDeadlineExceeded);
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_TRUE(down->reason.is_normal());
}

TEST(CoroutineTest, ThrowingStopsTheActorWithTheText) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid coro = runtime.spawn_coroutine([](CoroutineActor& self) -> ActorTask {
    (void)co_await self.receive([](Go) {});
    throw std::runtime_error("coroutine failed");
  });
  me->monitor(coro);
  me->send(coro, Go{});
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->reason, ExitReason::error("coroutine failed"));
}

TEST(CoroutineTest, RequestIsSentWhenAwaitedSoItsReplyCannotBeMissed) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  Pid doubler =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int x) { return 2 * x; }}; });
  Pid coro = runtime.spawn_coroutine([me_pid, doubler](CoroutineActor& self) -> ActorTask {
    auto doubled = self.request<int>(doubler, kWait, 21);  // not sent yet
    (void)co_await self.receive([](Go) {});                // replies could arrive meanwhile
    absl::StatusOr<int> result = co_await doubled;
    self.send(me_pid, result.ok() ? *result : -1);
  });
  me->send(coro, Go{});
  absl::StatusOr<int> got = me->receive_for<int>(kWait);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, 42);
}

}  // namespace
}  // namespace bossa
