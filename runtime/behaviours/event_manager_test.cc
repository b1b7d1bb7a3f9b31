// Event manager (gen_event): handlers, notify, sync_notify, crashing handlers.
#include "runtime/behaviours/event_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "runtime/behaviours/test_strings.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Sold {
  std::string item;
};
struct Boom {};

// A handler that tells `observer` "<name>: <item>" for every Sold.
EventHandler reporter(Runtime& runtime, Pid observer, const std::string& name) {
  return EventHandler{[&runtime, observer, name](const Sold& sold) {
                        runtime.send(observer, name + ": " + sold.item);
                      },
                      [&runtime, observer, name](const HandlerCrashed& crash) {
                        runtime.send(observer, name + " saw " + crash.id + " crash");
                      }};
}

TEST(EventManagerTest, NotifiedEventsReachEveryHandlerInTheOrderAdded) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> manager = spawn_event_manager(runtime);
  ASSERT_TRUE(manager.ok());
  ASSERT_TRUE(call<Ack>(*me, *manager, AddHandler{"one", reporter(runtime, me.pid(), "one")}).ok());
  ASSERT_TRUE(call<Ack>(*me, *manager, AddHandler{"two", reporter(runtime, me.pid(), "two")}).ok());
  notify(*me, *manager, Sold{"tea"});
  notify(runtime, *manager, Sold{"cake"});
  std::vector<std::string> got = next_strings(me, 4, kWait);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "one: tea");
  EXPECT_EQ(got[1], "two: tea");
  EXPECT_EQ(std::count(got.begin(), got.end(), "one: cake"), 1);
  EXPECT_EQ(call<std::vector<std::string>>(*me, *manager, WhichHandlers{})
                .value_or(std::vector<std::string>{}),
            (std::vector<std::string>{"one", "two"}));
}

TEST(EventManagerTest, SyncNotifyReturnsOnceEveryHandlerHasRun) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> manager = spawn_event_manager(runtime);
  ASSERT_TRUE(manager.ok());
  auto handled = std::make_shared<std::atomic<int>>(0);
  for (const char* id : {"slow", "fast"}) {
    ASSERT_TRUE(call<Ack>(*me, *manager, AddHandler{id, EventHandler{[handled, id](const Sold&) {
                                                      if (std::string(id) == "slow") {
                                                        absl::SleepFor(
                                                            absl::Milliseconds(20));  // real work
                                                      }
                                                      ++*handled;
                                                    }}})
                    .ok());
  }
  absl::StatusOr<Ack> done = sync_notify(*me, *manager, Sold{"tea"});
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(handled->load(), 2);
  // The same from a coroutine actor.
  const Pid me_pid = me.pid();
  runtime.spawn_coroutine([manager = *manager, me_pid, handled](CoroutineActor& self) -> ActorTask {
    Sold sold{"cake"};  // named: see call.h on temporaries in co_await
    absl::StatusOr<Ack> ok = co_await sync_notify(self, manager, std::move(sold));
    self.send(me_pid, ok.ok() ? handled->load() : -1);
  });
  EXPECT_EQ(*me->receive_for<int>(kWait), 4);
  // And from an evented actor.
  runtime.spawn([manager = *manager, me_pid, handled](EventedActor& self) -> Behavior {
    sync_notify(self, manager, Sold{"pie"})
        .then(
            [&self, me_pid, handled](Ack) {
              self.send(me_pid, handled->load());
              self.become(Behavior());
            },
            [&self](const absl::Status& s) { self.exit(ExitReason::error(s.ToString())); });
    return {[](const Boom&) {}};  // alive until the answer
  });
  EXPECT_EQ(*me->receive_for<int>(kWait), 6);
}

TEST(EventManagerTest, CrashingHandlerIsRemovedAndReportedAndTheManagerLivesOn) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> manager = spawn_event_manager(runtime);
  ASSERT_TRUE(manager.ok());
  auto terminated = std::make_shared<std::string>();
  EventHandler fragile{[](const Boom&) { throw std::runtime_error("handler bug"); }};
  fragile.on_terminate([terminated](const ExitReason& why) { *terminated = why.to_string(); });
  ASSERT_TRUE(
      call<Ack>(*me, *manager, AddHandler{"fragile", std::move(fragile), /*report_to=*/me.pid()})
          .ok());
  ASSERT_TRUE(call<Ack>(*me, *manager, AddHandler{"log", reporter(runtime, me.pid(), "log")}).ok());

  ASSERT_TRUE(sync_notify(*me, *manager, Boom{}).ok());  // the manager still answers
  absl::StatusOr<HandlerCrashed> crash = me->receive_for<HandlerCrashed>(kWait);
  ASSERT_TRUE(crash.ok());
  EXPECT_EQ(crash->manager, *manager);
  EXPECT_EQ(crash->id, "fragile");
  EXPECT_EQ(crash->reason, ExitReason::error("handler bug"));
  EXPECT_EQ(next_strings(me, 1, kWait), (std::vector<std::string>{"log saw fragile crash"}));
  EXPECT_EQ(*terminated, "error: handler bug");

  EXPECT_EQ(call<std::vector<std::string>>(*me, *manager, WhichHandlers{})
                .value_or(std::vector<std::string>{}),
            (std::vector<std::string>{"log"}));
  notify(*me, *manager, Sold{"tea"});
  EXPECT_EQ(next_strings(me, 1, kWait), (std::vector<std::string>{"log: tea"}));
}

TEST(EventManagerTest, HandlersAreAddedOnceAndDeletedWithTheirTerminate) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  absl::StatusOr<Pid> manager = spawn_event_manager(runtime);
  ASSERT_TRUE(manager.ok());
  auto terminated = std::make_shared<std::string>();
  ASSERT_TRUE(call<Ack>(*me, *manager,
                        AddHandler{"h", EventHandler{[](const Sold&) {}}.on_terminate(
                                            [terminated](const ExitReason& why) {
                                              *terminated = why.to_string();
                                            })})
                  .ok());
  EXPECT_EQ(
      call<Ack>(*me, *manager, AddHandler{"h", EventHandler{[](const Sold&) {}}}).status().code(),
      absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(call<Ack>(*me, *manager, DeleteHandler{"h"}).ok());
  EXPECT_EQ(*terminated, "normal");
  EXPECT_EQ(call<Ack>(*me, *manager, DeleteHandler{"h"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(call<std::vector<std::string>>(*me, *manager, WhichHandlers{})->empty());
}

}  // namespace
}  // namespace bossa
