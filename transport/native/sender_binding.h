// SenderBinding: which connections speak for which node, on the receiving side of the native
// transport. Until links are authenticated, a node id is only as good as the connections it came
// on: a node speaks on at most kConnectionsPerNode open connections (its data and its control
// connection, native_wire.h), and a connection speaks for one node only. Once one of a node's
// connections has closed, or all of them have carried nothing for the quiet limit, the next
// connection its id arrives on takes the place of one (the node's sending socket reconnected, or
// the node opened a new link while this node could not yet see the old one close: a process that
// resumes after a pause reads its peers' new connections before it notices their old ones are
// gone), and what the replaced one delivered before is still taken.
//
// Memory: one entry per connection that spoke, forgotten by sweep() once the socket is done with
// the connection; the listen endpoint's max_connections bounds them.
// Thread-safety: none; the receive loop's thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "transport/socket/core/socket.h"

namespace bossa::transport {

class SenderBinding {
 public:
  using State = socket::Socket::ConnectionState;

  // The open connections a node may speak on at once: data and control.
  static constexpr size_t kConnectionsPerNode = 2;

  using TimePoint = std::chrono::steady_clock::time_point;

  // A connection that carried nothing for `quiet_limit` may be replaced while open.
  explicit SenderBinding(std::chrono::nanoseconds quiet_limit) : quiet_limit_(quiet_limit) {}

  // Whether connection `pipe` may carry a frame of node `sender` that arrived at `now`, binding
  // the two when it may. PermissionDenied naming both when `pipe` already speaks for another
  // node. Unavailable, naming the connections, when `sender` speaks on kConnectionsPerNode other
  // connections whose `state` is open, one of which carried a frame within the quiet limit: `pipe`
  // may speak for it once they close or fall quiet.
  absl::Status admit(uint32_t sender, uint64_t pipe, TimePoint now,
                     absl::FunctionRef<State(uint64_t)> state);
  // Forgets the connections whose `state` is gone.
  void sweep(absl::FunctionRef<State(uint64_t)> state);
  size_t size() const { return node_of_pipe_.size(); }

 private:
  // A node's newest connections; 0 for none.
  using Pipes = std::array<uint64_t, kConnectionsPerNode>;

  struct Speaker {
    uint32_t node;
    TimePoint last_frame;
  };

  const std::chrono::nanoseconds quiet_limit_;
  absl::flat_hash_map<uint32_t, Pipes> pipes_of_node_;
  absl::flat_hash_map<uint64_t, Speaker> node_of_pipe_;
  // The pair admitted last: a connection's frames come in runs, so most checks end here.
  uint32_t last_sender_ = 0;
  uint64_t last_pipe_ = 0;
  Speaker* last_speaker_ = nullptr;  // node_of_pipe_[last_pipe_], until the map changes
};

}  // namespace bossa::transport
