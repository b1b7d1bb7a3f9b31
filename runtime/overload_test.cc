// Overload: exit signals that jump a flooded mailbox, and stopping with millions of messages
// queued.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "runtime/runtime.h"
#include "tests/support/actor_probes.h"

namespace bossa {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BOSSA_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BOSSA_SANITIZED 1
#endif
#endif
#ifndef BOSSA_SANITIZED
#define BOSSA_SANITIZED 0
#endif

constexpr absl::Duration kWait = absl::Seconds(10);
// Under a sanitizer everything runs many times slower: a smaller flood, and the time bounds (the
// ones the overload issue names, generous for a machine that runs other work too) are checked in
// plain builds only.
constexpr bool kSanitized = BOSSA_SANITIZED;
constexpr int kFlood = kSanitized ? 200'000 : 5'000'000;
constexpr absl::Duration kKillBound =
    kSanitized ? absl::InfiniteDuration() : absl::Milliseconds(100);
constexpr absl::Duration kShutdownBound = kSanitized ? absl::InfiniteDuration() : absl::Seconds(1);

// Floods need mailboxes without a bound.
const RuntimeOptions kUnbounded{.workers = 2, .mailbox = MailboxLimit::unbounded()};

struct Crash {};

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
  Gate gate;
  Runtime runtime(kUnbounded);
  const Pid flooded = spawn_stuck_evented(runtime, gate);
  EXPECT_LT(time_kill(runtime, flooded, gate), kKillBound);
}

TEST(SignalLaneTest, KillStopsAFloodedThreadedActorAtOnce) {
  Gate gate;
  Runtime runtime(kUnbounded);
  const Pid flooded = spawn_stuck_threaded(runtime, gate);
  EXPECT_LT(time_kill(runtime, flooded, gate), kKillBound);
}

TEST(SignalLaneTest, ALinkedActorsExitSignalStopsAFloodedActorAtOnce) {
  Gate gate;
  Runtime runtime(kUnbounded);
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
  std::printf("stopped by its link in %s\n", absl::FormatDuration(took).c_str());
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->reason, ExitReason::error("boom"));
  EXPECT_LT(took, kKillBound);
}

