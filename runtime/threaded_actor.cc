#include "runtime/threaded_actor.h"

#include <algorithm>

#include "base/spin_wait.h"
#include "runtime/runtime.h"

namespace bossa {

void ThreadedActor::wake() {
  { MutexLock lock(wait_mutex_); }
  mail_arrived_.notify_one();
}

bool ThreadedActor::wait_for_mail(absl::Time deadline) {
  flush_gathered_sends();  // a handler on this thread may wait for an answer to what it sent
  const std::chrono::nanoseconds budget =
      std::min(runtime().busy_wait(), absl::ToChronoNanoseconds(deadline - absl::Now()));
  if (spin_until([&] { return mailbox_.pushed_since_fetch() || mailbox_.has_urgent(); }, budget)) {
    return true;
  }
  if (!mailbox_.try_block()) return true;
  MutexLock lock(wait_mutex_);
  while (mailbox_.blocked()) {
    if (deadline == absl::InfiniteFuture()) {
      mail_arrived_.wait(wait_mutex_);
      continue;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      // A push that races with the timeout wins: it already took the blocked state.
      return !mailbox_.try_unblock();
    }
    mail_arrived_.wait_for(wait_mutex_, absl::ToChronoNanoseconds(deadline - now));
  }
  return true;
}

ThreadedActor::Scanned ThreadedActor::scan(absl::FunctionRef<bool(ElementPtr&)> take,
                                           absl::Time deadline) {
  ElementQueue skipped;
  struct Restore {
    ElementQueue& cache;
    ElementQueue& skipped;
    Mailbox& mailbox;
    ~Restore() {
      cache.prepend(skipped);
      mailbox.set_held(cache.size());
    }
  } restore{cache_, skipped, mailbox_};
  // Once stopped by a signal, the actor stays stopped even if its code caught ActorExit.
  if (stopped_by_) return stop_by_signal(*stopped_by_);
  for (;;) {
    for (;;) {
      if (mailbox_.has_urgent()) {
        if (std::optional<ExitReason> stop = take_signals(cache_)) {
          return stop_by_signal(std::move(*stop));
        }
      }
      ElementPtr e = cache_.pop_front();
      if (e == nullptr) break;
      switch (e->kind) {
        case MessageKind::kExit:
        case MessageKind::kLinkExit:
          if (std::optional<ExitReason> stop = apply_exit_signal(*e)) {
            return stop_by_signal(std::move(*stop));
          }
          if (e->kind != MessageKind::kUser) continue;
          break;
        case MessageKind::kTimeout:
          continue;  // ticks are for scheduled actors; a threaded actor waits with deadlines
        case MessageKind::kReply:
        case MessageKind::kUser:
        case MessageKind::kRequest:
          break;
      }
      if (take(e)) return Scanned::kTaken;
      if (e != nullptr) skipped.push_back(std::move(e));
    }
    if (mailbox_.fetch(cache_) == 0) {
      mailbox_.set_held(skipped.size());
      if (!wait_for_mail(deadline)) return Scanned::kTimedOut;
      mailbox_.fetch(cache_);
    }
    mailbox_.set_held(cache_.size() + skipped.size());
  }
}

ThreadedActor::Scanned ThreadedActor::stop_by_signal(ExitReason reason) {
  if (!stopped_by_) stopped_by_ = reason;
  if (on_stop_ == OnStop::kUnwind) throw ActorExit{std::move(reason)};
  return Scanned::kStopped;
}

absl::Status ThreadedActor::signals_while_sending() {
  if (!stopped_by_ && mailbox_.has_urgent()) {
    std::optional<ExitReason> stop = take_signals(cache_);
    mailbox_.set_held(cache_.size());
    if (stop) stopped_by_ = std::move(stop);
  }
  if (!stopped_by_) return absl::OkStatus();
  if (on_stop_ == OnStop::kUnwind) throw ActorExit{*stopped_by_};
  return stopped_status();
}

absl::Status ThreadedActor::stopped_status() const {
  const bool runtime_stopped = *stopped_by_ == ExitReason::shutdown() && runtime().stopping();
  return absl::CancelledError(absl::StrCat(
      pid().to_string(),
      " stopped: ", runtime_stopped ? "the runtime stopped" : stopped_by_->to_string()));
}

absl::Status ThreadedActor::receive_with(Behavior& behavior) {
  const std::optional<absl::Duration> timeout = behavior.timeout();
  const absl::Time deadline = timeout ? absl::Now() + *timeout : absl::InfiniteFuture();
  const Scanned scanned = scan(
      [&](ElementPtr& e) {
        if (e->kind == MessageKind::kReply) {
          // No request is waiting: request() takes its reply itself.
          runtime().dead_letter(pid(), std::move(e), "a reply that nobody waits for");
          return false;
        }
        current_ = e.get();
        struct ClearCurrent {
          MailboxElement*& current;
          ~ClearCurrent() { current = nullptr; }
        } clear{current_};
        try {
          return behavior.invoke(*e, *this);
        } catch (const ActorExit& stop) {
          fail_current_request(stop.reason);
          throw;
        } catch (const std::exception& error) {
          fail_current_request(ExitReason::error(error.what()));
          throw;
        }
      },
      deadline);
  switch (scanned) {
    case Scanned::kTaken:
      return absl::OkStatus();
    case Scanned::kStopped:
      return stopped_status();
    case Scanned::kTimedOut:
      break;
  }
  if (timeout) behavior.handle_timeout();
  return absl::DeadlineExceededError("receive timed out");
}

absl::StatusOr<ElementPtr> ThreadedActor::await_reply(uint64_t correlation_id, Pid target,
                                                      absl::Duration timeout) {
  ElementPtr reply;
  Scanned scanned = Scanned::kTimedOut;
  try {
    scanned = scan(
        [&](ElementPtr& e) {
          if (e->kind != MessageKind::kReply) return false;
          if (e->correlation_id != correlation_id) {
            runtime().dead_letter(pid(), std::move(e), "a reply that nobody waits for");
            return false;
          }
          reply = std::move(e);
          return true;
        },
        timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + timeout);
  } catch (const ActorExit&) {
    runtime().abandon_request(pid(), target, correlation_id);
    throw;
  }
  if (scanned == Scanned::kTaken) return reply;
  runtime().abandon_request(pid(), target, correlation_id);
  if (scanned == Scanned::kStopped) return stopped_status();
  return absl::DeadlineExceededError("request timed out");
}

void ThreadedActor::fail_current_request(const ExitReason& reason) {
  if (current_ == nullptr || current_->kind != MessageKind::kRequest) return;
  reply_with(make_element<ErrorReply>(
      pid(), MessageKind::kReply, 0,
      ErrorReply{absl::AbortedError(absl::StrCat(
          pid().to_string(), " stopped while handling the request: ", reason.to_string()))}));
}

void ThreadedActor::finish(const ExitReason& reason) {
  terminate(reason);
  runtime().dead_letters(pid(), cache_, "the actor has stopped");
}

ScopedActor::ScopedActor(Runtime& runtime) : actor_(runtime.make_scoped_actor()) {}

ScopedActor::~ScopedActor() {
  actor_->finish(actor_->stopped_by().value_or(ExitReason::normal()));
}

}  // namespace bossa
