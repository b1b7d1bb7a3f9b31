// The gateway's actor: it asks actors on behalf of clients outside the cluster, through the
// runtime's ordinary request path, so that the asked actor answers it (a returned value,
// self.reply, a response promise) exactly as it answers any actor. Both doors (the native
// gateway and the amqp broker door) use it.
//
//   Pid asker = spawn_gateway_actor(runtime, types, limits,
//                                   [](ReplyTo to, absl::StatusOr<content::Body> body) { ... });
//   runtime.deliver(asker, make_element<Call>(Pid{}, MessageKind::kUser, 0, Call{...}));
//
// For each Call it sends `request` to `target` as a request with `timeout`; the outcome goes to
// `answer`, on the actor's worker, once per Call: the reply (of whatever type) as a body in the
// form the client's content type asks for (body_of_reply), or the error: the target's ErrorReply,
// Aborted when it stopped while handling the request, DeadlineExceeded, Internal for a reply
// with no such form. Its mailbox is unbounded: the door bounds the calls in flight. It stops
// with the runtime.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cluster/wire_types.h"
#include "runtime/mailbox_element.h"
#include "runtime/pid.h"
#include "runtime/runtime.h"
#include "serialization/content/body.h"
#include "serialization/decode_limits.h"
#include "transport/socket/core/message.h"
#include "transport/transport.h"

namespace bossa::gateway {

// Where an answer goes: the client's route (the gateway's) or queue (the broker door's), and the
// content type it asked in.
struct ReplyTo {
  socket::Message route;
  transport::OutsideReturn queue;
  std::string content_type;
};

struct Call {
  Pid target;
  absl::Duration timeout;
  ElementPtr request;
  ReplyTo reply_to;
};

using Answer = std::function<void(ReplyTo to, absl::StatusOr<content::Body> body)>;

// The zero pid once the runtime is shutting down. `types` must outlive the runtime.
Pid spawn_gateway_actor(Runtime& runtime, const WireTypes& types, const DecodeLimits& limits,
                        Answer answer);

// The request a client's body stands for (serialization/content/body.h), as a message from `from`.
// The body is bounded by `limits`; the Value made of it on the node, which may be several times
// larger than the JSON it came from, by the default limits. InvalidArgument or NotFound saying
// what does not fit.
absl::StatusOr<ElementPtr> request_from_body(const WireTypes& types, std::string_view content_type,
                                             std::string_view body, Pid from,
                                             const DecodeLimits& limits);

// The body that gives a client `reply`, in the form its request's content type asks for.
// Internal if the reply's type has no such form.
absl::StatusOr<content::Body> body_of_reply(const WireTypes& types, const MailboxElement& reply,
                                            std::string_view request_content_type,
                                            const DecodeLimits& limits);

}  // namespace bossa::gateway
