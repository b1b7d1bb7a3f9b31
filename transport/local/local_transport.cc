#include "transport/local/local_transport.h"

namespace bossa::transport {

absl::Status LocalTransport::start(const NodeIdentity& self, TransportHandler& handler) {
  if (inbox_ != nullptr) return absl::FailedPreconditionError("the transport is already started");
  self_ = self;
  inbox_ = std::make_unique<LocalInbox>(handler);
  absl::Status joined = network_.join(self_, *inbox_);
  if (!joined.ok()) inbox_.reset();
  return joined;
}

absl::Status LocalTransport::send(uint32_t to, std::string_view envelope, Lane /*lane*/) {
  return network_.send(self_.id, to, envelope);
}

void LocalTransport::broadcast(std::string_view envelope, Lane /*lane*/) {
  network_.broadcast(self_.id, envelope);
}

std::vector<NodeIdentity> LocalTransport::nodes() const {
  return network_.nodes_except(self_.id);
}

void LocalTransport::stop() {
  if (inbox_ == nullptr) return;
  network_.leave(self_.id, "left");
  inbox_->close();
}

}  // namespace bossa::transport
