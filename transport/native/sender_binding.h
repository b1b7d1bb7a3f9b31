// SenderBinding: which connection speaks for which node, on the receiving side of the native
// transport. Until links are authenticated, a node id is only as good as the connection it came
// on: a node's frames are taken from its connection alone while that connection is open, and a
// connection speaks for one node only. Once a node's connection has closed, the next connection
// its id arrives on takes its place (the node's sending socket reconnected), and what the closed
// one delivered before it closed is still taken.
//
// Memory: one entry per connection that spoke, forgotten by sweep() once the socket is done with
// the connection; the listen endpoint's max_connections bounds them.
// Thread-safety: none; the receive loop's thread only.
#pragma once

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "transport/socket/core/socket.h"

namespace bossa::transport {

class SenderBinding {
 public:
  using State = socket::Socket::ConnectionState;

  // Whether connection `pipe` may carry frames of node `sender`, binding the two when it may.
  // PermissionDenied naming both when `pipe` already speaks for another node, or when `sender`
  // speaks on another connection whose `state` is open.
  absl::Status admit(uint32_t sender, uint64_t pipe, absl::FunctionRef<State(uint64_t)> state);
  // Forgets the connections whose `state` is gone.
  void sweep(absl::FunctionRef<State(uint64_t)> state);
  size_t size() const { return node_of_pipe_.size(); }

 private:
  absl::flat_hash_map<uint32_t, uint64_t> pipe_of_node_;  // its newest connection
  absl::flat_hash_map<uint64_t, uint32_t> node_of_pipe_;
  // The pair admitted last: a connection's frames come in runs, so most checks end here.
  uint32_t last_sender_ = 0;
  uint64_t last_pipe_ = 0;
};

}  // namespace bossa::transport
