// remote_thr over CAF: an actor in the peer process sends the sequence 0 .. N-1, as fast as CAF
// takes it (CAF buffers), to a counting actor here; the rate from the first to the last message
// the counter handles.
#include <cstdint>
#include <string>
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/caf1/caf1_remote.h"

namespace bossa::bench::caf1_peer {
namespace {

struct CounterState {
  std::uint64_t next = 0;
  Stopwatch since_first;
};

// Handles `count` numbers, which must arrive in order from 0, and tells `done` the seconds from
// the first to the last (or what arrived out of order).
caf::behavior counter(caf::stateful_actor<CounterState>* self, caf::actor done,
                      std::uint64_t count) {
  return {[=](std::uint64_t seq) {
    CounterState& state = self->state();
    if (seq != state.next) {
      self->mail(failed_atom_v, "message " + std::to_string(seq) + " arrived where " +
                                    std::to_string(state.next) + " was due")
          .send(done);
      self->quit();
      return;
    }
    if (seq == 0) state.since_first.restart();
    if (++state.next == count) self->mail(done_atom_v, state.since_first.seconds()).send(done);
  }};
}

}  // namespace

void run_remote_thr() {
  const std::uint64_t messages = remote_messages();
  RemoteConfig config;
  caf::actor_system system{config};
  caf::scoped_actor self{system};
  ExitOnScopeExit receiver{system.spawn(counter, caf::actor{self}, messages)};
  const std::uint16_t port = publish_on_loopback(system, receiver.get());
  PeerProcess peer("thr-sender", {std::to_string(port), std::to_string(messages)});
  const double seconds = await_seconds(self, peer, "the counter to see every message");
  peer.finish();
  print_result("remote_thr", "caf1", "msgs_per_s", static_cast<double>(messages - 1) / seconds);
}

void send_sequence(const std::vector<std::string>& args) {
  const auto count = parse_number<std::uint64_t>(args[1], "count");
  RemoteConfig config;
  caf::actor_system system{config};
  caf::actor receiver = connect_on_loopback(system, args[0]);
  caf::scoped_actor sender{system};
  for (std::uint64_t i = 0; i < count; ++i) sender->mail(i).send(receiver);
  await_release();
}

}  // namespace bossa::bench::caf1_peer
