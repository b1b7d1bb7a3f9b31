// inproc: sockets of one Context joined by crossed queues, no I/O thread, no copy, no codec.
//
// The registry maps names to bound sockets and remembers connects made before the bind (they queue
// messages meanwhile and are joined when the bind comes). Each queue's high-water mark is the
// sender's sndhwm plus the receiver's rcvhwm, as in libzmq. Thread-safety: all methods are safe
// from any thread (one mutex; never held while calling out).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "base/mutex.h"
#include "transport/socket/core/pipe.h"

namespace bossa::socket {

class SocketCore;
class SocketWaker;

// What one socket brings to an inproc pairing.
struct InprocSide {
  std::shared_ptr<SocketCore> core;
  SocketType type;
  std::int64_t sndhwm = 1000;
  std::int64_t rcvhwm = 1000;
  std::string routing_id;
};

class InprocRegistry {
 public:
  // Binds `name`; returns the pipes of earlier connects, ready, for the binder to attach.
  // AlreadyExists when the name is bound.
  absl::StatusOr<std::vector<std::shared_ptr<Pipe>>> bind(const std::string& name,
                                                          const InprocSide& side);
  // Connects to `name`; returns the connector's pipe (ready when the name is bound already; the
  // binder is told through its mailbox). InvalidArgument for incompatible socket types.
  absl::StatusOr<std::shared_ptr<Pipe>> connect(const std::string& name, const InprocSide& side);
  // Whether a live socket holds `name`.
  bool is_bound(const std::string& name);
  // Releases `name` if `core` holds it.
  void unbind(const std::string& name, const SocketCore* core);
  // Releases every name `core` holds and forgets its pending connects; returns how many messages
  // they held that no binder will take, when the connector's pipe was released first.
  std::uint64_t forget(const SocketCore* core);

 private:
  struct Bound {
    std::weak_ptr<SocketCore> core;
    SocketType type;
    std::int64_t sndhwm, rcvhwm;
    std::string routing_id;
  };
  struct Pending {
    std::string name;
    InprocSide connector;  // core held weakly through connector_core
    std::weak_ptr<SocketCore> connector_core;
    std::uint64_t connector_pipe_id;
    std::shared_ptr<SocketWaker> binder_waker;
    std::shared_ptr<MessageQueue> to_binder, to_connector;
    std::shared_ptr<PipeLink> link;  // the connector's pipe shares it
  };

  Mutex mu_;
  absl::flat_hash_map<std::string, Bound> bound_ ABSL_GUARDED_BY(mu_);
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bossa::socket
