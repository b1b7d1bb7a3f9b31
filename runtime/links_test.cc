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
  EXPECT_EQ(runtime.actor_count(), 0u);  // both gone (a ScopedActor is not counted)...
  Pid doubler =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int x) { return 2 * x; }}; });
  EXPECT_EQ(*me->request<int>(doubler, kWait, 4), 8);  // ...and the node goes on
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

TEST(LinksTest, AnExplicitExitSignalLeavesTheLinkInPlace) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);
  Pid crasher = spawn_crasher(runtime);
  me->link(crasher);
  // A warning from the linked actor's side that is not its death...
  runtime.exit(me.pid(), ExitReason::error("warning"));
  ASSERT_EQ(me->receive_for<ExitMsg>(kWait)->reason, ExitReason::error("warning"));
  // ...does not cut the link: its crash still arrives.
  me->send(crasher, Crash{});
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->from, crasher);
}

TEST(LinksTest, UnlinkCancelsAnExitSignalAlreadyQueued) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid crasher = spawn_crasher(runtime);
  me->link(crasher);
  MonitorRef ref = me->monitor(crasher);
  me->send(crasher, Crash{});
  // Wait for the crash without receiving: the exit signal is in the mailbox behind nothing.
  ScopedActor observer(runtime);
  observer->monitor(crasher);
  ASSERT_TRUE(observer->receive_for<DownMsg>(kWait).ok());
  me->unlink(crasher);
  // Not trapping exits, yet alive: the queued signal lost its link.
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
}

TEST(LinksTest, ThreadedActorCrashingOnARequestFailsItAtOnce) {
  Runtime runtime({.workers = 2});
  Pid crasher = runtime.spawn_thread([](ThreadedActor& self) {
    (void)self.receive([](Crash) -> int { throw std::runtime_error("threaded boom"); });
  });
  ScopedActor me(runtime);
  absl::StatusOr<int> answer = me->request<int>(crasher, absl::Seconds(30), Crash{});
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(answer.status().message().find("threaded boom"), std::string::npos);
}

// Counts itself in `count` while it lives.
struct LiveCount {
  explicit LiveCount(std::shared_ptr<int> c) : count(std::move(c)) { ++*count; }
  ~LiveCount() { --*count; }
  std::shared_ptr<int> count;
};

TEST(LinksTest, ChainOfDeadActorsIsFreed) {
  // Actors that die in a cascade must not keep each other (or their state) alive.
  constexpr int kChain = 200;
  Runtime runtime({.workers = 2});
  auto alive = std::make_shared<int>(0);
  std::vector<Pid> chain;
  for (int i = 0; i < kChain; ++i) {
    SpawnOptions options;
    if (!chain.empty()) options.link_to = chain.back();
    chain.push_back(runtime.spawn(
        [alive](EventedActor&) -> Behavior {
          auto counted = std::make_shared<LiveCount>(alive);
          return {[counted](Crash) { throw std::runtime_error("first domino"); }};
        },
        options));
  }
  ScopedActor me(runtime);
  me->monitor(chain.back());
  me->send(chain.front(), Crash{});
  ASSERT_TRUE(me->receive_for<DownMsg>(kWait).ok());
  ASSERT_TRUE(runtime.await_all_actors_done(kWait));
  EXPECT_EQ(*alive, 0);
}

}  // namespace
}  // namespace bossa
