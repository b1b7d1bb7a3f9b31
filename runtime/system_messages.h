// The messages the runtime itself delivers to actors.
//
// ExitMsg: an exit signal from a linked actor (or an explicit exit(pid, reason)) as seen by an
// actor that traps exits. DownMsg: a monitored actor stopped (or never existed: reason noproc).
#pragma once

#include <cstdint>

#include "runtime/exit_reason.h"
#include "runtime/pid.h"

namespace bossa {

struct ExitMsg {
  Pid from;
  ExitReason reason;
};

// Identifies one monitor; returned by monitor() and carried by the DownMsg it produces.
struct MonitorRef {
  uint64_t id = 0;
  friend bool operator==(const MonitorRef&, const MonitorRef&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const MonitorRef& ref) {
    return H::combine(std::move(h), ref.id);
  }
};

struct DownMsg {
  MonitorRef ref;
  Pid pid;
  ExitReason reason;
};

}  // namespace bossa
