// Supervisor: strategies, restart types, intensity, shutdown order, nesting, run-time changes.
#include "runtime/behaviours/supervisor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/behaviours/call.h"
#include "runtime/behaviours/server.h"
#include "runtime/behaviours/test_strings.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Crash {};
struct Quit {};

// A trapping server child that tells `observer` "start <id>" from its init and
// "stop <id> <reason>" from its terminate. Crash makes it throw, Quit stop normally.
ChildSpec worker(const std::string& id, Pid observer,
                 RestartType restart = RestartType::kPermanent) {
  return ChildSpec{
      .id = id,
      .start =
          [id, observer](Runtime& runtime, const SpawnOptions& options) {
            return spawn_server(
                runtime,
                [id, observer](Server& self) -> ServerSpec {
                  self.actor().send(observer, "start " + id);
                  return {.casts = {[](const Crash&) { throw std::runtime_error("crash"); },
                                    [&self](const Quit&) { self.stop(ExitReason::normal()); }},
                          .terminate =
                              [&self, id, observer](const ExitReason& why) {
                                self.actor().send(observer, "stop " + id + " " + why.to_string());
                              },
                          .trap_exit = true};
                },
                options);
          },
      .restart = restart};
}

std::vector<ChildInfo> children(ScopedActor& me, Pid supervisor) {
  absl::StatusOr<std::vector<ChildInfo>> infos =
      call<std::vector<ChildInfo>>(*me, supervisor, WhichChildren{});
  EXPECT_TRUE(infos.ok()) << infos.status();
  return infos.value_or(std::vector<ChildInfo>{});
}

Pid pid_of(ScopedActor& me, Pid supervisor, const std::string& id) {
  for (const ChildInfo& info : children(me, supervisor)) {
    if (info.id == id) return info.pid;
  }
  return Pid{};
}

// Waits until `child` has stopped, so that its supervisor has its exit signal before anything
// this actor sends next.
void await_down(ScopedActor& me, Pid child) {
  MonitorRef ref = me->monitor(child);
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  ASSERT_EQ(down->ref, ref);
}

SupervisorSpec three_workers(RestartStrategy strategy, Pid observer) {
  SupervisorSpec spec{.strategy = strategy, .max_restarts = 5, .period = absl::Seconds(10)};
  for (const char* id : {"a", "b", "c"}) spec.children.push_back(worker(id, observer));
  return spec;
}

TEST(SupervisorTest, OneForOneRestartsOnlyTheCrashedChild) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> sup =
      start_supervisor(runtime, three_workers(RestartStrategy::kOneForOne, me.pid()));
  ASSERT_TRUE(sup.ok()) << sup.status();
  EXPECT_EQ(next_strings(me, 3, kWait),
            (std::vector<std::string>{"start a", "start b", "start c"}));
  const Pid a = pid_of(me, *sup, "a");
  const Pid b = pid_of(me, *sup, "b");
  const Pid c = pid_of(me, *sup, "c");
  me->send(b, Crash{});
  EXPECT_EQ(next_strings(me, 2, kWait),
            (std::vector<std::string>{"stop b error: crash", "start b"}));
  EXPECT_EQ(pid_of(me, *sup, "a"), a);
  EXPECT_NE(pid_of(me, *sup, "b"), b);
  EXPECT_TRUE(pid_of(me, *sup, "b").valid());
  EXPECT_EQ(pid_of(me, *sup, "c"), c);
}

TEST(SupervisorTest, OneForAllRestartsEveryChildAfterStoppingTheOthersInReverseOrder) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> sup =
      start_supervisor(runtime, three_workers(RestartStrategy::kOneForAll, me.pid()));
  ASSERT_TRUE(sup.ok());
  next_strings(me, 3, kWait);
  const Pid a = pid_of(me, *sup, "a");
  me->send(pid_of(me, *sup, "b"), Crash{});
  EXPECT_EQ(next_strings(me, 6, kWait),
            (std::vector<std::string>{"stop b error: crash", "stop c shutdown", "stop a shutdown",
                                      "start a", "start b", "start c"}));
  EXPECT_NE(pid_of(me, *sup, "a"), a);
}

TEST(SupervisorTest, RestForOneRestartsTheCrashedChildAndThoseStartedAfterIt) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> sup =
      start_supervisor(runtime, three_workers(RestartStrategy::kRestForOne, me.pid()));
  ASSERT_TRUE(sup.ok());
  next_strings(me, 3, kWait);
  const Pid a = pid_of(me, *sup, "a");
  me->send(pid_of(me, *sup, "b"), Crash{});
  EXPECT_EQ(
      next_strings(me, 4, kWait),
      (std::vector<std::string>{"stop b error: crash", "stop c shutdown", "start b", "start c"}));
  EXPECT_EQ(pid_of(me, *sup, "a"), a);
}

