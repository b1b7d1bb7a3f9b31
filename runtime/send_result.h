// SendResult: what send() says about a message it could not send.
//
// A send to a pid that is gone succeeds as far as the sender can tell (it makes a dead letter, as
// in Erlang), so dropping the result is normal and does not warn. A send fails at the send site
// when the target's full mailbox refuses the message (ResourceExhausted, "mailbox full":
// mailbox_limit.h), and, for a pid of another node, when the message cannot leave the node: its
// type has no codec (FailedPrecondition, naming the type) or its node is not up (Unavailable,
// naming the node). Code that must not lose a message checks it:
//
//   if (absl::Status s = self.send(remote, Job{42}).status(); !s.ok()) ...
#pragma once

#include <utility>

#include "absl/status/status.h"

namespace bossa {

class SendResult {
 public:
  SendResult() = default;
  SendResult(absl::Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return status_.ok(); }
  const absl::Status& status() const& noexcept { return status_; }
  absl::Status status() && noexcept { return std::move(status_); }

 private:
  absl::Status status_;
};

}  // namespace bossa
