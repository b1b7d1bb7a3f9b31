#include "runtime/behaviours/fsm.h"

#include "base/demangle.h"

namespace bossa {
namespace {

// The tick of a state timeout; stale once the generation moved on.
struct StateTimeoutTick {
  uint64_t generation;
};

// Takes the Transition a handler returns; passes any other returned value on as the reply.
class TransitionSink final : public ReplySink {
 public:
  explicit TransitionSink(ReplySink& actor) : actor_(actor) {}
  void reply_with(ElementPtr reply) override {
    if (Transition* t = reply->get_if<Transition>()) {
      transition_.emplace(std::move(*t));
    } else {
      actor_.reply_with(std::move(reply));
    }
  }
  std::optional<Transition>& transition() noexcept { return transition_; }

 private:
  ReplySink& actor_;
  std::optional<Transition> transition_;
};

}  // namespace

class Fsm::Matcher final : public Behavior::Matcher {
 public:
  explicit Matcher(std::shared_ptr<Fsm> fsm) : fsm_(std::move(fsm)) {}
  bool invoke(MailboxElement& e, ReplySink& sink) override { return fsm_->handle(e, sink); }
  std::optional<absl::Duration> timeout() const override { return std::nullopt; }
  void handle_timeout() override {}

 private:
  std::shared_ptr<Fsm> fsm_;
};

absl::Status Fsm::start(FsmSpec spec) {
  spec_ = std::move(spec);
  auto it = spec_.states_.find(spec_.initial_);
  if (it == spec_.states_.end()) {
    return absl::InvalidArgumentError(absl::StrCat("fsm ", pid().to_string(), ": initial state \"",
                                                   spec_.initial_, "\" is not declared"));
  }
  state_ = spec_.initial_;
  handlers_ = &it->second;
  actor_.trap_exit(spec_.trap_exit_);
  if (spec_.initial_timeout_ != absl::InfiniteDuration()) arm_state_timeout(spec_.initial_timeout_);
  actor_.become(
      Behavior(std::unique_ptr<Behavior::Matcher>(std::make_unique<Matcher>(shared_from_this()))));
  return absl::OkStatus();
}

bool Fsm::handle(MailboxElement& e, ReplySink& sink) {
  try {
    if (const StateTimeoutTick* tick = e.get_if<StateTimeoutTick>()) {
      if (tick->generation != timeout_generation_) return true;  // stale
      timeout_timer_ = 0;
      ElementPtr event =
          make_element<StateTimeout>(pid(), MessageKind::kUser, 0, StateTimeout{state_});
      run_handlers(*event, sink);  // a state that ignores its own timeout drops it
      return true;
    }
    if (const ExitMsg* exit = e.get_if<ExitMsg>();
        exit != nullptr && (exit->from == parent_ || !exit->from.valid())) {
      stop(exit->reason);
    }
    if (!run_handlers(e, sink)) return false;  // postponed until the state changes
    if (e.kind == MessageKind::kRequest) {
      sink.reply_with(make_element<ErrorReply>(
          Pid{}, MessageKind::kReply, 0,
          ErrorReply{absl::FailedPreconditionError(absl::StrCat(
              "fsm ", pid().to_string(), " in state \"", state_, "\": the handler for ",
              demangled_name(e.type()), " neither replied nor deferred its reply"))}));
    }
    return true;
  } catch (...) {
    if (!stopping_ && spec_.terminate_) {
      spec_.terminate_(exit_reason_of_current_exception(), state_);
    }
    throw;
  }
}

bool Fsm::run_handlers(MailboxElement& e, ReplySink& sink) {
  TransitionSink transitions(sink);
  if (!handlers_->invoke(e, transitions) && !spec_.any_state_.invoke(e, transitions)) {
    return false;
  }
  apply(transitions.transition().value_or(Transition::ignore()));
  return true;
}

void Fsm::apply(const Transition& transition) {
  switch (transition.kind()) {
    case Transition::Kind::kStop:
      stop(transition.reason());
    case Transition::Kind::kNext:
      if (transition.state() != state_) {
        auto it = spec_.states_.find(transition.state());
        if (it == spec_.states_.end()) {
          stop(ExitReason::error(absl::StrCat("fsm transition from \"", state_,
                                              "\" to undeclared state \"", transition.state(),
                                              "\"")));
        }
        state_ = transition.state();
        handlers_ = &it->second;
        ++timeout_generation_;  // a state change cancels the state timeout
        if (timeout_timer_ != 0) actor_.cancel_timer(std::exchange(timeout_timer_, 0));
        // A new behavior offers the postponed events again.
        actor_.become(Behavior(
            std::unique_ptr<Behavior::Matcher>(std::make_unique<Matcher>(shared_from_this()))));
      }
      break;
    case Transition::Kind::kIgnore:
      break;
  }
  if (transition.timeout()) arm_state_timeout(*transition.timeout());
}

void Fsm::arm_state_timeout(absl::Duration timeout) {
  ++timeout_generation_;
  if (timeout_timer_ != 0) actor_.cancel_timer(std::exchange(timeout_timer_, 0));
  timeout_timer_ = actor_.send_after(timeout, pid(), StateTimeoutTick{timeout_generation_});
}

void Fsm::stop(const ExitReason& reason) {
  stopping_ = true;
  if (spec_.terminate_) spec_.terminate_(reason, state_);
  actor_.exit(reason);
}

}  // namespace bossa
