// Server (gen_server): calls, casts, infos, deferred replies, timeouts, stopping, coroutines.
#include "runtime/behaviours/server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "runtime/behaviours/call.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Add {
  int n;
};
struct Get {};
struct Tick {};
struct GetLog {};
struct Wait {};
struct Release {
  int value;
};
struct Hang {};
struct StopPlease {};
struct Crash {};
struct Unknown {};

// A counter: Add casts, Get calls.
ServerSpec counter(Server&) {
  auto count = std::make_shared<int>(0);
  return {.calls = {[count](const Get&) { return *count; }},
          .casts = {[count](const Add& add) { *count += add.n; }}};
}

TEST(ServerTest, CallRepliesWithWhatTheHandlerReturnsAfterEarlierCasts) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> server = spawn_server(runtime, counter);
  ASSERT_TRUE(server.ok()) << server.status();
  cast(*me, *server, Add{2});
  cast(runtime, *server, Add{3});
  // From one sender, the call is handled after that sender's cast.
  absl::StatusOr<int> count = call<int>(*me, *server, Get{});
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_GE(*count, 2);
  cast(*me, *server, Add{10});
  EXPECT_GE(*call<int>(*me, *server, Get{}), 12);
}

TEST(ServerTest, CallThatIsNeverAnsweredTimesOut) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  auto held = std::make_shared<std::vector<ResponsePromise>>();
  absl::StatusOr<Pid> server = spawn_server(runtime, [held](Server& self) -> ServerSpec {
    return {.calls = {[&self, held](const Hang&) { held->push_back(self.defer()); }}};
  });
  ASSERT_TRUE(server.ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<int> answer = call<int>(*me, *server, Hang{}, absl::Milliseconds(50));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_LT(absl::Now() - start, kWait);
  EXPECT_EQ(kDefaultCallTimeout, absl::Seconds(5));  // as gen_server:call
}

TEST(ServerTest, CallFromAPlainThreadReturnsCancelledWhenTheRuntimeStops) {
  Runtime runtime({.workers = 2});
  auto held = std::make_shared<std::vector<ResponsePromise>>();
  absl::StatusOr<Pid> server = spawn_server(runtime, [held](Server& self) -> ServerSpec {
    return {.calls = {[&self, held](const Hang&) { held->push_back(self.defer()); }}};
  });
  ASSERT_TRUE(server.ok());
  std::atomic<bool> calling{false};
  absl::Status answer;
  std::thread plain([&] {
    ScopedActor me(runtime);
    calling = true;
    answer = call<int>(*me, *server, Hang{}, absl::Seconds(30)).status();
  });
  while (!calling) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(50));  // the call is in flight
  runtime.shutdown(absl::Seconds(1));
  plain.join();
  EXPECT_EQ(answer.code(), absl::StatusCode::kCancelled) << answer;
  EXPECT_NE(answer.message().find("the runtime stopped"), std::string::npos) << answer;
}

TEST(ServerTest, DeferredReplyIsGivenLaterFromAnotherHandler) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> server = spawn_server(runtime, [me_pid](Server& self) -> ServerSpec {
    auto waiting = std::make_shared<ResponsePromise>();
    return {.calls = {[&self, waiting, me_pid](const Wait&) {
              *waiting = self.defer();
              self.actor().send(me_pid, std::string("deferred"));
            }},
            .casts = {[waiting](const Release& r) { waiting->deliver(r.value); }}};
  });
  ASSERT_TRUE(server.ok());
  // A coroutine actor makes the call and reports its outcome.
  runtime.spawn_coroutine([me_pid, server = *server](CoroutineActor& self) -> ActorTask {
    absl::StatusOr<int> got = co_await call<int>(self, server, Wait{});
    self.send(me_pid, got.ok() ? *got : -1);
  });
  ASSERT_EQ(*me->receive_for<std::string>(kWait), "deferred");
  cast(*me, *server, Release{42});
  absl::StatusOr<int> answer = me->receive_for<int>(kWait);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(*answer, 42);
}

