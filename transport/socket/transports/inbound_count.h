// InboundCount: an accepted connection's places in its socket's counters of inbound connections
// in their handshake and open (SocketCore::inbound_handshaking, inbound_open), which the listener
// took when it admitted it (SocketCore::admit_inbound). The engine serving the connection gives
// each back once: the first when the handshake is over, both when the connection closes (at the
// latest when the engine goes). A connection this socket dialled holds none.
// Thread-safety: none; the owning engine's strand only.
#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "transport/socket/core/socket_core.h"

namespace bossa::socket {

class InboundCount {
 public:
  // `accepted`: the connection came through this socket's listener, which counted it.
  InboundCount(std::shared_ptr<SocketCore> core, bool accepted)
      : core_(std::move(core)), handshaking_(accepted), open_(accepted) {}
  ~InboundCount() { closed(); }
  InboundCount(const InboundCount&) = delete;
  InboundCount& operator=(const InboundCount&) = delete;

  void handshake_over() {
    if (std::exchange(handshaking_, false)) {
      core_->inbound_handshaking.fetch_sub(1, std::memory_order_relaxed);
    }
  }
  void closed() {
    handshake_over();
    if (std::exchange(open_, false)) core_->inbound_open.fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  const std::shared_ptr<SocketCore> core_;
  bool handshaking_;
  bool open_;
};

}  // namespace bossa::socket
