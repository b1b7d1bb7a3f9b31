// LocalTransport: the `local` backend of Transport, over a LocalNetwork (see local_network.h).
//
// start() joins the network (peers see node up at once), stop() leaves it (peers see node down
// with reason "left"). A node that is not told to stop never goes silent, so node_down_after does
// not apply here. Both lanes are one: a send is queued at once (nothing waits for room), so a
// control envelope never waits behind data, and every envelope keeps its order per pair of nodes.
// Thread-safety: as Transport.
#pragma once

#include <memory>

#include "transport/local/local_inbox.h"
#include "transport/local/local_network.h"
#include "transport/transport.h"

namespace bossa::transport {

class LocalTransport final : public Transport {
 public:
  explicit LocalTransport(LocalNetwork& network) : network_(network) {}
  ~LocalTransport() override { stop(); }

  absl::Status start(const NodeIdentity& self, TransportHandler& handler) override;
  absl::Status send(uint32_t to, std::string_view envelope, Lane lane = Lane::kData) override;
  void broadcast(std::string_view envelope, Lane lane = Lane::kData) override;
  std::vector<NodeIdentity> nodes() const override;
  std::string endpoint() const override { return {}; }
  void stop() override;

 private:
  LocalNetwork& network_;
  NodeIdentity self_;
  std::unique_ptr<LocalInbox> inbox_;
};

}  // namespace bossa::transport
