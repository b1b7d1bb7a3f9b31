// Fsm (gen_statem): transitions, ignore, stop, state timeouts, postponed events, calls.
#include "runtime/behaviours/fsm.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/behaviours/call.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Code {
  std::string digits;
};
struct Lock {};
struct Enter {};
struct WhichState {};
struct Break {};

// A code lock: "locked" until the right code, then "open" (for `open_for`, if given) until Lock.
// It reports every state it enters to `observer` and answers WhichState in any state.
absl::StatusOr<Pid> spawn_door(Runtime& runtime, Pid observer,
                               absl::Duration open_for = absl::InfiniteDuration()) {
  return spawn_fsm(runtime, [observer, open_for](Fsm& self) {
    FsmSpec spec("locked");
    spec.state("locked", {[open_for](const Code& code) {
                 if (code.digits != "1234") return Transition::ignore();
                 if (open_for == absl::InfiniteDuration()) return Transition::next("open");
                 return Transition::next("open").state_timeout(open_for);
               }})
        .state("open", {[](const Lock&) { return Transition::next("locked"); },
                        [&self, observer](const StateTimeout& t) {
                          self.actor().send(observer, std::string("timeout in " + t.state));
                          return Transition::next("locked");
                        },
                        [&self](const Enter&) { self.reply(std::string("welcome")); }})
        .any_state({[&self](const WhichState&) { return self.state(); },
                    [](const Break&) { return Transition::stop(ExitReason::error("broken")); }})
        .on_terminate([&self, observer](const ExitReason& why, const std::string& state) {
          self.actor().send(observer, "terminate " + why.to_string() + " in " + state);
        });
    return spec;
  });
}

TEST(FsmTest, EventsMoveTheFsmBetweenStates) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> door = spawn_door(runtime, me.pid());
  ASSERT_TRUE(door.ok()) << door.status();
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "locked");
  me->send(*door, Code{"1234"});
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "open");
  me->send(*door, Lock{});
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "locked");
}

TEST(FsmTest, IgnoreKeepsTheStateAndConsumesTheEvent) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> door = spawn_door(runtime, me.pid());
  ASSERT_TRUE(door.ok());
  me->send(*door, Code{"0000"});
  me->send(*door, Code{"9999"});
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "locked");
  me->send(*door, Code{"1234"});
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "open");
}

TEST(FsmTest, StopRunsTerminateWithTheReasonAndTheState) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> door = spawn_door(runtime, me.pid());
  ASSERT_TRUE(door.ok());
  MonitorRef ref = me->monitor(*door);
  me->send(*door, Code{"1234"});
  me->send(*door, Break{});
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "terminate error: broken in open");
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, ExitReason::error("broken"));
}

TEST(FsmTest, StateTimeoutFiresWhenTheStateLastsThatLong) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> door = spawn_door(runtime, me.pid(), absl::Milliseconds(20));
  ASSERT_TRUE(door.ok());
  const absl::Time start = absl::Now();
  me->send(*door, Code{"1234"});
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "timeout in open");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "locked");
}

TEST(FsmTest, LeavingTheStateCancelsItsTimeout) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> door = spawn_door(runtime, me.pid(), absl::Milliseconds(40));
  ASSERT_TRUE(door.ok());
  // Open, lock at once (cancelling the first timeout), open again: the timeout that fires is the
  // second one, a full 40 ms after the second opening.
  me->send(*door, Code{"1234"});
  me->send(*door, Lock{});
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "locked");
  const absl::Time second_opening = absl::Now();
  me->send(*door, Code{"1234"});
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "timeout in open");
  EXPECT_GE(absl::Now() - second_opening, absl::Milliseconds(40));
  EXPECT_EQ(*call<std::string>(*me, *door, WhichState{}), "locked");
}

TEST(FsmTest, CallInAStateThatDoesNotTakeItIsPostponedUntilOneDoes) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> door = spawn_door(runtime, me.pid());
  ASSERT_TRUE(door.ok());
  // A coroutine actor calls Enter while the door is locked; the answer comes once it opens.
  runtime.spawn_coroutine([me_pid, door = *door](CoroutineActor& self) -> ActorTask {
    absl::StatusOr<std::string> answer = co_await call<std::string>(self, door, Enter{});
    self.send(me_pid, answer.ok() ? *answer : answer.status().ToString());
  });
  EXPECT_EQ(me->receive_for<std::string>(absl::Milliseconds(30)).status().code(),
            absl::StatusCode::kDeadlineExceeded);  // still locked: no answer yet
  me->send(*door, Code{"1234"});
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "welcome");
}

TEST(FsmTest, EventedAndThreadedActorsCanCall) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> door = spawn_door(runtime, me.pid());
  ASSERT_TRUE(door.ok());
  runtime.spawn([me_pid, door = *door](EventedActor& self) -> Behavior {
    call(self, door, WhichState{})
        .then(
            [&self, me_pid](const std::string& state) {
              self.send(me_pid, "evented: " + state);
              self.become(Behavior());
            },
            [&self](const absl::Status& s) { self.exit(ExitReason::error(s.ToString())); });
    return {[](const Lock&) {}};  // alive until the reply
  });
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "evented: locked");
  runtime.spawn_thread([me_pid, door = *door](ThreadedActor& self) {
    absl::StatusOr<std::string> state = call<std::string>(self, door, WhichState{});
    self.send(me_pid, "threaded: " + state.value_or("?"));
  });
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "threaded: locked");
}

TEST(FsmTest, TrappingFsmStopsOnItsParentsExitSignalAfterTerminate) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> fsm = spawn_fsm(
      runtime,
      [me_pid](Fsm& self) {
        FsmSpec spec("idle");
        spec.state("idle", {[](const Lock&) {}})
            .trap_exit(true)
            .on_terminate([&self, me_pid](const ExitReason& why, const std::string& state) {
              self.actor().send(me_pid, why.to_string() + " in " + state);
            });
        return spec;
      },
      SpawnOptions{.link_to = me.pid()});
  ASSERT_TRUE(fsm.ok());
  me->exit(*fsm, ExitReason::shutdown());
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "shutdown in idle");
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->from, *fsm);
  EXPECT_EQ(exit->reason, ExitReason::shutdown());
}

TEST(FsmTest, UndeclaredInitialStateOrTargetStateIsAnError) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> bad = spawn_fsm(runtime, [](Fsm&) { return FsmSpec("nowhere"); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Pid> lost = spawn_fsm(runtime, [](Fsm&) {
    FsmSpec spec("here");
    spec.state("here", {[](const Lock&) { return Transition::next("there"); }});
    return spec;
  });
  ASSERT_TRUE(lost.ok());
  me->monitor(*lost);
  me->send(*lost, Lock{});
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_NE(down->reason.detail().find("undeclared state \"there\""), std::string::npos);
}

}  // namespace
}  // namespace bossa
