// Links, monitors, exit signals and trap_exit.
#include <gtest/gtest.h>

#include <stdexcept>

#include "runtime/runtime.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Crash {};

// An actor that throws when it receives Crash.
Pid spawn_crasher(Runtime& runtime, SpawnOptions options = {}) {
  return runtime.spawn(
      [](EventedActor&) -> Behavior { return {[](Crash) { throw std::runtime_error("boom"); }}; },
      options);
}

TEST(LinksTest, CrashKillsLinkedActorsWithTheExceptionText) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid crasher = spawn_crasher(runtime);
  Pid partner = runtime.spawn([](EventedActor&) -> Behavior { return {[](int) {}}; },
                              SpawnOptions{.link_to = crasher});
  me->monitor(partner);
  MonitorRef crasher_ref = me->monitor(crasher);
  me->send(crasher, Crash{});
  absl::StatusOr<DownMsg> first = me->receive_for<DownMsg>(kWait);
  absl::StatusOr<DownMsg> second = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(first.ok() && second.ok());
  const DownMsg& of_crasher = first->ref == crasher_ref ? *first : *second;
  const DownMsg& of_partner = first->ref == crasher_ref ? *second : *first;
  EXPECT_EQ(of_crasher.reason, ExitReason::error("boom"));
  EXPECT_EQ(of_partner.pid, partner);
  EXPECT_EQ(of_partner.reason, ExitReason::error("boom"));
  EXPECT_EQ(runtime.actor_count(), 1u);  // only `me`: the runtime itself goes on
}

TEST(LinksTest, RequestToAnActorThatCrashesOnItFailsAtOnce) {
  Runtime runtime({.workers = 2});
  Pid crasher = runtime.spawn([](EventedActor&) -> Behavior {
    return {[](Crash) -> int { throw std::runtime_error("boom"); }};
  });
  ScopedActor me(runtime);
  const absl::Time start = absl::Now();
  absl::StatusOr<int> answer = me->request<int>(crasher, absl::Seconds(30), Crash{});
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(answer.status().message().find("error: boom"), std::string::npos);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(LinksTest, TrappingExitsTurnsSignalsIntoMessages) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);
  Pid crasher = spawn_crasher(runtime, SpawnOptions{.link_to = me.pid()});
  me->send(crasher, Crash{});
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->from, crasher);
  EXPECT_EQ(exit->reason.to_string(), "error: boom");
}

TEST(LinksTest, NormalExitDoesNotKillLinkedActors) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid quitter = runtime.spawn([](EventedActor& self) -> Behavior {
    return {[&self](int) { self.exit(ExitReason::normal()); }};
  });
  Pid partner = runtime.spawn(
      [](EventedActor& self) -> Behavior {
        return {[&self](const std::string&) { self.send(self.sender(), std::string("alive")); }};
      },
      SpawnOptions{.link_to = quitter});
  me->monitor(quitter);
  me->send(quitter, 1);
  ASSERT_TRUE(me->receive_for<DownMsg>(kWait).ok());
  me->send(partner, std::string("?"));
  absl::StatusOr<std::string> answer = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(*answer, "alive");
}

TEST(LinksTest, KillCannotBeTrappedAndLinksSeeKilled) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);
  Pid trapper = runtime.spawn_thread([](ThreadedActor& self) {
    self.trap_exit(true);
    for (;;) (void)self.receive([](const ExitMsg&) {});
  });
  me->link(trapper);
  runtime.exit(trapper, ExitReason::kill());
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->from, trapper);
  EXPECT_EQ(exit->reason, ExitReason::killed());
}

TEST(LinksTest, LinkingToADeadPidSignalsNoproc) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);
  me->link(Pid{1, 424242});
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->reason, ExitReason::noproc());
}

TEST(LinksTest, UnlinkedActorsNoLongerShareFate) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);
  Pid crasher = spawn_crasher(runtime);
  me->link(crasher);
  me->unlink(crasher);
  me->monitor(crasher);
  me->send(crasher, Crash{});
  ASSERT_TRUE(me->receive_for<DownMsg>(kWait).ok());
  EXPECT_EQ(me->receive_for<ExitMsg>(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(MonitorsTest, DownArrivesOnceWithTheReason) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid crasher = spawn_crasher(runtime);
  MonitorRef ref = me->monitor(crasher);
  me->send(crasher, Crash{});
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->pid, crasher);
  EXPECT_EQ(down->reason, ExitReason::error("boom"));
  EXPECT_EQ(me->receive_for<DownMsg>(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(MonitorsTest, MonitoringADeadPidGivesNoprocAtOnce) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  MonitorRef ref = me->monitor(Pid{1, 777777});
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, ExitReason::noproc());
}

TEST(MonitorsTest, DemonitorStopsTheDownMessage) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid crasher = spawn_crasher(runtime);
  MonitorRef ref = me->monitor(crasher);
  me->demonitor(ref);
  ScopedActor other(runtime);
  other->monitor(crasher);
  me->send(crasher, Crash{});
  ASSERT_TRUE(other->receive_for<DownMsg>(kWait).ok());
  EXPECT_EQ(me->receive_for<DownMsg>(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace bossa
