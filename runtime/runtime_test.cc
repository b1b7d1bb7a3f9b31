// Spawning, sending, requests, names, dead letters and shutdown of one runtime.
#include "runtime/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Ping {
  int n;
};
struct Pong {
  int n;
};

Pid spawn_echo(Runtime& runtime, SpawnOptions options = {}) {
  return runtime.spawn(
      [](EventedActor& self) -> Behavior {
        return {[&self](const Ping& p) { self.send(self.sender(), Pong{p.n}); }};
      },
      options);
}

TEST(RuntimeTest, EventedActorAnswersBySender) {
  Runtime runtime({.workers = 2});
  Pid echo = spawn_echo(runtime);
  ScopedActor me(runtime);
  me->send(echo, Ping{41});
  absl::StatusOr<Pong> pong = me->receive_for<Pong>(kWait);
  ASSERT_TRUE(pong.ok()) << pong.status();
  EXPECT_EQ(pong->n, 41);
}

TEST(RuntimeTest, PidsCarryTheNodeAndPrintAsNodeDotSerial) {
  Runtime runtime({.node_id = 7, .workers = 1});
  Pid a = spawn_echo(runtime);
  Pid b = spawn_echo(runtime);
  EXPECT_EQ(a.node, 7u);
  EXPECT_NE(a, b);
  EXPECT_EQ(Pid::parse(a.to_string()), a);
  EXPECT_EQ(a.to_string(), "<7." + std::to_string(a.serial) + ">");
}

TEST(RuntimeTest, SeveralValuesArriveAsOneMessageMatchedBySeveralArguments) {
  Runtime runtime({.workers = 2});
  Pid joiner = runtime.spawn([](EventedActor& self) -> Behavior {
    return {
        [&self](int n, const std::string& s) { self.send(self.sender(), s + std::to_string(n)); }};
  });
  ScopedActor me(runtime);
  me->send(joiner, 7, std::string("x"));
  absl::StatusOr<std::string> joined = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(*joined, "x7");
}

TEST(RuntimeTest, HandlerReturnValueAnswersARequest) {
  Runtime runtime({.workers = 2});
  Pid doubler =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int x) { return 2 * x; }}; });
  ScopedActor me(runtime);
  absl::StatusOr<int> answer = me->request<int>(doubler, kWait, 21);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, 42);
}

TEST(RuntimeTest, EventedRequestDeliversReplyToThen) {
  Runtime runtime({.workers = 2});
  Pid doubler =
      runtime.spawn([](EventedActor&) -> Behavior { return {[](int x) { return 2 * x; }}; });
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  runtime.spawn([doubler, me_pid](EventedActor& self) {
    self.request(doubler, kWait, 5)
        .then([&self, me_pid](int r) { self.send(me_pid, r); }, [](const absl::Status&) {});
    self.become({[](const std::string&) {}});
  });
  absl::StatusOr<int> got = me->receive_for<int>(kWait);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, 10);
}

TEST(RuntimeTest, ThenAnyTakesAReplyOfWhateverTypeItHas) {
  Runtime runtime({.workers = 2});
  Pid namer = runtime.spawn(
      [](EventedActor&) -> Behavior { return {[](int x) { return std::to_string(x); }}; });
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  runtime.spawn([namer, me_pid](EventedActor& self) {
    self.start_request(namer, kWait, make_element<int>(self.pid(), MessageKind::kRequest, 0, 7))
        .then_any(
            [&self, me_pid](MailboxElement& reply) {
              const std::string* text = reply.get_if<std::string>();
              self.send(me_pid, text != nullptr ? *text : std::string("not a string"));
            },
            [](const absl::Status&) {});
    self.become({[](double) {}});
  });
  absl::StatusOr<std::string> got = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "7");
}