TEST(SupervisorTest, RestartTypesDecideWhetherAStoppedChildComesBack) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  SupervisorSpec spec{.max_restarts = 10, .period = absl::Seconds(10)};
  spec.children.push_back(worker("permanent", me.pid(), RestartType::kPermanent));
  spec.children.push_back(worker("transient", me.pid(), RestartType::kTransient));
  spec.children.push_back(worker("temporary", me.pid(), RestartType::kTemporary));
  absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(spec));
  ASSERT_TRUE(sup.ok());
  next_strings(me, 3, kWait);

  // Permanent: back even after a normal exit.
  me->send(pid_of(me, *sup, "permanent"), Quit{});
  EXPECT_EQ(next_strings(me, 2, kWait),
            (std::vector<std::string>{"stop permanent normal", "start permanent"}));

  // Transient: back after a crash...
  me->send(pid_of(me, *sup, "transient"), Crash{});
  EXPECT_EQ(next_strings(me, 2, kWait),
            (std::vector<std::string>{"stop transient error: crash", "start transient"}));
  // ...but not after a normal exit: it stays, stopped.
  const Pid transient = pid_of(me, *sup, "transient");
  me->send(transient, Quit{});
  EXPECT_EQ(next_strings(me, 1, kWait), (std::vector<std::string>{"stop transient normal"}));
  await_down(me, transient);
  EXPECT_FALSE(pid_of(me, *sup, "transient").valid());

  // Temporary: never back, and its spec is gone.
  const Pid temporary = pid_of(me, *sup, "temporary");
  me->send(temporary, Crash{});
  EXPECT_EQ(next_strings(me, 1, kWait), (std::vector<std::string>{"stop temporary error: crash"}));
  await_down(me, temporary);
  std::vector<std::string> ids;
  for (const ChildInfo& info : children(me, *sup)) ids.push_back(info.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"permanent", "transient"}));
}

TEST(SupervisorTest, TooManyRestartsStopTheChildrenAndTheSupervisor) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  SupervisorSpec spec{.max_restarts = 2, .period = absl::Seconds(30)};
  spec.children.push_back(worker("a", me.pid()));
  spec.children.push_back(worker("b", me.pid()));
  absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(spec));
  ASSERT_TRUE(sup.ok());
  MonitorRef ref = me->monitor(*sup);
  next_strings(me, 2, kWait);
  for (int i = 0; i < 2; ++i) {
    me->send(pid_of(me, *sup, "a"), Crash{});
    EXPECT_EQ(next_strings(me, 2, kWait),
              (std::vector<std::string>{"stop a error: crash", "start a"}));
  }
  me->send(pid_of(me, *sup, "a"), Crash{});  // the third within the period
  EXPECT_EQ(next_strings(me, 2, kWait),
            (std::vector<std::string>{"stop a error: crash", "stop b shutdown"}));
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, reached_max_restart_intensity());
}

TEST(SupervisorTest, ShutdownStopsChildrenInReverseStartOrder) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  SupervisorSpec spec;
  for (const char* id : {"a", "b", "c", "d"}) spec.children.push_back(worker(id, me.pid()));
  absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(spec));
  ASSERT_TRUE(sup.ok());
  MonitorRef ref = me->monitor(*sup);
  next_strings(me, 4, kWait);
  me->exit(*sup, ExitReason::shutdown());
  EXPECT_EQ(next_strings(me, 4, kWait),
            (std::vector<std::string>{"stop d shutdown", "stop c shutdown", "stop b shutdown",
                                      "stop a shutdown"}));
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, ExitReason::shutdown());
}

// A child that traps exits and ignores them: only kill stops it.
ChildSpec stubborn(const std::string& id, absl::Duration shutdown) {
  return ChildSpec{
      .id = id,
      .start = [](Runtime& runtime, const SpawnOptions& options) -> absl::StatusOr<Pid> {
        return runtime.spawn(
            [](EventedActor& self) -> Behavior {
              self.trap_exit(true);
              return {[](const ExitMsg&) {}};
            },
            options);
      },
      .shutdown = shutdown};
}

TEST(SupervisorTest, ChildThatOutlastsItsShutdownTimeoutIsKilled) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  SupervisorSpec spec;
  spec.children.push_back(stubborn("slow", absl::Milliseconds(50)));
  spec.children.push_back(stubborn("brutal", kBrutalKill));
  absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(spec));
  ASSERT_TRUE(sup.ok());
  for (const char* id : {"slow", "brutal"}) {
    MonitorRef ref = me->monitor(pid_of(me, *sup, id));
    const absl::Time start = absl::Now();
    absl::StatusOr<Ack> done = call<Ack>(*me, *sup, TerminateChild{id});
    ASSERT_TRUE(done.ok()) << done.status();
    if (std::string(id) == "slow") {
      EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
    }
    absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(down->ref, ref);
    EXPECT_EQ(down->reason, ExitReason::killed());
  }
}

SupervisorSpec inner_spec(Pid observer) {
  SupervisorSpec spec{.max_restarts = 0};  // any crash takes the inner supervisor down
  spec.children.push_back(worker("x", observer));
  spec.children.push_back(worker("y", observer));
  return spec;
}