TEST(ServerTest, CastsAndInfosGoToTheirOwnHandlers) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  // Records casts; tells `me` of every info and of every message it has no handler for.
  absl::StatusOr<Pid> server = spawn_server(runtime, [me_pid](Server& self) -> ServerSpec {
    self.actor().monitor(Pid{self.pid().node, 999999});  // nobody: a DownMsg comes at once
    auto casts = std::make_shared<std::vector<std::string>>();
    auto note = [&self, me_pid](std::string what) { self.actor().send(me_pid, std::move(what)); };
    return {
        .calls = {[casts](const GetLog&) { return *casts; }},
        .casts = {[casts](const Add& a) { casts->push_back("cast " + std::to_string(a.n)); }},
        .infos = {[note](const Tick&) { note("info tick"); },
                  [note](const DownMsg& d) { note("info down " + d.reason.to_string()); }},
        .unexpected = [note](Pid, const std::type_info&) { note("unexpected"); },
    };
  });
  ASSERT_TRUE(server.ok());
  cast(*me, *server, Add{1});
  me->send(*server, Tick{});
  runtime.send_after(absl::Milliseconds(1), *server, Tick{});  // a timer is an info too
  me->send(*server, 42);                                       // nobody handles ints
  std::vector<std::string> notes;
  for (int i = 0; i < 4; ++i) notes.push_back(me->receive_for<std::string>(kWait).value_or(""));
  std::sort(notes.begin(), notes.end());
  EXPECT_EQ(notes,
            (std::vector<std::string>{"info down noproc", "info tick", "info tick", "unexpected"}));
  EXPECT_EQ(*call<std::vector<std::string>>(*me, *server, GetLog{}),
            (std::vector<std::string>{"cast 1"}));
}

TEST(ServerTest, StopRepliesThenRunsTerminateWithTheReason) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> server = spawn_server(runtime, [me_pid](Server& self) -> ServerSpec {
    return {
        .calls = {[&self](const StopPlease&) {
          self.stop(ExitReason::shutdown());
          return std::string("bye");
        }},
        .terminate = [&self, me_pid](const ExitReason& why) { self.actor().send(me_pid, why); }};
  });
  ASSERT_TRUE(server.ok());
  MonitorRef ref = me->monitor(*server);
  absl::StatusOr<std::string> bye = call<std::string>(*me, *server, StopPlease{});
  ASSERT_TRUE(bye.ok()) << bye.status();
  EXPECT_EQ(*bye, "bye");
  EXPECT_EQ(*me->receive_for<ExitReason>(kWait), ExitReason::shutdown());
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason, ExitReason::shutdown());
}

TEST(ServerTest, CrashFailsTheCallAtOnceAndRunsTerminateWithTheError) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> server = spawn_server(runtime, [me_pid](Server& self) -> ServerSpec {
    return {
        .calls = {[](const Crash&) -> int { throw std::runtime_error("boom"); }},
        .terminate = [&self, me_pid](const ExitReason& why) { self.actor().send(me_pid, why); }};
  });
  ASSERT_TRUE(server.ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<int> answer = call<int>(*me, *server, Crash{}, absl::Seconds(30));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kAborted);
  EXPECT_LT(absl::Now() - start, kWait);
  EXPECT_EQ(*me->receive_for<ExitReason>(kWait), ExitReason::error("boom"));
}

TEST(ServerTest, CallWithoutAHandlerOrAnAnswerFailsAtOnce) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> server = spawn_server(runtime, [](Server&) -> ServerSpec {
    return {.calls = {[](const Hang&) {}}};  // neither replies nor defers
  });
  ASSERT_TRUE(server.ok());
  absl::StatusOr<int> unknown = call<int>(*me, *server, Unknown{}, absl::Seconds(30));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<int> unanswered = call<int>(*me, *server, Hang{}, absl::Seconds(30));
  EXPECT_EQ(unanswered.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(unknown.status().message().find("no call handler"), std::string::npos);
  // A call to a server that does not exist fails at once too.
  const absl::Time start = absl::Now();
  EXPECT_FALSE(call<int>(*me, Pid{runtime.node_id(), 999999}, Get{}, absl::Seconds(30)).ok());
  EXPECT_LT(absl::Now() - start, kWait);
}

TEST(ServerTest, TrappingServerStopsOnItsParentsExitSignalAfterTerminate) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> server = spawn_server(
      runtime,
      [me_pid](Server& self) -> ServerSpec {
        return {
            .terminate = [&self, me_pid](const ExitReason& why) { self.actor().send(me_pid, why); },
            .trap_exit = true};
      },
      SpawnOptions{.link_to = me.pid()});
  ASSERT_TRUE(server.ok());
  me->exit(*server, ExitReason::shutdown());
  EXPECT_EQ(*me->receive_for<ExitReason>(kWait), ExitReason::shutdown());
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->from, *server);
  EXPECT_EQ(exit->reason, ExitReason::shutdown());
}