TEST(RuntimeTest, RequestWithoutAnswerTimesOut) {
  Runtime runtime({.workers = 2});
  Pid silent = runtime.spawn([](EventedActor&) -> Behavior { return {[](int) {}}; });
  ScopedActor me(runtime);
  absl::StatusOr<int> answer = me->request<int>(silent, absl::Milliseconds(50), 1);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kDeadlineExceeded);

  Pid me_pid = me.pid();
  runtime.spawn([silent, me_pid](EventedActor& self) {
    self.request(silent, absl::Milliseconds(50), 1)
        .then([](int) {}, [&self, me_pid](const absl::Status& s) { self.send(me_pid, s); });
    self.become({[](const std::string&) {}});
  });
  absl::StatusOr<absl::Status> failure = me->receive_for<absl::Status>(kWait);
  ASSERT_TRUE(failure.ok());
  EXPECT_EQ(failure->code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(RuntimeTest, RequestToDeadPidFailsAtOnceAndIsADeadLetter) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const absl::Time start = absl::Now();
  absl::StatusOr<int> answer = me->request<int>(Pid{1, 999999}, absl::Seconds(30), 1);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // answered, not timed out
  EXPECT_EQ(runtime.dead_letter_count(), 1u);
}

TEST(RuntimeTest, DeferredReplyThroughAResponsePromise) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  // Holds the request (and says so) until a "release" message arrives, then answers it.
  Pid holder = runtime.spawn([me_pid](EventedActor& self) -> Behavior {
    auto promise = std::make_shared<ResponsePromise>();
    return {
        [&self, promise, me_pid](int) {
          *promise = self.make_response_promise();
          self.send(me_pid, std::string("held"));
        },
        [promise](const std::string& release) { promise->deliver(release); },
    };
  });
  runtime.spawn_thread([holder, me_pid](ThreadedActor& self) {
    absl::StatusOr<std::string> r = self.request<std::string>(holder, kWait, 1);
    self.send(me_pid, r.ok() ? *r : std::string(r.status().message()));
  });
  absl::StatusOr<std::string> held = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(*held, "held");
  runtime.send(holder, std::string("released"));
  absl::StatusOr<std::string> got = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "released");
}

TEST(RuntimeTest, MailboxDepthsFindTheActorWithTheMostMailWaiting) {
  Runtime runtime;
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  const Pid busy = runtime.spawn_thread([me_pid](ThreadedActor& self) {
    (void)self.receive([](const std::string&) {});  // the numbers wait until "go"
    int sum = 0;
    for (int i = 0; i < 5; ++i) (void)self.receive([&sum](int n) { sum += n; });
    self.send(me_pid, sum);
  });
  for (int i = 0; i < 5; ++i) runtime.send(busy, i);
  Runtime::MailboxDepths depths;
  const absl::Time deadline = absl::Now() + kWait;
  while ((depths = runtime.mailbox_depths()).deepest < 5 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(depths.deepest, 5u);
  EXPECT_EQ(depths.deepest_actor, busy);
  EXPECT_EQ(depths.total, 5u);

  runtime.send(busy, std::string("go"));
  absl::StatusOr<int> sum = me->receive_for<int>(kWait);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 10);
  EXPECT_EQ(runtime.mailbox_depths().total, 0u);
}

TEST(RuntimeTest, MessagesAreMovedNeverCopied) {
  struct CopyCounter {
    explicit CopyCounter(std::atomic<int>* c) : copies(c) {}
    CopyCounter(const CopyCounter& other) : copies(other.copies) { ++*copies; }
    CopyCounter(CopyCounter&&) = default;
    std::atomic<int>* copies;
  };
  std::atomic<int> copies{0};
  Runtime runtime({.workers = 2});
  Pid relay = runtime.spawn([](EventedActor& self) -> Behavior {
    return {[&self](CopyCounter c) { self.send(self.sender(), std::move(c)); },
            [&self](std::unique_ptr<int> p) { self.send(self.sender(), std::move(p)); }};
  });
  ScopedActor me(runtime);
  me->send(relay, CopyCounter(&copies));
  ASSERT_TRUE(me->receive_for<CopyCounter>(kWait).ok());
  EXPECT_EQ(copies.load(), 0);
  me->send(relay, std::make_unique<int>(5));
  absl::StatusOr<std::unique_ptr<int>> back = me->receive_for<std::unique_ptr<int>>(kWait);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(**back, 5);
}

