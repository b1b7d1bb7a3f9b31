// SenderBinding: which connections speak for which node, on the receiving side of the native
// transport. Until links are authenticated, a node id is only as good as the connections it came
// on: a node speaks on at most kConnectionsPerNode open connections (its data and its control
// connection, native_wire.h), and a connection speaks for one node only. Once one of a node's
// connections has closed, the next connection its id arrives on takes its place (the node's
// sending socket reconnected), and what the closed one delivered before it closed is still taken.
//
// Memory: one entry per connection that spoke, forgotten by sweep() once the socket is done with
// the connection; the listen endpoint's max_connections bounds them.
// Thread-safety: none; the receive loop's thread only.
#pragma once

#include <array>
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

  // Whether connection `pipe` may carry frames of node `sender`, binding the two when it may.
  // PermissionDenied naming both when `pipe` already speaks for another node, or when `sender`
  // speaks on kConnectionsPerNode other connections whose `state` is open.
  absl::Status admit(uint32_t sender, uint64_t pipe, absl::FunctionRef<State(uint64_t)> state);
  // Forgets the connections whose `state` is gone.
  void sweep(absl::FunctionRef<State(uint64_t)> state);
  size_t size() const { return node_of_pipe_.size(); }

 private:
  // A node's newest connections; 0 for none.
  using Pipes = std::array<uint64_t, kConnectionsPerNode>;

  absl::flat_hash_map<uint32_t, Pipes> pipes_of_node_;
  absl::flat_hash_map<uint64_t, uint32_t> node_of_pipe_;
  // The pair admitted last: a connection's frames come in runs, so most checks end here.
  uint32_t last_sender_ = 0;
  uint64_t last_pipe_ = 0;
};

}  // namespace bossa::transport
