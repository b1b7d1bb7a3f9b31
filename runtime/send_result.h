// SendResult: what send() says about a message it could not send.
//
// A send to a local pid always succeeds as far as the sender can tell (a pid that is gone makes a
// dead letter, as in Erlang), so dropping the result is normal and does not warn. A send to a pid
// of another node fails at the send site when the message cannot leave the node: its type has no
// codec (FailedPrecondition, naming the type). Code that sends to remote pids checks it:
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
