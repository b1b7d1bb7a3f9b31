// Gateway: the door of a native node for clients outside the cluster. Any ZeroMQ REQ or DEALER
// socket (libzmq, pyzmq, ...) connects to the [gateway] endpoint, names an actor by global name
// or pid and gets its answer; no membership, no Cap'n Proto (gateway_frames.h has the format,
// serialization/content/body.h the bodies, docs/outside-clients.md the whole picture).
//
//   absl::StatusOr<std::unique_ptr<Gateway>> door = Gateway::start(node, config);
//   ... (*door)->endpoint() ... (*door)->stats() ...
//   (*door)->stop();
//
// A request is checked, in order: its frames; the client's key against the [[authorization]]
// groups (`request` on the target's name; a key in no group may call any actor); the target;
// the gateway's bound on requests in flight; the body. Any refusal is answered at once with an
// error status and counted. An accepted request goes to the gateway's actor (gateway_actor.h),
// which asks the target with the request's timeout (capped at max_timeout) or the configured one.
// A reply for a client that has gone, or that does not read, is dropped and counted.
// Thread-safety: stats() and endpoint() from any thread; stop() from one thread, idempotent, and
// before the node's runtime shuts down (the Node does it). One I/O thread of its own reads and
// writes the ROUTER socket.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "absl/status/statusor.h"
#include "cluster/authorization.h"
#include "cluster/gateway/gateway_stats.h"
#include "cluster/node_config.h"
#include "runtime/pid.h"
#include "serialization/decode_limits.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace bossa {
class Node;
}

namespace bossa::gateway {

class Gateway {
 public:
  // Binds config.gateway.listen and starts taking requests for `node`'s actors. Errors: the
  // endpoint cannot be bound, the key pair is refused, the node is shutting down.
  static absl::StatusOr<std::unique_ptr<Gateway>> start(Node& node, const NodeConfig& config);
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;
  ~Gateway();

  // The bound endpoint, the port resolved (tcp://127.0.0.1:41234).
  const std::string& endpoint() const { return endpoint_; }
  GatewayStats stats() const;
  // Closes the endpoint; replies still on their way are dropped and counted.
  void stop();

 private:
  struct Shared;

  Gateway(Node& node, const NodeConfig& config);
  absl::Status open(const NodeConfig& config);
  void receive();
  void handle(socket::Message message);
  // The Z85-decoded CURVE key of the client that sent `message`; empty without security.
  std::string client_key(const socket::Message& message);
  // Sends on the I/O thread; a failure counts a dropped reply.
  void send(socket::Message reply);
  void refuse(socket::Message route, const absl::Status& why, std::atomic<uint64_t>& counter);

  Node& node_;
  const GatewayConfig config_;
  const Authorization authorization_;
  DecodeLimits limits_;
  std::shared_ptr<Shared> shared_;
  Pid actor_;
  std::string endpoint_;
  // Declared in this order so that the socket goes before the io_context and the context.
  socket::Context context_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<socket::Socket> socket_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace bossa::gateway