TEST(SignalLaneTest, ShutdownWithMillionsQueuedReturnsWithinASecond) {
  Gate gate;
  auto runtime = std::make_unique<Runtime>(kUnbounded);
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
  Gate gate;
  Runtime runtime(kUnbounded);
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

// An evented actor that traps exits: it sends `me` each int it takes (waiting at `gate` on 0),
// and -1 for an exit signal with reason error "trapped"; another signal stops it.
Pid spawn_trapper(Runtime& runtime, Gate& gate, Pid me) {
  return runtime.spawn([&gate, me](EventedActor& self) -> Behavior {
    self.trap_exit(true);
    return {[&gate, &self, me](int n) {
              if (n == 0) gate.wait();
              self.send(me, n);
            },
            [&self, me](const ExitMsg& exit) {
              if (exit.reason != ExitReason::error("trapped")) self.exit(exit.reason);
              self.send(me, -1);
            }};
  });
}

TEST(SignalLaneTest, ATrappedSignalComesAfterTheMessagesQueuedBeforeIt) {
  Gate gate;
  Runtime runtime(kUnbounded);
  ScopedActor me(runtime);
  const Pid trapper = spawn_trapper(runtime, gate, me.pid());
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

// ---- bounded mailboxes ----

struct Sent {
  std::vector<absl::StatusCode> codes;
};
struct Room {};

RuntimeOptions bounded(size_t capacity, OverflowPolicy policy) {
  return RuntimeOptions{.workers = 2,
                        .mailbox = MailboxLimit{.capacity = capacity, .policy = policy}};
}

// Waits until `pid`'s mailbox holds at least `depth` messages.
bool await_depth(Runtime& runtime, uint64_t depth) {
  const absl::Time deadline = absl::Now() + kWait;
  while (runtime.mailbox_depths().deepest < depth) {
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A threaded actor that, once `gate` opens, receives `count` ints and sends them to `to` in one
// vector.
Pid spawn_gated_collector(Runtime& runtime, Gate& gate, Pid to, int count) {
  return runtime.spawn_thread([&gate, to, count](ThreadedActor& self) {
    gate.wait();
    std::vector<int> got;
    while (static_cast<int>(got.size()) < count) {
      if (!self.receive([&got](int n) { got.push_back(n); }).ok()) return;
    }
    self.send(to, got);
  });
}

// Opens `gate` and returns what the collector behind it sends (nothing if it sends nothing).
std::vector<int> open_and_collect(Gate& gate, ScopedActor& me) {
  gate.open();
  absl::StatusOr<std::vector<int>> got = me->receive_for<std::vector<int>>(kWait);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? *std::move(got) : std::vector<int>{};
}

TEST(MailboxLimitTest, DepthCountsMessagesNotFetchedYet) {
  Gate gate;
  Runtime runtime(kUnbounded);
  const Pid stuck = spawn_stuck_threaded(runtime, gate);
  gate.await_reached();
  for (int i = 0; i < 10; ++i) runtime.send(stuck, i);
  const Runtime::MailboxDepths depths = runtime.mailbox_depths();
  EXPECT_EQ(depths.total, 10u);
  EXPECT_EQ(depths.deepest_actor, stuck);
  runtime.exit(stuck, ExitReason::kill());
  gate.open();
}

TEST(MailboxLimitTest, FailRefusesWithResourceExhaustedAndADeadLetter) {
  Gate gate;
  Runtime runtime(bounded(3, OverflowPolicy::kFail));
  DeadLetterLog letters(runtime);
  ScopedActor me(runtime);
  const Pid full = spawn_gated_collector(runtime, gate, me.pid(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(runtime.send(full, i).ok());
  const SendResult refused = runtime.send(full, 3);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find(full.to_string()), std::string_view::npos);
  EXPECT_NE(refused.status().message().find("mailbox full"), std::string_view::npos);
  // A request is answered at once, as every dead letter's.
  absl::StatusOr<int> answer = me->request<int>(full, kWait, 4);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(answer.status().message().find("mailbox full"), std::string_view::npos);
  EXPECT_EQ(letters.reasons(), (std::vector<std::string>{"mailbox full", "mailbox full"}));
  EXPECT_EQ(runtime.dead_letter_count(), 2u);
  EXPECT_EQ(open_and_collect(gate, me), (std::vector<int>{0, 1, 2}));
}

TEST(MailboxLimitTest, DropNewestDropsToDeadLettersWithoutTellingTheSender) {
  Gate gate;
  Runtime runtime(bounded(3, OverflowPolicy::kDropNewest));
  DeadLetterLog letters(runtime);
  ScopedActor me(runtime);
  const Pid full = spawn_gated_collector(runtime, gate, me.pid(), 3);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(runtime.send(full, i).ok());
  EXPECT_EQ(letters.reasons(), (std::vector<std::string>{"mailbox full", "mailbox full"}));
  EXPECT_EQ(runtime.dead_letter_count(), 2u);
  EXPECT_EQ(open_and_collect(gate, me), (std::vector<int>{0, 1, 2}));
}

TEST(MailboxLimitTest, BlockMakesAThreadedSenderWaitUntilTheReaderDrains) {
  Gate gate;
  constexpr int kMessages = 30;
  Runtime runtime(bounded(10, OverflowPolicy::kBlock));
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  const Pid full = spawn_gated_collector(runtime, gate, me_pid, kMessages);
  runtime.spawn_thread([full, me_pid](ThreadedActor& self) {
    Sent sent;
    for (int i = 0; i < kMessages; ++i) sent.codes.push_back(self.send(full, i).status().code());
    self.send(me_pid, sent);
  });
  ASSERT_TRUE(await_depth(runtime, 10));
  // The sender waits: nothing more gets in, and it has not finished.
  EXPECT_EQ(me->receive_for<Sent>(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(runtime.mailbox_depths().deepest, 10u);
  gate.open();
  absl::StatusOr<Sent> sent = me->receive_for<Sent>(kWait);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->codes, std::vector<absl::StatusCode>(kMessages, absl::StatusCode::kOk));
  absl::StatusOr<std::vector<int>> got = me->receive_for<std::vector<int>>(kWait);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ((*got)[i], i);
  EXPECT_EQ(runtime.dead_letter_count(), 0u);
}

TEST(MailboxLimitTest, BlockRefusesAnEventedSenderWhichMustNotWait) {
  Gate gate;
  Runtime runtime(bounded(2, OverflowPolicy::kBlock));
  DeadLetterLog letters(runtime);
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  const Pid full = spawn_gated_collector(runtime, gate, me_pid, 2);
  const Pid sender = runtime.spawn([full, me_pid](EventedActor& self) -> Behavior {
    return {[&self, full, me_pid](const std::string&) {
      Sent sent;
      for (int i = 0; i < 3; ++i) sent.codes.push_back(self.send(full, i).status().code());
      self.send(me_pid, sent);
    }};
  });
  runtime.send(sender, std::string("go"));
  absl::StatusOr<Sent> sent = me->receive_for<Sent>(kWait);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->codes,
            (std::vector<absl::StatusCode>{absl::StatusCode::kOk, absl::StatusCode::kOk,
                                           absl::StatusCode::kResourceExhausted}));
  EXPECT_EQ(letters.reasons(), (std::vector<std::string>{"mailbox full"}));
  EXPECT_EQ(open_and_collect(gate, me), (std::vector<int>{0, 1}));
}

TEST(MailboxLimitTest, AnExitSignalStopsAThreadedSenderThatWaitsForRoom) {
  Gate gate;
  Runtime runtime(bounded(1, OverflowPolicy::kBlock));
  DeadLetterLog letters(runtime);
  ScopedActor me(runtime);
  const Pid full = spawn_stuck_threaded(runtime, gate);
  const Pid sender = runtime.spawn_thread([full](ThreadedActor& self) {
    for (int i = 0;; ++i) (void)self.send(full, i);
  });
  me->monitor(sender);
  ASSERT_TRUE(await_depth(runtime, 1));
  runtime.exit(sender, ExitReason::kill());
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->reason, ExitReason::killed());
  // The message it waited with is not lost silently.
  EXPECT_EQ(letters.reasons(), (std::vector<std::string>{"mailbox full"}));
  runtime.exit(full, ExitReason::kill());
  gate.open();
}

TEST(MailboxLimitTest, AKilledScopedActorThatWaitsForRoomGetsCancelled) {
  Gate gate;
  Runtime runtime(bounded(1, OverflowPolicy::kBlock));
  DeadLetterLog letters(runtime);
  ScopedActor me(runtime);
  const Pid full = spawn_stuck_threaded(runtime, gate);
  ASSERT_TRUE(me->send(full, 1).ok());
  runtime.exit(me.pid(), ExitReason::kill());  // seen while it waits
  const SendResult waited = me->send(full, 2);
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kCancelled) << waited.status();
  EXPECT_EQ(letters.reasons(), (std::vector<std::string>{"mailbox full"}));
  runtime.exit(full, ExitReason::kill());
  gate.open();
}

TEST(MailboxLimitTest, SystemMessagesAreNeverRefusedAtCapacity) {
  Gate gate;
  Runtime runtime(bounded(1, OverflowPolicy::kFail));
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  const Pid victim = runtime.spawn([](EventedActor&) -> Behavior { return {[](int) {}}; });
  const Pid full = runtime.spawn_thread([&gate, victim, me_pid](ThreadedActor& self) {
    self.trap_exit(true);
    self.monitor(victim);
    gate.wait();
    int seen = 0;
    while (seen < 3) {
      absl::Status got = self.receive([&](int) { ++seen; }, [&](const DownMsg&) { ++seen; },
                                      [&](const ExitMsg&) { ++seen; });
      if (!got.ok()) return;
    }
    self.send(me_pid, seen);
  });
  gate.await_reached();
  ASSERT_TRUE(runtime.send(full, 1).ok());
  EXPECT_EQ(runtime.send(full, 2).status().code(), absl::StatusCode::kResourceExhausted);
  runtime.exit(victim, ExitReason::kill());          // a DownMsg for `full`
  runtime.exit(full, ExitReason::error("trapped"));  // an exit signal, trapped
  ASSERT_TRUE(await_depth(runtime, 3));
  gate.open();
  absl::StatusOr<int> seen = me->receive_for<int>(kWait);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(*seen, 3);
  EXPECT_EQ(runtime.dead_letter_count(), 1u);
}

TEST(MailboxLimitTest, OfferLeavesTheElementWithTheCallerAndCallWhenRoomSaysWhenToRetry) {
  Gate gate;
  Runtime runtime(bounded(4, OverflowPolicy::kBlock));
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  const Pid full = spawn_gated_collector(runtime, gate, me_pid, 5);
  Runtime::Recipient last;
  for (int i = 0; i < 4; ++i) {
    ElementPtr element = make_element<int>(Pid{}, MessageKind::kUser, 0, i);
    ASSERT_EQ(runtime.offer_local(full, element, last), OfferResult::kQueued);
  }
  ElementPtr parked = make_element<int>(Pid{}, MessageKind::kUser, 0, 4);
  ASSERT_EQ(runtime.offer_local(full, parked, last), OfferResult::kFull);
  ASSERT_NE(parked, nullptr);  // still ours
  ASSERT_EQ(last.actor->mailbox_limit().capacity, 4u);
  EXPECT_EQ(runtime.dead_letter_count(), 0u);
  last.actor->call_when_room([&runtime, me_pid] { runtime.send(me_pid, Room{}); });
  EXPECT_EQ(me->receive_for<Room>(absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  gate.open();
  ASSERT_TRUE(me->receive_for<Room>(kWait).ok());
  EXPECT_EQ(runtime.offer_local(full, parked, last), OfferResult::kQueued);
  runtime.release(last);
  absl::StatusOr<std::vector<int>> got = me->receive_for<std::vector<int>>(kWait);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, (std::vector<int>{0, 1, 2, 3, 4}));
  // With room, the callback runs at once, on this thread.
  bool called = false;
  last.actor->call_when_room([&called] { called = true; });
  EXPECT_TRUE(called);
}

TEST(MailboxLimitTest, AStoppingActorCallsTheCallbacksThatWaitForRoom) {
  Gate gate;
  Runtime runtime(bounded(1, OverflowPolicy::kBlock));
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  const Pid full = spawn_stuck_threaded(runtime, gate);
  Runtime::Recipient last;
  ElementPtr first = make_element<int>(Pid{}, MessageKind::kUser, 0, 0);
  ASSERT_EQ(runtime.offer_local(full, first, last), OfferResult::kQueued);
  ElementPtr parked = make_element<int>(Pid{}, MessageKind::kUser, 0, 1);
  ASSERT_EQ(runtime.offer_local(full, parked, last), OfferResult::kFull);
  last.actor->call_when_room([&runtime, me_pid] { runtime.send(me_pid, Room{}); });
  runtime.exit(full, ExitReason::kill());
  gate.open();
  ASSERT_TRUE(me->receive_for<Room>(kWait).ok());
  EXPECT_EQ(runtime.offer_local(full, parked, last), OfferResult::kStopped);
}

TEST(SignalLaneTest, ATrappedSignalKeepsItsPlaceBeforeItsSendersLaterMessages) {
  Gate gate;
  Runtime runtime(kUnbounded);
  ScopedActor me(runtime);
  const Pid trapper = spawn_trapper(runtime, gate, me.pid());
  runtime.send(trapper, 0);
  gate.await_reached();
  // From one sender (the zero pid), in this order: an exit signal, then two messages.
  runtime.exit(trapper, ExitReason::error("trapped"));
  runtime.send(trapper, 1);
  runtime.send(trapper, 2);
  gate.open();
  std::vector<int> seen;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<int> n = me->receive_for<int>(kWait);
    ASSERT_TRUE(n.ok()) << n.status();
    seen.push_back(*n);
  }
  EXPECT_EQ(seen, (std::vector<int>{0, -1, 1, 2}));
  runtime.exit(trapper, ExitReason::kill());
}

TEST(MailboxLimitTest, AThreadedActorSendingToItsOwnFullMailboxIsRefusedNotStuck) {
  Gate gate;
  Runtime runtime(bounded(2, OverflowPolicy::kBlock));
  DeadLetterLog letters(runtime);
  ScopedActor me(runtime);
  const Pid me_pid = me.pid();
  const Pid self_sender = runtime.spawn_thread([&gate, me_pid](ThreadedActor& self) {
    gate.wait();
    const absl::Status sent = self.send(self.self(), 99).status();
    self.send(me_pid, std::string(sent.ok() ? "sent" : sent.message()));
    for (;;) (void)self.receive([](int) {});
  });
  gate.await_reached();
  runtime.send(self_sender, 1);
  runtime.send(self_sender, 2);  // full
  gate.open();
  absl::StatusOr<std::string> said = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(said.ok()) << "a send to its own full mailbox never returned: " << said.status();
  EXPECT_NE(said->find("mailbox full"), std::string::npos) << *said;
  EXPECT_EQ(letters.reasons(), (std::vector<std::string>{"mailbox full"}));
  runtime.exit(self_sender, ExitReason::kill());
}

}  // namespace
}  // namespace bossa
