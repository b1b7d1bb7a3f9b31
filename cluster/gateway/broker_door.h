// BrokerDoor: the door of an amqp node for clients outside the cluster. Any AMQP client that
// publishes to P.names with `reply_to` (and `correlation_id`) calls the actor holding the routing
// key as its global name, and gets the answer on reply_to (docs/outside-clients.md, "AMQP").
//
//   BrokerDoor door(node, transport, config);
//   absl::Status opened = door.start();
//   door.handle(request);  // on the transport's thread, for each OutsideRequest
//   door.stop();
//
// A request is checked, in order: its sender against the [[authorization]] groups (`request` on
// the name; with groups, a request without a user_id that the broker validated is refused); the
// target; the bound on requests in flight (gateway.max_pending); the body. A refusal is answered
// at once with an error status and counted. An accepted request goes to the gateway's actor
// (gateway_actor.h), which asks the target with the request's `expiration` (capped at
// gateway.max_timeout) or gateway.timeout. Every request gets one answer, handed to the
// transport; one that does not reach its client (answer_lost) is counted and logged.
// Thread-safety: handle() and answer_lost() on the transport's thread; stats() from any thread;
// start() and stop() from the node's, stop() idempotent and before the runtime shuts down.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "cluster/authorization.h"
#include "cluster/gateway/gateway_stats.h"
#include "cluster/logger.h"
#include "cluster/node_config.h"
#include "runtime/pid.h"
#include "serialization/decode_limits.h"
#include "transport/transport.h"

namespace bossa {
class Node;
}

namespace bossa::gateway {

class BrokerDoor {
 public:
  // `transport` must outlive the node's runtime.
  BrokerDoor(Node& node, transport::Transport& transport, const NodeConfig& config);
  BrokerDoor(const BrokerDoor&) = delete;
  BrokerDoor& operator=(const BrokerDoor&) = delete;
  ~BrokerDoor();

  // Spawns the door's actor. Unavailable if the node is shutting down.
  absl::Status start();
  // Answers `request`, at once if it is refused, else once its target has.
  void handle(transport::OutsideRequest request);
  // The transport could not deliver an answer, for `why`.
  void answer_lost(std::string_view why);
  GatewayStats stats() const;
  // From now on every request is answered UNAVAILABLE; those in flight are counted as dropped.
  void stop();

 private:
  struct Shared;

  void refuse(const transport::OutsideReturn& to, const absl::Status& why,
              std::atomic<uint64_t>& counter);

  Node& node_;
  transport::Transport& transport_;
  const GatewayConfig config_;
  const Authorization authorization_;
  DecodeLimits limits_;
  std::shared_ptr<Shared> shared_;
  Pid actor_;
  std::atomic<bool> stopped_{false};
  ThrottledLog lost_log_;  // transport thread only
};

}  // namespace bossa::gateway
