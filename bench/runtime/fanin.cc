// fanin: kSenders actors each send kMessagesPerSender messages to one receiver; the rate at which
// the receiver gets them all, from the start signal to the last message handled.
#include <memory>
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/runtime/bossa_bench.h"

namespace bossa::bench::bossa_runtime {
namespace {

constexpr int kSenders = 4;
constexpr int kMessagesPerSender = 1'000'000;
constexpr int kTotal = kSenders * kMessagesPerSender;

}  // namespace

void run_fanin(Runtime& runtime) {
  ScopedActor self(runtime);
  const Pid done = self.pid();
  // Counts messages and tells `done` when kTotal have arrived. Unbounded: the senders outrun the
  // sink by millions, and the unbounded mailbox's fast path is what this measures (a bounded one
  // would refuse the evented senders' excess).
  const Pid sink = runtime.spawn(
      [done](EventedActor& sink) -> Behavior {
        auto received = std::make_shared<int>(0);
        return {[&sink, done, received](int) {
          if (++*received == kTotal) sink.send(done, Done{});
        }};
      },
      SpawnOptions{.mailbox = MailboxLimit::unbounded()});
  // On Start, each sender sends kMessagesPerSender messages to the sink as fast as it can.
  std::vector<Pid> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.push_back(runtime.spawn([sink](EventedActor& sender) -> Behavior {
      return {[&sender, sink](Start) {
        for (int i = 0; i < kMessagesPerSender; ++i) sender.send(sink, i);
      }};
    }));
  }
  Stopwatch stopwatch;
  for (Pid sender : senders) runtime.send(sender, Start{});
  await_done(self);
  print_result("fanin", "bossa", "msgs_per_s", kTotal / stopwatch.seconds());
}

}  // namespace bossa::bench::bossa_runtime
