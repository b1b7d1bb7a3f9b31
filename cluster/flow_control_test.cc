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

}  // namespace
}  // namespace bossa
