// Messages from outside the cluster: what an AMQP client that is not a bossa node publishes to a
// named actor, turned into the envelope the node delivers.
//
// The routing key names the actor (a global name). The body is, by content type:
//   application/vnd.bossa.envelope   a whole envelope (serialization/envelope.capnp), sent as
//                                    nobody (zero `from`) with kind user; its `to` and `toName`
//                                    are replaced by this node and the routing key
//   text/...                         the text, delivered as a std::string message
//   anything else, or none           the bytes, delivered as a bossa::Bytes message
//
// Free functions without shared state; the body is untrusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "serialization/decode_limits.h"

namespace bossa::transport {

// The envelope for node `self` that carries `body` to the actor registered as `name`.
// InvalidArgument if an envelope body does not decode or is not a user message from nobody.
absl::StatusOr<std::string> envelope_from_outside(uint32_t self, std::string_view name,
                                                  std::string_view content_type,
                                                  std::string_view body,
                                                  const DecodeLimits& limits);

}  // namespace bossa::transport
