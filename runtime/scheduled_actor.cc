#include "runtime/scheduled_actor.h"

#include "base/demangle.h"
#include "runtime/runtime.h"

namespace bossa {

void ScheduledActor::become(Behavior behavior) {
  next_behavior_ = std::make_unique<Behavior>(std::move(behavior));
}

void ScheduledActor::become_first(Behavior behavior) {
  next_behavior_.reset();
  behavior_ = std::move(behavior);
  arm_behavior_timeout();
}

void ScheduledActor::wake() {
  runtime().scheduler_.schedule(this);
}

void ScheduledActor::launched() {
  apply_pending_behavior();
  if (finished()) {
    finish(finished_reason());
    return;
  }
  // Messages sent to us during on_start did not wake us (the mailbox starts awake): look again.
  if (!mailbox_.try_block()) wake();
}

Resumable::ResumeResult Resumable::resume(size_t max_messages) {
  return static_cast<ScheduledActor*>(this)->run(max_messages);
}

void Resumable::release() noexcept {
  intrusive_ptr_release(static_cast<ScheduledActor*>(this));
}

Resumable::ResumeResult ScheduledActor::run(size_t max_messages) {
  for (size_t handled = 0; handled < max_messages; ++handled) {
    if (mailbox_.has_urgent()) {
      if (std::optional<ExitReason> stop = take_signals(cache_)) return done(*stop);
    }
    if (cache_.empty()) {
      if (mailbox_.fetch(cache_) == 0) {
        mailbox_.set_held(stashed());
        if (mailbox_.try_block()) return ResumeResult::kAwaiting;
        mailbox_.fetch(cache_);
      }
      mailbox_.set_held(cache_.size() + stashed());
      if (cache_.empty()) continue;  // only a signal came: it goes first
    }
    if (std::optional<ExitReason> stop = handle(cache_.pop_front())) return done(*stop);
    if (finished()) return done(finished_reason());
  }
  mailbox_.set_held(cache_.size() + stashed());
  return ResumeResult::kResumeLater;
}

Resumable::ResumeResult ScheduledActor::done(const ExitReason& reason) {
  intrusive_ptr_add_ref(this);  // for the scheduler: finish() drops the table's reference
  finish(reason);
  return ResumeResult::kDone;
}

std::optional<ExitReason> ScheduledActor::handle(ElementPtr element) {
  const HandlerSends sends(*this);  // what it gathered goes as it returns, before exit signals
  switch (element->kind) {
    case MessageKind::kExit:
    case MessageKind::kLinkExit:
      if (std::optional<ExitReason> stop = apply_exit_signal(*element)) return stop;
      if (element->kind != MessageKind::kUser) return std::nullopt;
      break;  // trapped: handled as a message
    case MessageKind::kReply:
    case MessageKind::kTimeout: {
      std::optional<ExitReason> stop = run_guarded([&] {
        if (element->kind == MessageKind::kReply) {
          handle_reply(element);
        } else {
          handle_timeout(*element);
        }
      });
      if (!stop) apply_pending_behavior();
      return stop;
    }
    case MessageKind::kUser:
    case MessageKind::kRequest:
      break;
  }
  current_ = element.get();
  bool matched = false;
  std::optional<ExitReason> stop =
      run_guarded([&] { matched = behavior_.invoke(*element, *this); });
  if (stop && element->kind == MessageKind::kRequest) {
    // The caller learns at once that no answer will come, as with gen_server:call.
    reply_with(make_element<ErrorReply>(
        pid(), MessageKind::kReply, 0,
        ErrorReply{absl::AbortedError(absl::StrCat(
            pid().to_string(), " stopped while handling the request: ", stop->to_string()))}));
  }
  current_ = nullptr;
  if (stop) return stop;
  if (!matched) {
    extras().stash.push_back(std::move(element));
    return std::nullopt;
  }
  element.reset();
  if (next_behavior_ != nullptr) {
    apply_pending_behavior();
  } else if (extras_ != nullptr && extras_->behavior_timer != 0) {
    arm_behavior_timeout();  // a handled message restarts the after() clock
  }
  return std::nullopt;
}

void ScheduledActor::PendingRequest::then_any(std::function<void(MailboxElement&)> on_reply,
                                              std::function<void(absl::Status)> on_error) && {
  auto& requests = self_.extras().requests;
  auto it = requests.find(id_);
  if (it == requests.end()) return;  // already timed out
  it->second.reply_type = nullptr;
  it->second.on_reply = std::move(on_reply);
  it->second.on_error = std::move(on_error);
}

ScheduledActor::Extras& ScheduledActor::extras() {
  if (extras_ == nullptr) extras_ = std::make_unique<Extras>();
  return *extras_;
}

void ScheduledActor::unstash() {
  if (extras_ != nullptr) cache_.prepend(extras_->stash);
}

void ScheduledActor::apply_pending_behavior() {
  if (next_behavior_ == nullptr) return;
  behavior_ = std::move(*next_behavior_);
  next_behavior_.reset();
  unstash();
  arm_behavior_timeout();
}

void ScheduledActor::arm_behavior_timeout() {
  const std::optional<absl::Duration> timeout = behavior_.timeout();
  const bool timed = timeout.has_value() && *timeout != absl::InfiniteDuration();
  if (!timed && extras_ == nullptr) return;
  Extras& w = extras();
  ++w.behavior_generation;
  if (w.behavior_timer != 0) {
    cancel_timer(w.behavior_timer);
    w.behavior_timer = 0;
  }
  if (!timed) return;
  w.behavior_timer = schedule_delivery(
      *timeout, pid(),
      make_element<BehaviorTimeoutTick>(pid(), MessageKind::kTimeout, 0,
                                        BehaviorTimeoutTick{w.behavior_generation}));
}

ScheduledActor::PendingRequest ScheduledActor::start_request(Pid to, absl::Duration timeout,
                                                             ElementPtr message) {
  const uint64_t id = ++extras().last_correlation_id;
  message->kind = MessageKind::kRequest;
  message->correlation_id = id;
  (void)deliver(to, std::move(message));
  Pending& pending = extras().requests[id];
  pending.target = to;
  if (timeout != absl::InfiniteDuration()) {
    pending.timer = schedule_delivery(
        timeout, pid(), make_element<RequestTimeoutTick>(pid(), MessageKind::kTimeout, id));
  }
  return PendingRequest(*this, id);
}

void ScheduledActor::handle_reply(ElementPtr& element) {
  MailboxElement& reply = *element;
  auto& requests = extras().requests;
  auto it = requests.find(reply.correlation_id);
  if (it == requests.end() || !it->second.on_reply) {
    if (it != requests.end()) requests.erase(it);
    runtime().dead_letter(pid(), std::move(element), "a reply that nobody waits for");
    return;
  }
  Pending pending = std::move(it->second);
  requests.erase(it);
  if (pending.timer != 0) cancel_timer(pending.timer);
  if (ErrorReply* error = reply.get_if<ErrorReply>()) {
    pending.on_error(std::move(error->status));
  } else if (pending.reply_type != nullptr && reply.tag() != pending.reply_type) {
    pending.on_error(absl::InvalidArgumentError(absl::StrCat("reply from ", reply.from.to_string(),
                                                             " has an unexpected type (",
                                                             demangled_name(reply.type()), ")")));
  } else {
    pending.on_reply(reply);
  }
}

void ScheduledActor::handle_timeout(MailboxElement& tick) {
  if (const BehaviorTimeoutTick* t = tick.get_if<BehaviorTimeoutTick>()) {
    if (extras_ == nullptr || t->generation != extras_->behavior_generation) {
      return;  // stale: the behavior changed since
    }
    extras_->behavior_timer = 0;
    behavior_.handle_timeout();
    if (next_behavior_ != nullptr) {
      apply_pending_behavior();
    } else {
      arm_behavior_timeout();
    }
    return;
  }
  if (extras_ == nullptr) return;
  auto it = extras_->requests.find(tick.correlation_id);
  if (it == extras_->requests.end()) return;  // answered before the tick was handled
  Pending pending = std::move(it->second);
  extras_->requests.erase(it);
  runtime().abandon_request(pid(), pending.target, tick.correlation_id);
  if (pending.on_error) pending.on_error(absl::DeadlineExceededError("request timed out"));
}

void ScheduledActor::finish(const ExitReason& reason) {
  if (extras_ != nullptr) {
    if (extras_->behavior_timer != 0) cancel_timer(extras_->behavior_timer);
    for (const auto& [id, pending] : extras_->requests) {
      if (pending.timer != 0) cancel_timer(pending.timer);
      runtime().abandon_request(pid(), pending.target, id);
    }
  }
  // The actor's state goes before anybody learns of the stop (and not when the last reference
  // to the actor does).
  next_behavior_.reset();
  behavior_ = Behavior();
  unstash();
  extras_.reset();
  release_state();
  terminate(reason);
  runtime().dead_letters(pid(), cache_, "the actor has stopped");
}

}  // namespace bossa
