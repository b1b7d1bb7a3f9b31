// FlowControl on its own: a node's receiving side (parking, pauses, resumes) and a peer's sending
// side, wired by hand, with the races that a transport thread and an actor's reader can run.
#include "cluster/flow_control.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "tests/support/actor_probes.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

RuntimeOptions bounded(size_t capacity) {
  return RuntimeOptions{
      .workers = 2,
      .mailbox = MailboxLimit{.capacity = capacity, .policy = OverflowPolicy::kBlock}};
}

ElementPtr message(int n) {
  return make_element<int>(Pid{}, MessageKind::kUser, 0, n);
}

// An evented actor stuck in its first handler (int 0) until `gate` opens.
Pid spawn_stuck(Runtime& runtime, Gate& gate) {
  return runtime.spawn([&gate](EventedActor&) -> Behavior {
    return {[&gate](int n) {
      if (n == 0) gate.wait();
    }};
  });
}

struct Signal {
  uint32_t node;
  EnvelopeKind kind;
};

TEST(FlowControlTest, ParksAMessageThatLocalSendersLeftNoRoomForAndPausesItsNode) {
  Gate gate;
  Runtime runtime(bounded(4));
  DeadLetterLog letters(runtime);
  const Pid full = runtime.spawn_thread([&gate](ThreadedActor& self) {
    gate.wait();
    for (;;) (void)self.receive([](int) {});
  });
  gate.await_reached();
  std::vector<Signal> signals;
  FlowControl flow(runtime, [&](uint32_t node, EnvelopeKind kind, Pid, OverflowPolicy) {
    signals.push_back({node, kind});
  });
  Runtime::Recipient last;  // the transport thread's
  flow.deliver(2, full, message(100), last);
  runtime.release(last);                                                 // a batch ends
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(runtime.send(full, i).ok());  // local senders fill it
  flow.deliver(2, full, message(101), last);
  runtime.release(last);
  EXPECT_EQ(letters.reasons(), std::vector<std::string>{}) << "a block message was dropped";
  ASSERT_EQ(signals.size(), 1u) << "node 2 was not paused";
  EXPECT_EQ(signals[0].kind, EnvelopeKind::kPause);
  runtime.exit(full, ExitReason::kill());
  gate.open();
  runtime.shutdown();  // its room callback calls into `flow`, which goes first
}

TEST(FlowControlTest, AResumeNeverOvertakesThePauseItAnswers) {
  Gate gate;
  Runtime runtime(bounded(2));
  const Pid slow = spawn_stuck(runtime, gate);
  runtime.send(slow, 0);
  gate.await_reached();
  runtime.send(slow, 1);  // full
  // Node 3's sending side, fed with what this node sends it.
  Runtime node3_runtime(RuntimeOptions{.node_id = 3, .workers = 1});
  FlowControl node3(node3_runtime, [](uint32_t, EnvelopeKind, Pid, OverflowPolicy) {});
  Mutex mutex;
  std::vector<EnvelopeKind> to_node3;
  std::atomic<bool> resumed{false};
  FlowControl flow(runtime, [&](uint32_t node, EnvelopeKind kind, Pid actor, OverflowPolicy p) {
    if (node != 3) return;
    if (kind == EnvelopeKind::kPause) {
      // The actor drains while this pause is on its way: its room callback must not send the
      // resume ahead of it.
      gate.open();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      node3.paused(actor, p);
    } else {
      node3.resumed(actor);
      resumed = true;
    }
    MutexLock lock(mutex);
    to_node3.push_back(kind);
  });
  Runtime::Recipient last;
  flow.deliver(2, slow, message(10), last);  // parked, node 2 paused
  flow.deliver(3, slow, message(11), last);  // parked behind, node 3 paused
  for (const absl::Time deadline = absl::Now() + kWait; !resumed && absl::Now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    MutexLock lock(mutex);
    EXPECT_EQ(to_node3, (std::vector<EnvelopeKind>{EnvelopeKind::kPause, EnvelopeKind::kResume}));
  }
  auto admitted = std::async(std::launch::async, [&] { return node3.admit(slow); });
  EXPECT_EQ(admitted.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "a sender on node 3 stays paused";
  node3.stop();
  EXPECT_EQ(admitted.get(), FlowControl::Admission::kSend);
  runtime.shutdown();  // before `flow` goes
}

TEST(FlowControlTest, AKillActsAheadOfTheParkedMessages) {
  Gate gate;
  Runtime runtime(bounded(2));
  ScopedActor me(runtime);
  auto handled = std::make_shared<std::atomic<int>>(0);
  // A threaded actor that takes no mail until the gate opens.
  const Pid busy = runtime.spawn_thread([&gate, handled](ThreadedActor& self) {
    gate.wait();
    for (;;) (void)self.receive([handled](int) { ++*handled; });
  });
  me->monitor(busy);
  gate.await_reached();
  runtime.send(busy, 1);
  runtime.send(busy, 2);  // full
  FlowControl flow(runtime, [](uint32_t, EnvelopeKind, Pid, OverflowPolicy) {});
  Runtime::Recipient last;
  flow.deliver(2, busy, message(10), last);  // parked
  const Pid killer{2, 7};
  flow.deliver_signal(busy, make_element<ExitMsg>(killer, MessageKind::kExit, 0,
                                                  ExitMsg{killer, ExitReason::kill()}));
  gate.open();
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->reason, ExitReason::killed());
  // Parked behind message 10, the kill would have come after 1 and 2 were handled.
  EXPECT_EQ(handled->load(), 0);
  runtime.shutdown();  // before `flow` goes
}

}  // namespace
}  // namespace bossa
