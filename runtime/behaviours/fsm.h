// Fsm: gen_statem for bossa. An actor that is in one named state at a time and handles each event
// with the handlers of that state, which say what comes next: a transition to a state, ignore
// (stay, the event consumed), or stop (Jobim's next-transition / ignore / stop).
//
//   absl::StatusOr<Pid> door = spawn_fsm(runtime, [](Fsm& self) {
//     FsmSpec spec("locked");
//     spec.state("locked", {[](const Unlock&) { return Transition::next("open"); }})
//         .state("open", {[&self](const Query&) { self.reply(std::string("open")); }});
//     return spec;
//   });
//
// An event no handler of the state nor any_state takes is postponed until the fsm enters another
// state. docs/behaviours.md gives every rule (calls, state timeouts, stopping).
// Thread-safety: handlers, terminate and the Fsm methods run on the fsm's own actor.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "runtime/runtime.h"

namespace bossa {

// What an event handler decides.
class Transition {
 public:
  enum class Kind { kNext, kIgnore, kStop };

  // Go to `state` (which must be declared).
  static Transition next(std::string state) { return Transition(Kind::kNext, std::move(state)); }
  // Stay in the current state; the event is consumed.
  static Transition ignore() { return Transition(Kind::kIgnore, {}); }
  // Stop the fsm with `reason`.
  static Transition stop(ExitReason reason = ExitReason::normal()) {
    Transition t(Kind::kStop, {});
    t.reason_ = std::move(reason);
    return t;
  }

  // (Re)starts the state timeout: StateTimeout is delivered after `timeout` unless the state
  // changes first.
  Transition&& state_timeout(absl::Duration timeout) && {
    timeout_ = timeout;
    return std::move(*this);
  }

  Kind kind() const noexcept { return kind_; }
  const std::string& state() const noexcept { return state_; }
  const ExitReason& reason() const noexcept { return reason_; }
  const std::optional<absl::Duration>& timeout() const noexcept { return timeout_; }

 private:
  Transition(Kind kind, std::string state) : kind_(kind), state_(std::move(state)) {}

  Kind kind_;
  std::string state_;
  ExitReason reason_;
  std::optional<absl::Duration> timeout_;
};

// The event a state timeout delivers; `state` is the state it was set for.
struct StateTimeout {
  std::string state;
};

// The states of an fsm and what it starts in.
class FsmSpec {
 public:
  // Starts in `initial_state`, with a state timeout if `initial_timeout` is finite.
  explicit FsmSpec(std::string initial_state,
                   absl::Duration initial_timeout = absl::InfiniteDuration())
      : initial_(std::move(initial_state)), initial_timeout_(initial_timeout) {}

  // Declares a state and its event handlers (each returns a Transition, void or a reply).
  FsmSpec& state(std::string name, Behavior handlers) {
    states_.insert_or_assign(std::move(name), std::move(handlers));
    return *this;
  }
  // Handlers for events that the current state does not handle.
  FsmSpec& any_state(Behavior handlers) {
    any_state_ = std::move(handlers);
    return *this;
  }
  FsmSpec& on_terminate(std::function<void(const ExitReason&, const std::string& state)> f) {
    terminate_ = std::move(f);
    return *this;
  }
  // Exit signals arrive as ExitMsg events; one from the parent or the runtime stops the fsm.
  FsmSpec& trap_exit(bool on) {
    trap_exit_ = on;
    return *this;
  }

 private:
  friend class Fsm;
  std::string initial_;
  absl::Duration initial_timeout_;
  absl::flat_hash_map<std::string, Behavior> states_;
  Behavior any_state_;
  std::function<void(const ExitReason&, const std::string&)> terminate_;
  bool trap_exit_ = false;
};

// The running fsm, as its handlers see it.
class Fsm : public std::enable_shared_from_this<Fsm> {
 public:
  Fsm(EventedActor& actor, Pid parent) : actor_(actor), parent_(parent) {}
  Fsm(const Fsm&) = delete;
  Fsm& operator=(const Fsm&) = delete;

  EventedActor& actor() const noexcept { return actor_; }
  Pid pid() const noexcept { return actor_.pid(); }
  const std::string& state() const noexcept { return state_; }

  // Answers the call being handled now.
  template <class T>
  void reply(T&& value) {
    actor_.reply(std::forward<T>(value));
  }
  // In a call handler: the reply comes later, through the promise.
  ResponsePromise defer() { return actor_.make_response_promise(); }

  // Takes `spec` and enters its initial state (this Fsm must be owned by a shared_ptr);
  // InvalidArgument if the initial state is not declared. Used by spawn_fsm.
  absl::Status start(FsmSpec spec);

 private:
  class Matcher;

  // Handles one event; false if postponed.
  bool handle(MailboxElement& e, ReplySink& sink);
  // Runs the handlers of the current state, then the any_state ones; false if none matched.
  bool run_handlers(MailboxElement& e, ReplySink& sink);
  void apply(const Transition& transition);
  void arm_state_timeout(absl::Duration timeout);
  [[noreturn]] void stop(const ExitReason& reason);

  EventedActor& actor_;
  const Pid parent_;
  FsmSpec spec_{""};
  std::string state_;
  Behavior* handlers_ = nullptr;  // of state_
  uint64_t timeout_generation_ = 0;
  TimerId timeout_timer_ = 0;
  bool stopping_ = false;  // stop() ran terminate
};

// Spawns an evented fsm: init (FsmSpec(Fsm&)) runs before this returns, and its handlers may keep
// references to the Fsm. Aborted if init throws, InvalidArgument if the initial state is not
// declared (the actor then stops); Unavailable if the runtime is shutting down.
template <class Init>
absl::StatusOr<Pid> spawn_fsm(Runtime& runtime, Init&& init, SpawnOptions options = {}) {
  absl::Status failed;
  const Pid parent = options.link_to;
  const Pid pid = runtime.spawn(
      [&init, &failed, parent](EventedActor& actor) {
        auto fsm = std::make_shared<Fsm>(actor, parent);
        try {
          failed = fsm->start(init(*fsm));
        } catch (...) {
          failed = absl::AbortedError(
              absl::StrCat("fsm init failed: ", exit_reason_of_current_exception().to_string()));
          throw;
        }
        if (!failed.ok()) actor.exit(ExitReason::error(std::string(failed.message())));
      },
      options);
  if (!failed.ok()) return failed;
  if (!pid.valid()) return absl::UnavailableError("spawn_fsm: the runtime is shutting down");
  return pid;
}

}  // namespace bossa