TEST(SupervisorTest, NestedSupervisorIsRestartedWithItsChildrenAndShutsDownInOrder) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  SupervisorSpec outer{.max_restarts = 3, .period = absl::Seconds(10)};
  outer.children.push_back(ChildSpec{.id = "inner",
                                     .start =
                                         [me_pid](Runtime& runtime, const SpawnOptions& options) {
                                           return start_supervisor(runtime, inner_spec(me_pid),
                                                                   options);
                                         },
                                     .shutdown = absl::InfiniteDuration(),
                                     .type = ChildType::kSupervisor});
  outer.children.push_back(worker("w", me_pid));
  absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(outer));
  ASSERT_TRUE(sup.ok()) << sup.status();
  EXPECT_EQ(next_strings(me, 3, kWait),
            (std::vector<std::string>{"start x", "start y", "start w"}));
  const Pid inner = pid_of(me, *sup, "inner");
  const Pid w = pid_of(me, *sup, "w");
  absl::StatusOr<std::vector<ChildInfo>> inner_children =
      call<std::vector<ChildInfo>>(*me, inner, WhichChildren{});
  ASSERT_TRUE(inner_children.ok());
  me->send((*inner_children)[0].pid, Crash{});
  EXPECT_EQ(
      next_strings(me, 4, kWait),
      (std::vector<std::string>{"stop x error: crash", "stop y shutdown", "start x", "start y"}));
  EXPECT_NE(pid_of(me, *sup, "inner"), inner);
  EXPECT_EQ(pid_of(me, *sup, "w"), w);
  EXPECT_EQ(children(me, *sup)[0].type, ChildType::kSupervisor);
  me->exit(*sup, ExitReason::shutdown());
  EXPECT_EQ(next_strings(me, 3, kWait),
            (std::vector<std::string>{"stop w shutdown", "stop y shutdown", "stop x shutdown"}));
}

TEST(SupervisorTest, ChildrenAreStartedTerminatedRestartedAndDeletedAtRunTime) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> sup = start_supervisor(runtime, SupervisorSpec{});
  ASSERT_TRUE(sup.ok());
  EXPECT_TRUE(children(me, *sup).empty());

  absl::StatusOr<Pid> a = call<Pid>(*me, *sup, StartChild{worker("a", me.pid())});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(next_strings(me, 1, kWait), (std::vector<std::string>{"start a"}));
  EXPECT_EQ(call<Pid>(*me, *sup, StartChild{worker("a", me.pid())}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(call<Ack>(*me, *sup, DeleteChild{"a"}).status().code(),
            absl::StatusCode::kFailedPrecondition);  // running

  ASSERT_TRUE(call<Ack>(*me, *sup, TerminateChild{"a"}).ok());
  EXPECT_EQ(next_strings(me, 1, kWait), (std::vector<std::string>{"stop a shutdown"}));
  ASSERT_EQ(children(me, *sup).size(), 1u);
  EXPECT_FALSE(children(me, *sup)[0].pid.valid());

  absl::StatusOr<Pid> again = call<Pid>(*me, *sup, RestartChild{"a"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(*again, *a);
  EXPECT_EQ(next_strings(me, 1, kWait), (std::vector<std::string>{"start a"}));
  EXPECT_EQ(call<Pid>(*me, *sup, RestartChild{"a"}).status().code(),
            absl::StatusCode::kFailedPrecondition);  // running

  ASSERT_TRUE(call<Ack>(*me, *sup, TerminateChild{"a"}).ok());
  ASSERT_TRUE(call<Ack>(*me, *sup, DeleteChild{"a"}).ok());
  EXPECT_TRUE(children(me, *sup).empty());
  EXPECT_EQ(call<Ack>(*me, *sup, DeleteChild{"a"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(call<Pid>(*me, *sup, RestartChild{"b"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(call<int>(*me, *sup, Crash{}, absl::Seconds(30)).status().code(),
            absl::StatusCode::kInvalidArgument);  // not a supervisor request: fails at once
}

TEST(SupervisorTest, ChildThatFailsToStartFailsTheSupervisorAfterStoppingTheOthers) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  SupervisorSpec spec;
  spec.children.push_back(worker("a", me.pid()));
  spec.children.push_back(
      ChildSpec{.id = "broken", .start = [](Runtime&, const SpawnOptions&) -> absl::StatusOr<Pid> {
                  return absl::UnavailableError("no database");
                }});
  absl::StatusOr<Pid> sup = start_supervisor(runtime, std::move(spec));
  EXPECT_EQ(sup.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(sup.status().message().find("\"broken\": no database"), std::string::npos);
  EXPECT_EQ(next_strings(me, 2, kWait), (std::vector<std::string>{"start a", "stop a shutdown"}));
  EXPECT_TRUE(runtime.await_all_actors_done(kWait));
}

}  // namespace
}  // namespace bossa