constexpr int kSenders = 4;
constexpr int kPerSender = 20000;

TEST(RuntimeTest, OrderIsKeptPerSender) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid me_pid = me.pid();
  Pid checker = runtime.spawn([me_pid](EventedActor& self) -> Behavior {
    auto next = std::make_shared<std::vector<int>>(kSenders, 0);
    auto errors = std::make_shared<int>(0);
    auto total = std::make_shared<int>(0);
    return {[&self, me_pid, next, errors, total](int sender, int seq) {
      if ((*next)[sender]++ != seq) ++*errors;
      if (++*total == kSenders * kPerSender) self.send(me_pid, std::string("errors"), *errors);
    }};
  });
  for (int s = 0; s < kSenders; ++s) {
    runtime.spawn([checker, s](EventedActor& self) {
      for (int i = 0; i < kPerSender; ++i) self.send(checker, s, i);
    });
  }
  absl::StatusOr<std::tuple<std::string, int>> result =
      me->receive_for<std::tuple<std::string, int>>(absl::Seconds(30));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(std::get<1>(*result), 0);
}

TEST(RuntimeTest, NamesRegisterResolveAndDieWithTheirActor) {
  Runtime runtime({.workers = 2});
  Pid echo = spawn_echo(runtime);
  ASSERT_TRUE(runtime.register_name("echo", echo).ok());
  EXPECT_EQ(runtime.whereis("echo"), echo);
  EXPECT_EQ(runtime.register_name("echo", spawn_echo(runtime)).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(runtime.register_name("other", echo).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(runtime.registered_names(), std::vector<std::string>{"echo"});

  ScopedActor me(runtime);
  ASSERT_TRUE(me->send("echo", Ping{3}).ok());
  ASSERT_TRUE(me->receive_for<Pong>(kWait).ok());

  me->monitor(echo);
  runtime.exit(echo, ExitReason::kill());
  ASSERT_TRUE(me->receive_for<DownMsg>(kWait).ok());
  EXPECT_EQ(runtime.whereis("echo"), std::nullopt);
  EXPECT_EQ(me->send("echo", Ping{4}).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(runtime.register_name("late", echo).code(), absl::StatusCode::kNotFound);
}

TEST(RuntimeTest, DeadLettersAreCountedAndObservable) {
  Runtime runtime({.workers = 2});
  std::mutex mutex;
  std::vector<DeadLetter> seen;
  runtime.set_dead_letter_handler([&](const DeadLetter& d) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(d);
  });
  Pid gone = spawn_echo(runtime);
  ScopedActor me(runtime);
  me->monitor(gone);
  runtime.exit(gone, ExitReason::kill());
  ASSERT_TRUE(me->receive_for<DownMsg>(kWait).ok());
  me->send(gone, Ping{1});
  EXPECT_EQ(runtime.dead_letter_count(), 1u);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].to, gone);
  EXPECT_EQ(seen[0].from, me.pid());
  EXPECT_EQ(*seen[0].type, typeid(Ping));
}

