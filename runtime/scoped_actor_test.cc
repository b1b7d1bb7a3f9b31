// ScopedActor on a plain thread: an exit signal (the runtime stopping, a kill) makes its blocking
// calls return a status, never throw into the thread; spawned threaded actors are still unwound.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "runtime/runtime.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);
constexpr absl::Duration kLong = absl::Seconds(30);

struct Ask {};

// Takes every Ask and never answers it.
Pid spawn_silent(Runtime& runtime) {
  return runtime.spawn([](EventedActor&) -> Behavior { return {[](const Ask&) {}}; });
}

bool mentions(const absl::Status& status, absl::string_view text) {
  return absl::StrContains(status.message(), text);
}

TEST(ScopedActorTest, ARequestInFlightWhenTheRuntimeStopsReturnsCancelled) {
  Runtime runtime({.workers = 2});
  const Pid silent = spawn_silent(runtime);
  std::atomic<bool> asking{false};
  absl::Status answer;
  absl::Duration waited;
  std::thread plain([&] {
    ScopedActor me(runtime);
    asking = true;
    const absl::Time start = absl::Now();
    answer = me->request<int>(silent, kLong, Ask{}).status();
    waited = absl::Now() - start;
  });
  while (!asking) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(50));  // the request is in flight
  runtime.shutdown(absl::Seconds(1));
  plain.join();
  EXPECT_EQ(answer.code(), absl::StatusCode::kCancelled) << answer;
  EXPECT_TRUE(mentions(answer, "the runtime stopped")) << answer;
  EXPECT_LT(waited, kWait);
}

TEST(ScopedActorTest, AReceiveWithATimeoutReturnsCancelledWhenTheActorIsKilled) {
  Runtime runtime({.workers = 2});
  std::atomic<uint64_t> serial{0};
  absl::Status got;
  absl::Status again;
  std::thread plain([&] {
    ScopedActor me(runtime);
    serial = me.pid().serial;
    got = me->receive_for<int>(kLong).status();
    // Stopped for good: every later blocking call returns at once with the same error.
    again = me->receive([](int) {}, after(kLong, [] {}));
  });
  while (serial == 0) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(50));
  runtime.exit(Pid{runtime.node_id(), serial}, ExitReason::kill());
  plain.join();
  EXPECT_EQ(got.code(), absl::StatusCode::kCancelled) << got;
  EXPECT_TRUE(mentions(got, "killed")) << got;
  EXPECT_EQ(again, got);
}

TEST(ScopedActorTest, AScopedActorMadeAfterTheRuntimeStoppedReturnsCancelledAtOnce) {
  Runtime runtime({.workers = 2});
  const Pid silent = spawn_silent(runtime);
  runtime.shutdown(absl::Seconds(1));
  absl::Status answer;
  std::thread plain([&] {
    ScopedActor me(runtime);
    answer = me->request<int>(silent, kLong, Ask{}).status();
  });
  plain.join();
  EXPECT_EQ(answer.code(), absl::StatusCode::kCancelled) << answer;
  EXPECT_TRUE(mentions(answer, "the runtime stopped")) << answer;
}

TEST(ScopedActorTest, AnExitSignalWithAReasonNamesIt) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  runtime.exit(me.pid(), ExitReason::error("disk full"));
  absl::Status got = me->receive_for<int>(kLong).status();
  EXPECT_EQ(got.code(), absl::StatusCode::kCancelled) << got;
  EXPECT_TRUE(mentions(got, "error: disk full")) << got;
  EXPECT_EQ(me->stopped_by(), ExitReason::error("disk full"));
}

TEST(ScopedActorTest, ASpawnedThreadedActorIsStillUnwoundByAKill) {
  Runtime runtime({.workers = 2});
  std::atomic<bool> went_on{false};
  const Pid threaded = runtime.spawn_thread([&went_on](ThreadedActor& self) {
    (void)self.receive_for<int>(kLong);
    went_on = true;  // never reached: the kill unwinds the body
  });
  ScopedActor me(runtime);
  me->monitor(threaded);
  runtime.exit(threaded, ExitReason::kill());
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->reason, ExitReason::killed());
  EXPECT_FALSE(went_on);
}

}  // namespace
}  // namespace bossa
