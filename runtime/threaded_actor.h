// ThreadedActor: an actor with a thread of its own that blocks in receive (Jobim's threaded
// actors, Erlang's receive ... after), and ScopedActor, which makes the calling thread an actor.
//
//   runtime.spawn_thread([](ThreadedActor& self) {
//     auto pong = [&](const Ping& p) { self.send(self.sender(), Pong{p.n}); };
//     while (self.receive(pong, after(absl::Seconds(5), [] {})).ok()) {
//     }  // five quiet seconds: the body returns and the actor stops normally
//   });
//
// receive() runs the first handler that matches the oldest message it can; the others stay in the
// mailbox, in order, for later receives. While blocked, an exit signal that stops a spawned actor
// unwinds its code (ActorExit); the actor stops when its body returns (normal), throws, or calls
// exit. On a ScopedActor's thread, the runtime stopping or a kill makes the blocking call (and
// every later one) return Cancelled naming the reason: nothing is thrown into that thread.
// Thread-safety: all methods but Actor's any-thread ones belong to the actor's own thread.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/demangle.h"
#include "base/mutex.h"
#include "runtime/actor.h"

namespace bossa {

class ThreadedActor final : public Actor {
 public:
  // What a blocking call does once an exit signal has stopped the actor: unwind the actor's code
  // (a spawned actor, whose body the runtime runs and guards), or return Cancelled (a ScopedActor,
  // whose thread belongs to code that never asked for an exception).
  enum class OnStop { kUnwind, kReturnStatus };

  ThreadedActor(Runtime& runtime, Pid pid, OnStop on_stop = OnStop::kUnwind)
      : Actor(runtime, pid), on_stop_(on_stop) {}

  // Waits for a message that one of the handlers matches and runs that handler: OkStatus. With an
  // after() clause, gives up when it elapses (running its handler): DeadlineExceeded. Stopped by
  // an exit signal: see OnStop.
  template <class... Handlers>
  absl::Status receive(Handlers&&... handlers) {
    Behavior behavior(std::forward<Handlers>(handlers)...);
    return receive_with(behavior);
  }
  absl::Status receive_with(Behavior& behavior);

  // Waits up to `timeout` for a message of type T and returns it.
  template <class T>
  absl::StatusOr<T> receive_for(absl::Duration timeout) {
    std::optional<T> result;
    Behavior behavior([&](T& value) { result.emplace(std::move(value)); }, after(timeout, [] {}));
    absl::Status got = receive_with(behavior);
    if (!got.ok()) return got;
    return std::move(*result);
  }

  // Sends a request and waits up to `timeout` for its reply, which must be an R.
  template <class R, class T, class... Ts>
  absl::StatusOr<R> request(Pid to, absl::Duration timeout, T&& value, Ts&&... more) {
    const uint64_t id = ++last_correlation_id_;
    (void)deliver(to, make_element<message_type_t<T, Ts...>>(pid(), MessageKind::kRequest, id,
                                                             std::forward<T>(value),
                                                             std::forward<Ts>(more)...));
    absl::StatusOr<ElementPtr> reply = await_reply(id, to, timeout);
    if (!reply.ok()) return reply.status();
    if (ErrorReply* error = (*reply)->get_if<ErrorReply>()) return std::move(error->status);
    if (R* value = (*reply)->get_if<R>()) return std::move(*value);
    return absl::InvalidArgumentError(absl::StrCat("reply from ", to.to_string(),
                                                   " has an unexpected type (",
                                                   demangled_name((*reply)->type()), ")"));
  }

  // Messages fetched and waiting (set aside by earlier receives, or not looked at yet).
  size_t queued_messages() const noexcept { return cache_.size(); }

  // Runs the actor's body on the current thread and stops the actor when it is done.
  template <class Body>
  void run(Body&& body) {
    std::optional<ExitReason> stop = bossa::run_guarded([&] { body(*this); });
    finish(stop ? *stop : stopped_by_.value_or(ExitReason::normal()));
  }

  // Stops the actor with `reason` (for ScopedActor, whose thread is not the actor's own).
  void finish(const ExitReason& reason);

  // The reason an exit signal stopped this actor with, once one has (every later blocking call
  // throws ActorExit again, or returns Cancelled again).
  const std::optional<ExitReason>& stopped_by() const noexcept { return stopped_by_; }

 protected:
  void wake() override;
  absl::Status signals_while_sending() override;

 private:
  enum class Scanned { kTaken, kTimedOut, kStopped };
  // Scans waiting messages in order, applying exit signals, until `take` accepts one (kTaken),
  // the deadline passes (kTimedOut) or an exit signal has stopped the actor (kStopped, or
  // ActorExit thrown when unwinding). Elements `take` rejects stay waiting, in order, unless it
  // took them over (left the pointer null).
  Scanned scan(absl::FunctionRef<bool(ElementPtr&)> take, absl::Time deadline);
  // Records that an exit signal stopped the actor (if none had) and reports it as OnStop says.
  Scanned stop_by_signal(ExitReason reason);
  // What a blocking call of a stopped ScopedActor returns: Cancelled, naming the reason.
  absl::Status stopped_status() const;
  // Waits for the reply to request `correlation_id` sent to `target`; a request given up on
  // (timed out, or an exit signal stopped the actor meanwhile) is abandoned.
  absl::StatusOr<ElementPtr> await_reply(uint64_t correlation_id, Pid target,
                                         absl::Duration timeout);
  // Answers the request being handled, if any, with Aborted: its handler is failing with reason.
  void fail_current_request(const ExitReason& reason);
  // Polls for mail up to the runtime's busy_wait, then sleeps until a message arrives (true) or
  // the deadline passes (false).
  bool wait_for_mail(absl::Time deadline);

  const OnStop on_stop_;
  uint64_t last_correlation_id_ = 0;
  ElementQueue cache_;
  std::optional<ExitReason> stopped_by_;
  Mutex wait_mutex_;
  CondVar mail_arrived_;
};

// Makes the current thread an actor for the lifetime of this object: for tests, main() and
// command-line tools that talk to actors. Stops the actor (reason normal) on destruction. Its
// blocking calls never throw: once the runtime stops (or one made after it stopped) or an exit
// signal kills it, they return Cancelled ("the runtime stopped", "killed", ...).
class ScopedActor {
 public:
  explicit ScopedActor(Runtime& runtime);
  ScopedActor(const ScopedActor&) = delete;
  ScopedActor& operator=(const ScopedActor&) = delete;
  ~ScopedActor();

  ThreadedActor* operator->() const noexcept { return actor_.get(); }
  ThreadedActor& operator*() const noexcept { return *actor_; }
  Pid pid() const noexcept { return actor_->pid(); }

 private:
  boost::intrusive_ptr<ThreadedActor> actor_;
};

}  // namespace bossa
