#include "runtime/coroutine_actor.h"

namespace bossa {

// The behavior of a pending co_await receive: runs the user's handlers, records the outcome in
// the awaiter and resumes the coroutine.
class CoroutineActor::ReceiveMatcher final : public Behavior::Matcher {
 public:
  ReceiveMatcher(CoroutineActor& self, Behavior inner, absl::Status& status)
      : self_(self), inner_(std::move(inner)), status_(status) {}

  bool invoke(MailboxElement& e, ReplySink& sink) override {
    if (!inner_.invoke(e, sink)) return false;
    status_ = absl::OkStatus();
    self_.resume_body();
    return true;
  }
  std::optional<absl::Duration> timeout() const override { return inner_.timeout(); }
  void handle_timeout() override {
    inner_.handle_timeout();
    status_ = absl::DeadlineExceededError("receive timed out");
    self_.resume_body();
  }

 private:
  CoroutineActor& self_;
  Behavior inner_;
  absl::Status& status_;
};

void CoroutineActor::start(Body body) {
  body_ = std::move(body);
  launch([this] {
    task_ = body_(*this);
    resume_body();
  });
}

void CoroutineActor::await_receive(Behavior behavior, absl::Status& status) {
  std::unique_ptr<Behavior::Matcher> matcher =
      std::make_unique<ReceiveMatcher>(*this, std::move(behavior), status);
  become(Behavior(std::move(matcher)));
}

void CoroutineActor::await_nothing() {
  become(Behavior());
}

ExitReason CoroutineActor::finished_reason() const {
  const std::exception_ptr error = task_.handle().promise().exception;
  if (!error) return ExitReason::normal();
  try {
    std::rethrow_exception(error);
  } catch (...) {
    return exit_reason_of_current_exception();
  }
}

}  // namespace bossa