TEST(RuntimeTest, ElementsHeldForARecipientArriveTogetherInOrder) {
  Runtime runtime({.workers = 2});
  ScopedActor first(runtime);
  ScopedActor second(runtime);
  Runtime::Recipient last;
  for (int i = 0; i < 3; ++i) {
    runtime.deliver_local(first.pid(), make_element<Ping>(Pid{}, MessageKind::kUser, 0, Ping{i}),
                          last);
  }
  EXPECT_FALSE(first->receive_for<Ping>(absl::ZeroDuration()).ok()) << "held until released";
  // A message for another actor lets the held ones go first.
  runtime.deliver_local(second.pid(), make_element<Ping>(Pid{}, MessageKind::kUser, 0, Ping{9}),
                        last);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Ping> ping = first->receive_for<Ping>(kWait);
    ASSERT_TRUE(ping.ok()) << ping.status();
    EXPECT_EQ(ping->n, i);
  }
  EXPECT_FALSE(second->receive_for<Ping>(absl::ZeroDuration()).ok());
  runtime.release(last);
  absl::StatusOr<Ping> ping = second->receive_for<Ping>(kWait);
  ASSERT_TRUE(ping.ok()) << ping.status();
  EXPECT_EQ(ping->n, 9);
  // A full run leaves without waiting for release(), and not before it is full.
  auto deliver_ping = [&](size_t i) {
    runtime.deliver_local(
        second.pid(), make_element<Ping>(Pid{}, MessageKind::kUser, 0, Ping{static_cast<int>(i)}),
        last);
  };
  for (size_t i = 0; i + 1 < Runtime::kMaxHeldElements; ++i) deliver_ping(i);
  EXPECT_FALSE(second->receive_for<Ping>(absl::ZeroDuration()).ok()) << "held until full";
  deliver_ping(Runtime::kMaxHeldElements - 1);
  for (size_t i = 0; i < Runtime::kMaxHeldElements; ++i) {
    absl::StatusOr<Ping> got = second->receive_for<Ping>(absl::ZeroDuration());
    ASSERT_TRUE(got.ok()) << i << ": " << got.status();
    EXPECT_EQ(got->n, static_cast<int>(i));
  }
  last.actor.reset();
}

TEST(RuntimeTest, ElementsHeldForAnActorThatStoppedBecomeDeadLetters) {
  Runtime runtime({.workers = 2});
  const Pid gone = spawn_echo(runtime);
  ScopedActor me(runtime);
  Runtime::Recipient last;
  runtime.deliver_local(gone, make_element<Ping>(Pid{}, MessageKind::kUser, 0, Ping{1}), last);
  runtime.deliver_local(gone, make_element<Ping>(Pid{}, MessageKind::kUser, 0, Ping{2}), last);
  me->monitor(gone);
  runtime.exit(gone, ExitReason::kill());
  ASSERT_TRUE(me->receive_for<DownMsg>(kWait).ok());
  EXPECT_EQ(runtime.dead_letter_count(), 0u);
  runtime.release(last);
  EXPECT_EQ(runtime.dead_letter_count(), 2u);
  EXPECT_EQ(last.actor, nullptr) << "a stopped actor is let go";
}

TEST(RuntimeTest, ActorWithEmptyBehaviorStopsNormally) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid quitter = runtime.spawn(
      [](EventedActor& self) -> Behavior { return {[&self](int) { self.become(Behavior()); }}; });
  MonitorRef ref = me->monitor(quitter);
  me->send(quitter, 1);
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->ref, ref);
  EXPECT_TRUE(down->reason.is_normal());
}

TEST(RuntimeTest, AwaitAllActorsDoneAndShutdown) {
  Runtime runtime({.workers = 2});
  for (int i = 0; i < 100; ++i) spawn_echo(runtime);
  runtime.spawn_thread([](ThreadedActor& self) { (void)self.receive([](int) {}); });
  EXPECT_EQ(runtime.actor_count(), 101u);
  EXPECT_FALSE(runtime.await_all_actors_done(absl::Milliseconds(10)));
  runtime.shutdown();
  EXPECT_EQ(runtime.actor_count(), 0u);
  EXPECT_TRUE(runtime.await_all_actors_done(absl::ZeroDuration()));
}

TEST(RuntimeTest, TwoRuntimesLiveSideBySide) {
  Runtime a({.node_id = 1, .workers = 1});
  Runtime b({.node_id = 2, .workers = 1});
  Pid echo_a = spawn_echo(a);
  ScopedActor me_b(b);
  me_b->send(echo_a, Ping{1});  // another node's pid: not reachable without a transport
  EXPECT_EQ(b.dead_letter_count(), 1u);
  ScopedActor me_a(a);
  me_a->send(echo_a, Ping{2});
  EXPECT_TRUE(me_a->receive_for<Pong>(kWait).ok());
}