TEST(ServerTest, EventedCoroutineAndThreadedActorsCanAllCall) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> server = spawn_server(runtime, counter);
  ASSERT_TRUE(server.ok());
  cast(*me, *server, Add{7});
  ASSERT_EQ(*call<int>(*me, *server, Get{}), 7);  // from a threaded actor (ScopedActor)
  runtime.spawn([me_pid, server = *server](EventedActor& self) -> Behavior {
    call(self, server, Get{})
        .then(
            [&self, me_pid](int n) {
              self.send(me_pid, n + 100);
              self.become(Behavior());  // done: stop
            },
            [&self](const absl::Status& status) {
              self.exit(ExitReason::error(status.ToString()));
            });
    return {[](const Unknown&) {}};  // stays alive until the reply comes
  });
  runtime.spawn_coroutine([me_pid, server = *server](CoroutineActor& self) -> ActorTask {
    absl::StatusOr<int> n = co_await call<int>(self, server, Get{});
    self.send(me_pid, n.ok() ? *n + 200 : -1);
  });
  runtime.spawn_thread([me_pid, server = *server](ThreadedActor& self) {
    absl::StatusOr<int> n = call<int>(self, server, Get{});
    self.send(me_pid, n.ok() ? *n + 300 : -1);
  });
  std::vector<int> got;
  for (int i = 0; i < 3; ++i) got.push_back(*me->receive_for<int>(kWait));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{107, 207, 307}));
}

struct Lookup {
  std::string key;
};

TEST(ServerTest, CoroutineServerAwaitsItsOwnCallsBetweenMessages) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> backend = spawn_server(runtime, [](Server&) -> ServerSpec {
    return {.calls = {[](const Lookup& l) { return static_cast<int>(l.key.size()); }}};
  });
  ASSERT_TRUE(backend.ok());
  // A caching front: a miss defers the reply, asks the backend, then answers.
  Pid front = runtime.spawn_coroutine([backend = *backend](CoroutineActor& self) -> ActorTask {
    Server server(self, Pid{});
    absl::flat_hash_map<std::string, int> cache;
    std::optional<std::pair<std::string, ResponsePromise>> miss;
    ServerSpec spec{.calls = {[&](const Lookup& l) {
                      if (auto it = cache.find(l.key); it != cache.end())
                        return server.reply(it->second);
                      miss.emplace(l.key, server.defer());
                    }}};
    for (;;) {
      (void)co_await self.receive(server.behavior(spec));
      if (!miss) continue;
      Lookup query{miss->first};  // named, not a temporary: see call.h
      absl::StatusOr<int> value = co_await call<int>(self, backend, std::move(query));
      if (value.ok()) {
        cache[miss->first] = *value;
        miss->second.deliver(*value);
      } else {
        miss->second.fail(value.status());
      }
      miss.reset();
    }
  });
  EXPECT_EQ(*call<int>(*me, front, Lookup{"four"}), 4);
  EXPECT_EQ(*call<int>(*me, front, Lookup{"four"}), 4);  // from the cache
  EXPECT_EQ(*call<int>(*me, front, Lookup{"sixsix"}), 6);
}

TEST(ServerTest, IdleTimeoutRunsTheAfterClause) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  absl::StatusOr<Pid> server = spawn_server(runtime, [me_pid](Server& self) -> ServerSpec {
    return {.infos = {after(absl::Milliseconds(20), [&self, me_pid] {
              self.actor().send(me_pid, std::string("idle"));
              self.stop(ExitReason::normal());
            })}};
  });
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(*me->receive_for<std::string>(kWait), "idle");
}

TEST(ServerTest, InitThatThrowsOrStopsIsReported) {
  Runtime runtime({.workers = 2});
  absl::StatusOr<Pid> thrown =
      spawn_server(runtime, [](Server&) -> ServerSpec { throw std::runtime_error("no config"); });
  EXPECT_EQ(thrown.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(thrown.status().message().find("no config"), std::string::npos);
  absl::StatusOr<Pid> stopped = spawn_server(runtime, [](Server& self) {
    self.stop(ExitReason::error("ignore me"));
    return ServerSpec{};
  });
  EXPECT_EQ(stopped.status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(runtime.await_all_actors_done(kWait));
}

}  // namespace
}  // namespace bossa
