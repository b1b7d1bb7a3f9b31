// ScheduledActor: an actor that the scheduler runs when it has messages (the base of evented and
// coroutine actors).
//
// It handles messages in mailbox order against its current behavior. A message that the behavior
// does not match is set aside, in order, and offered again first whenever the behavior changes
// (selective receive). Exit signals, replies and timer ticks are handled whatever the behavior.
// Requests made with request(...).then(...) are answered by their reply, an ErrorReply, or a
// DeadlineExceeded timeout, whichever comes first.
//
// Thread-safety: everything but Actor's any-thread methods runs on the scheduler worker that
// currently resumes the actor, one at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runtime/actor.h"
#include "runtime/resumable.h"

namespace bossa {

class ScheduledActor : public Actor, public Resumable {
 public:
  // A request on its way; then() says what to do with its outcome.
  class [[nodiscard]] PendingRequest {
   public:
    // on_reply takes the reply's type (by value or reference); on_error takes an absl::Status.
    template <class OnReply, class OnError>
    void then(OnReply on_reply, OnError on_error) &&;
    // The same for a reply of any type: on_reply(MailboxElement&) sees the reply element, whose
    // type it reads (as a gateway that forwards replies does); an ErrorReply still goes to
    // on_error.
    void then_any(std::function<void(MailboxElement&)> on_reply,
                  std::function<void(absl::Status)> on_error) &&;

   private:
    friend class ScheduledActor;
    PendingRequest(ScheduledActor& self, uint64_t id) : self_(self), id_(id) {}
    ScheduledActor& self_;
    uint64_t id_;
  };

  // Replaces the behavior once the current handler returns; set-aside messages are offered again.
  void become(Behavior behavior);

  // Sends a request; its outcome goes to the handlers given to then(). A request never answered
  // fails with DeadlineExceeded after `timeout`.
  template <class T, class... Ts>
  [[nodiscard]] PendingRequest request(Pid to, absl::Duration timeout, T&& value, Ts&&... more) {
    return start_request(
        to, timeout,
        make_element<message_type_t<T, Ts...>>(pid(), MessageKind::kRequest, 0,
                                               std::forward<T>(value), std::forward<Ts>(more)...));
  }

  // Sends `message` as a request (its kind and correlation id are set here). Call then() before
  // the current handler returns or the coroutine next suspends: a reply handled earlier finds
  // nobody waiting and becomes a dead letter.
  [[nodiscard]] PendingRequest start_request(Pid to, absl::Duration timeout, ElementPtr message);

  // What Resumable::resume does.
  ResumeResult run(size_t max_messages);

  // Messages fetched and waiting: in the reader queue and set aside (mailbox_depth() counts what
  // was not fetched yet too). Actor code only.
  size_t queued_messages() const noexcept { return cache_.size() + stashed(); }

 protected:
  ScheduledActor(Runtime& runtime, Pid pid) : Actor(runtime, pid) {}

  // True when the actor's code has finished and it should stop with finished_reason().
  virtual bool finished() const = 0;
  virtual ExitReason finished_reason() const { return ExitReason::normal(); }
  // Frees what the actor's code holds, once it has stopped.
  virtual void release_state() {}

  void wake() override;

  // Starts the actor: runs `start` (which sets the first behavior) on the spawning thread, then
  // lets messages wake the actor.
  template <class Start>
  void launch(Start&& start);
  // In `start` only: makes `behavior` the first one at once (a become() made before is dropped),
  // without the hand-over that become() needs while a handler runs.
  void become_first(Behavior behavior);

  bool behavior_empty() const noexcept { return behavior_.empty(); }

 private:
  struct Pending {
    Pid target;          // who was asked
    TypeTag reply_type;  // nullptr: any
    std::function<void(MailboxElement&)> on_reply;
    std::function<void(absl::Status)> on_error;
    TimerId timer = 0;
  };

  // Handles one element; returns the reason to stop, if it stops the actor.
  std::optional<ExitReason> handle(ElementPtr element);
  void handle_reply(ElementPtr& reply);
  void handle_timeout(MailboxElement& tick);
  void apply_pending_behavior();
  void arm_behavior_timeout();
  void finish(const ExitReason& reason);
  // Stops the actor from inside resume(), with the reference that kDone hands the scheduler.
  ResumeResult done(const ExitReason& reason);
  // After start: wakes the actor if messages arrived meanwhile, else lets it sleep.
  void launched();

  size_t stashed() const noexcept { return extras_ != nullptr ? extras_->stash.size() : 0; }
  // Offers the set-aside messages again, first.
  void unstash();

  ElementQueue cache_;  // fetched from the mailbox, not yet handled
  Behavior behavior_;
  std::unique_ptr<Behavior> next_behavior_;  // set by become() during a handler
  // What few actors use, allocated on first use: most actors never set a message aside, make a
  // request or wait with a deadline.
  struct Extras {
    ElementQueue stash;  // not matched by the current behavior, in arrival order
    absl::flat_hash_map<uint64_t, Pending> requests;  // by correlation id
    uint64_t last_correlation_id = 0;
    uint64_t behavior_generation = 0;  // invalidates stale after() ticks
    TimerId behavior_timer = 0;        // the pending after() tick, if any
  };
  Extras& extras();
  std::unique_ptr<Extras> extras_;
};

// Tick payloads of the runtime's own timers.
struct BehaviorTimeoutTick {
  uint64_t generation;
};
struct RequestTimeoutTick {};

template <class Start>
void ScheduledActor::launch(Start&& start) {
  if (std::optional<ExitReason> stop = run_guarded(std::forward<Start>(start))) {
    finish(*stop);
    return;
  }
  launched();
}

template <class OnReply, class OnError>
void ScheduledActor::PendingRequest::then(OnReply on_reply, OnError on_error) && {
  using Reply = typename callable_traits<OnReply>::message_type;
  auto& requests = self_.extras().requests;
  auto it = requests.find(id_);
  if (it == requests.end()) return;  // already timed out
  it->second.reply_type = type_tag_of<Reply>();
  it->second.on_reply = [handler = std::move(on_reply)](MailboxElement& reply) mutable {
    detail::call_with_payload(handler, reply);
  };
  it->second.on_error = std::move(on_error);
}

}  // namespace bossa
