// SignalOrder: Erlang's order between one node's messages and its exit signals and down messages,
// which travel apart from messages (the transport's control lane) so that they never wait behind
// a backlog of data.
//
// An exit, link-exit or down envelope carries its watermark: how many data envelopes (user,
// request, reply) the sending node's transport had accepted for this node when it left
// (Transport::data_watermark). This side counts the data envelopes it took from each node and
// holds a signal back until the count reaches the signal's watermark: every message sent before
// the signal is then in its mailbox ahead of it. An exit(pid, kill) is not held (nothing can trap
// it, so no order is observable). A held signal also goes once it has waited kMaxHold (a data
// envelope lost with a connection would otherwise hold it for good), and when its node goes down,
// before the noconnection signals.
//
// Thread-safety: none; the transport's thread owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "runtime/exit_reason.h"
#include "runtime/pid.h"
#include "serialization/envelope.h"

namespace bossa {

class SignalOrder {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kMaxHold = std::chrono::seconds(1);

  // A signal that came before the messages sent ahead of it.
  struct Held {
    EnvelopeKind kind;  // kExit, kLinkExit or kDown
    Pid to;
    Pid from;
    uint64_t correlation_id;  // kDown: the monitor's id
    ExitReason reason;
    uint64_t watermark;
    Clock::time_point since;
  };

  // Counts a data envelope from `from`; true when a held signal of that node is now due
  // (take_due).
  bool received_data(uint32_t from) {
    Inbound& in =
        cached_inbound_ != nullptr && cached_from_ == from ? *cached_inbound_ : inbound(from);
    ++in.received;
    return !in.held.empty() && in.held.front().watermark <= in.received;
  }
  // Holds `signal` if messages sent before it are still to come; false: deliver it now.
  bool hold(uint32_t from, Held& signal);
  // Moves the signals that are due (their watermark reached, or waited kMaxHold) to `due`, oldest
  // first; of every node when `from` is 0.
  void take_due(uint32_t from, Clock::time_point now, std::vector<Held>& due);
  bool holding() const noexcept { return holding_ > 0; }
  // Forgets what node `node` sent; what it held goes to `due`.
  void node_down(uint32_t node, std::vector<Held>& due);

 private:
  struct Inbound {
    uint64_t received = 0;
    std::deque<Held> held;
  };

  Inbound& inbound(uint32_t from);

  // A data envelope costs one look at the cached node's entry.
  absl::node_hash_map<uint32_t, Inbound> inbound_;
  uint32_t cached_from_ = 0;
  Inbound* cached_inbound_ = nullptr;
  size_t holding_ = 0;
};

}  // namespace bossa
