// The gateway's actor: it asks actors on behalf of clients outside the cluster, through the
// runtime's ordinary request path, so that the asked actor answers it (a returned value,
// self.reply, a response promise) exactly as it answers any actor.
//
//   Pid asker = spawn_gateway_actor(runtime, [](ReplyTo to, MailboxElement* reply,
//                                               absl::Status error) { ... });
//   runtime.deliver(asker, make_element<Call>(Pid{}, MessageKind::kUser, 0, Call{...}));
//
// For each Call it sends `request` to `target` as a request with `timeout`; the outcome (the
// reply element of whatever type, or the error: the target's ErrorReply, Aborted when it stopped
// while handling the request, DeadlineExceeded) goes to `answer`, on the actor's worker, once per
// Call. The reply element is valid only during the call. Its mailbox is unbounded: the gateway
// bounds the calls in flight. It stops with the runtime.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runtime/mailbox_element.h"
#include "runtime/pid.h"
#include "runtime/runtime.h"
#include "transport/socket/core/message.h"

namespace bossa::gateway {

// Where an answer goes: the client's route and the content type it asked in.
struct ReplyTo {
  socket::Message route;
  std::string content_type;
};

struct Call {
  Pid target;
  absl::Duration timeout;
  ElementPtr request;
  ReplyTo reply_to;
};

using Answer = std::function<void(ReplyTo to, MailboxElement* reply, absl::Status error)>;

// The zero pid once the runtime is shutting down.
Pid spawn_gateway_actor(Runtime& runtime, Answer answer);

}  // namespace bossa::gateway