TEST(RuntimeTest, SendAfterDeliversLaterAndCancelStopsIt) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const absl::Time start = absl::Now();
  runtime.send_after(absl::Milliseconds(30), me.pid(), 1);
  TimerId cancelled = runtime.send_after(absl::Milliseconds(30), me.pid(), 2);
  EXPECT_TRUE(runtime.cancel_timer(cancelled));
  absl::StatusOr<int> got = me->receive_for<int>(kWait);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 1);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  EXPECT_EQ(me->receive_for<int>(absl::Milliseconds(60)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(RuntimeTest, ShutdownRefusesNewActorsAndDoesNotWaitForScopedActors) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);  // alive across the shutdown: signalled, not waited for
  spawn_echo(runtime);
  runtime.shutdown(absl::Seconds(60));
  EXPECT_EQ(runtime.actor_count(), 0u);
  EXPECT_FALSE(spawn_echo(runtime).valid());
  EXPECT_FALSE(runtime.spawn_thread([](ThreadedActor&) {}).valid());
  // The shutdown signal stops `me`: its blocking calls say so instead of waiting.
  EXPECT_EQ(me->receive_for<int>(kWait).status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(me->stopped_by(), ExitReason::shutdown());
}

TEST(RuntimeTest, ASpawnRacingShutdownIsRefusedOrGetsTheShutdownSignal) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);  // hears how each linked actor stopped
  std::atomic<int> admitted{0};
  std::vector<std::thread> spawners;
  for (int i = 0; i < 2; ++i) {
    spawners.emplace_back([&] {
      // Spawns until refused; the last spawns run while shutdown() signals every actor.
      while (spawn_echo(runtime, SpawnOptions{.link_to = me.pid()}).valid()) ++admitted;
    });
  }
  while (admitted.load() < 2000) std::this_thread::yield();
  // An admitted actor that the shutdown signal missed would wait out the grace and be killed.
  runtime.shutdown(absl::Seconds(60));
  for (std::thread& spawner : spawners) spawner.join();
  EXPECT_EQ(runtime.actor_count(), 0u);
  int stopped_by_shutdown = 0;
  for (int linked = 0; linked < admitted.load();) {
    absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
    ASSERT_TRUE(exit.ok()) << exit.status() << " after " << linked;
    if (!exit->from.valid()) continue;  // the shutdown signal to `me`
    ++linked;
    if (exit->reason == ExitReason::shutdown()) ++stopped_by_shutdown;
  }
  EXPECT_EQ(stopped_by_shutdown, admitted.load());
}

TEST(RuntimeTest, ShutdownFromAnActorStartsItWithoutWaitingForItself) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);  // the shutdown signal reaches `me` too
  const Pid me_pid = me.pid();
  Pid stopper = runtime.spawn([&runtime, me_pid](EventedActor& self) -> Behavior {
    return {[&runtime, &self, me_pid](int) {
      runtime.shutdown();
      self.send(me_pid, std::string("returned"));
    }};
  });
  me->send(stopper, 1);
  absl::StatusOr<std::string> returned = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_TRUE(runtime.await_all_actors_done(kWait));
}

TEST(RuntimeTest, TimersDieWithTheirActor) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  Pid target = spawn_echo(runtime);
  runtime.send_after(absl::Milliseconds(20), target, Ping{1});
  me->monitor(target);
  runtime.exit(target, ExitReason::kill());
  ASSERT_TRUE(me->receive_for<DownMsg>(kWait).ok());
  // A timer that fires for a stopped actor is gone with it; a second timer proves time passed.
  runtime.send_after(absl::Milliseconds(40), me.pid(), 7);
  ASSERT_EQ(*me->receive_for<int>(kWait), 7);
  EXPECT_EQ(runtime.dead_letter_count(), 0u);
  // A timer for an actor that is not alive is refused at once.
  EXPECT_EQ(runtime.send_after(absl::Milliseconds(1), target, Ping{2}), 0u);
  EXPECT_EQ(runtime.dead_letter_count(), 1u);
}

}  // namespace
}  // namespace bossa
