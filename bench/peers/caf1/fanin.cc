// fanin: kSenders actors each send kMessagesPerSender messages to one receiver; the rate at which
// the receiver gets them all, from the start signal to the last message handled.
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_bench.h"

namespace bossa::bench::caf1_peer {
namespace {

constexpr int kSenders = 4;
constexpr int kMessagesPerSender = 1'000'000;
constexpr int kTotal = kSenders * kMessagesPerSender;

struct ReceiverState {
  int received = 0;
};

// Counts messages and tells `done` when kTotal have arrived.
caf::behavior receiver(caf::stateful_actor<ReceiverState>* self, caf::actor done) {
  return {[=](int) {
    if (++self->state().received == kTotal) self->mail(done_atom_v).send(done);
  }};
}

// On a start message, sends kMessagesPerSender messages to `target` as fast as it can.
caf::behavior sender(caf::event_based_actor* self, caf::actor target) {
  return {[=](start_atom) {
    for (int i = 0; i < kMessagesPerSender; ++i) self->mail(i).send(target);
  }};
}

}  // namespace

void run_fanin(caf::actor_system& system) {
  caf::scoped_actor self{system};
  caf::actor sink = system.spawn(receiver, caf::actor{self});
  std::vector<caf::actor> senders;
  for (int i = 0; i < kSenders; ++i) senders.push_back(system.spawn(sender, sink));
  Stopwatch stopwatch;
  for (const caf::actor& s : senders) caf::anon_mail(start_atom_v).send(s);
  await_done(self);
  double seconds = stopwatch.seconds();
  print_result("fanin", "caf1", "msgs_per_s", kTotal / seconds);
  for (const caf::actor& s : senders) caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

}  // namespace bossa::bench::caf1_peer
