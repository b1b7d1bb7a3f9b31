// Sends gathered in a handler (Actor::HandlerSends): every message arrives, in its sender's order,
// before whatever the handler sends elsewhere afterwards and before the exit signal of a handler
// that throws; a bounded mailbox takes no more than its capacity from one sender.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(5);

struct Start {};
struct Release {};
struct Sent {
  int accepted;
};

// What `me` receives, in arrival order, until `count` messages came (or kWait passed): ints as
// their value, strings as themselves, an exit signal as "exit".
std::vector<std::string> receive_in_order(ScopedActor& me, size_t count) {
  std::vector<std::string> got;
  while (got.size() < count) {
    absl::Status status =
        me->receive([&](int n) { got.push_back(std::to_string(n)); },
                    [&](const std::string& s) { got.push_back(s); },
                    [&](const ExitMsg&) { got.push_back("exit"); }, after(kWait, [] {}));
    if (!status.ok()) break;
  }
  return got;
}

std::vector<std::string> numbers(int from, int to) {
  std::vector<std::string> out;
  for (int n = from; n < to; ++n) out.push_back(std::to_string(n));
  return out;
}

TEST(GatheredSends, ManySendsFromOneHandlerAllArriveInOrderAndBeforeWhatItSendsElsewhereLater) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid receiver = me.pid();
  // Tells `receiver` what it is told: a message that overtook the sender's earlier ones to
  // `receiver` would arrive before them.
  const Pid relay = runtime.spawn([receiver](EventedActor& self) -> Behavior {
    return {[&self, receiver](const std::string& s) { self.send(receiver, s); }};
  });
  // 1,000 is not a whole number of runs: the last ones go as the handler returns.
  runtime.spawn([receiver, relay](EventedActor& self) -> Behavior {
    self.send(self.pid(), Start{});
    return {[&self, receiver, relay](Start) {
      for (int n = 0; n < 1000; ++n) {
        self.send(receiver, n);
        if (n == 499) self.send(relay, std::string("after 499"));
      }
    }};
  });
  std::vector<std::string> expected = numbers(0, 500);
  expected.push_back("after 499");
  for (const std::string& n : numbers(500, 1000)) expected.push_back(n);
  std::vector<std::string> got = receive_in_order(me, expected.size());
  // The relayed message may arrive anywhere after 499; the numbers must all be there, in order.
  ASSERT_EQ(got.size(), expected.size());
  const auto relayed = std::find(got.begin(), got.end(), "after 499");
  ASSERT_NE(relayed, got.end());
  EXPECT_GE(relayed - got.begin(), 500) << "the relayed message overtook the sender's own";
  got.erase(relayed);
  EXPECT_EQ(got, numbers(0, 1000));
}

TEST(GatheredSends, AHandlerThatThrowsHasItsSendsArriveBeforeItsExitSignal) {
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  me->trap_exit(true);  // the exit signal then keeps its place among the sender's messages
  const Pid receiver = me.pid();
  const Pid crasher = runtime.spawn([receiver](EventedActor& self) -> Behavior {
    self.link(receiver);
    return {[&self, receiver](Start) {
      for (int n = 0; n < 100; ++n) self.send(receiver, n);
      throw std::runtime_error("after 100 sends");
    }};
  });
  me->send(crasher, Start{});
  std::vector<std::string> expected = numbers(0, 100);
  expected.push_back("exit");
  EXPECT_EQ(receive_in_order(me, expected.size()), expected);
}

TEST(GatheredSends, ABoundedMailboxTakesExactlyItsCapacityFromOneSendingHandler) {
  constexpr int kCapacity = 300;
  constexpr int kSent = 1000;
  Runtime runtime({.workers = 2});
  ScopedActor me(runtime);
  const Pid reporter = me.pid();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // Reads nothing until released, so that its mailbox's depth is what was sent to it.
  const Pid sink = runtime.spawn_thread(
      [reporter, released](ThreadedActor& self) {
        released.wait();
        int received = 0;
        for (bool reported = false; !reported;) {
          (void)self.receive([&](int) { ++received; },
                             [&](Release) {
                               self.send(reporter, Sent{received});
                               reported = true;
                             });
        }
      },
      SpawnOptions{.mailbox =
                       MailboxLimit{.capacity = kCapacity, .policy = OverflowPolicy::kFail}});
  const Pid sender = runtime.spawn([sink, reporter](EventedActor& self) -> Behavior {
    return {[&self, sink, reporter](Start) {
      int accepted = 0;
      for (int n = 0; n < kSent; ++n) accepted += self.send(sink, n).ok() ? 1 : 0;
      self.send(reporter, Sent{accepted});
    }};
  });
  me->send(sender, Start{});
  absl::StatusOr<Sent> sent = me->receive_for<Sent>(kWait);
  release.set_value();
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->accepted, kCapacity);
  // Behind every number it took; refused (kFail) until the sink has made room.
  const absl::Time deadline = absl::Now() + kWait;
  while (!me->send(sink, Release{}).ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  absl::StatusOr<Sent> received = me->receive_for<Sent>(kWait);
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->accepted, kCapacity);
}

}  // namespace
}  // namespace bossa
