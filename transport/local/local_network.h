// LocalNetwork: nodes of one process joined without sockets, for tests and single-process
// clusters. The `local` transport (kind = "local") joins the network the TransportEnvironment
// gives it.
//
//   bossa::transport::LocalNetwork network("test");
//   // two nodes whose configs say kind = "local", network = "test", built with
//   // TransportEnvironment{.local_network = &network}, see each other at start.
//
// Each joined node has an inbox served by a thread of its own, so handler calls of one node are
// serialized and a sender never runs the receiver's handler. Ordering per pair of nodes holds
// because a send is queued under the network's lock. The network must outlive its transports.
// Thread-safety: all members may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "base/mutex.h"
#include "transport/transport.h"

namespace bossa::transport {

class LocalInbox;

class LocalNetwork {
 public:
  explicit LocalNetwork(std::string name = "local") : name_(std::move(name)) {}
  LocalNetwork(const LocalNetwork&) = delete;
  LocalNetwork& operator=(const LocalNetwork&) = delete;

  const std::string& name() const noexcept { return name_; }

  // For LocalTransport. join: AlreadyExists if the id or the name is taken.
  absl::Status join(const NodeIdentity& node, LocalInbox& inbox);
  void leave(uint32_t node, std::string_view reason);
  // Cuts `node` off, as a crash or a broken network would: it and the others each see the other
  // side go down ("connection lost"), and nothing passes between them any more. For tests.
  void cut(uint32_t node);
  absl::Status send(uint32_t from, uint32_t to, std::string_view bytes);
  void broadcast(uint32_t from, std::string_view bytes);
  std::vector<NodeIdentity> nodes_except(uint32_t node) const;

 private:
  struct Member {
    NodeIdentity identity;
    LocalInbox* inbox;
  };

  const std::string name_;
  mutable Mutex mutex_;
  absl::flat_hash_map<uint32_t, Member> members_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace bossa::transport
