#include "runtime/behaviours/supervisor.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/demangle.h"
#include "runtime/behaviours/restart_intensity.h"

namespace bossa {
namespace {

bool is_orderly(const ExitReason& reason) {
  return reason.is_normal() || reason.kind() == ExitReason::Kind::kShutdown;
}

ErrorReply error_reply(absl::Status status) {
  return ErrorReply{std::move(status)};
}

// A supervisor's behavior between stops: `known` handles what it knows; anything else is taken
// and dropped (a request fails at once), so that nothing piles up in the supervisor's mailbox.
class TakeAll final : public Behavior::Matcher {
 public:
  explicit TakeAll(Behavior known) : known_(std::move(known)) {}
  bool invoke(MailboxElement& e, ReplySink& sink) override {
    if (!known_.invoke(e, sink) && e.kind == MessageKind::kRequest) {
      sink.reply_with(make_element<ErrorReply>(
          Pid{}, MessageKind::kReply, 0,
          error_reply(absl::InvalidArgumentError(
              absl::StrCat("a supervisor does not answer ", demangled_name(e.type()))))));
    }
    return true;
  }
  std::optional<absl::Duration> timeout() const override { return std::nullopt; }
  void handle_timeout() override {}

 private:
  Behavior known_;
};

// One supervisor's state and its coroutine. Requests and exit signals are handled as they come;
// what needs waiting (stopping children) is queued in stopping_ and done by the coroutine, which
// then runs then_.
class Supervisor {
 public:
  Supervisor(SupervisorSpec spec, Pid parent)
      : strategy_(spec.strategy),
        intensity_(spec.max_restarts, spec.period),
        parent_(parent),
        specs_(std::move(spec.children)) {}

  // Set before the coroutine first suspends: why the initial children could not all start.
  const absl::Status& init_status() const noexcept { return init_status_; }

  ActorTask run(CoroutineActor& self);

 private:
  struct Child {
    ChildSpec spec;
    Pid pid;  // zero when not running
  };
  struct StopOrder {
    Pid pid;
    absl::Duration timeout;
  };

  // What the supervisor handles between stops: exit signals and requests.
  Behavior commands();
  Child* find(std::string_view id);
  Child* find(Pid pid);
  void erase(std::string_view id);
  absl::Status start(Child& child);
  // Queues the orderly stop of a running child; it counts as stopped from now on.
  void queue_stop(Child& child);
  // Stops every child, last started first, then the supervisor itself with `reason`.
  void shut_down(ExitReason reason);
  // Starts the children `ids` in order, retrying within the restart budget.
  void restart(const std::vector<std::string>& ids);
  void on_exit(const ExitMsg& exit);
  void on_child_exit(Child& child, const ExitReason& reason);

  // Requests.
  void start_child(StartChild& request);
  void terminate_child(const TerminateChild& request);
  void restart_child(const RestartChild& request);
  void delete_child(const DeleteChild& request);
  std::vector<ChildInfo> which_children() const;

  CoroutineActor* self_ = nullptr;
  const RestartStrategy strategy_;
  RestartIntensity intensity_;
  const Pid parent_;
  std::vector<ChildSpec> specs_;     // until run() starts them
  std::vector<Child> children_;      // in start order
  std::vector<StopOrder> stopping_;  // stopped from the back
  std::function<void()> then_;       // runs once stopping_ is done
  absl::Status init_status_;
};

ActorTask Supervisor::run(CoroutineActor& self) {
  self_ = &self;
  self.trap_exit(true);
  for (ChildSpec& spec : specs_) {
    children_.push_back(Child{std::move(spec), Pid{}});
    init_status_ = start(children_.back());
    if (!init_status_.ok()) {
      children_.pop_back();
      shut_down(ExitReason::error(std::string(init_status_.message())));
      break;
    }
  }
  specs_.clear();
  for (;;) {
    while (!stopping_.empty()) {
      const StopOrder order = stopping_.back();
      stopping_.pop_back();
      self.unlink(order.pid);  // its exit signal, if still queued, is void now
      const MonitorRef ref = self.monitor(order.pid);
      bool killed = order.timeout == kBrutalKill;
      self.exit(order.pid, killed ? ExitReason::kill() : ExitReason::shutdown());
      const absl::Time deadline = absl::Now() + order.timeout;
      bool down = false;
      auto on_down = [&down, ref](const DownMsg& msg) { down = down || msg.ref == ref; };
      while (!down) {
        if (killed || order.timeout == absl::InfiniteDuration()) {
          (void)co_await self.receive(on_down);
          continue;
        }
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) {
          self.exit(order.pid, ExitReason::kill());
          killed = true;
          continue;
        }
        (void)co_await self.receive(on_down, after(left, [] {}));
      }
    }
    if (then_) {
      std::exchange(then_, nullptr)();
      continue;
    }
    (void)co_await self.receive(commands());
  }
}

Behavior Supervisor::commands() {
  return Behavior(std::unique_ptr<Behavior::Matcher>(std::make_unique<TakeAll>(
      Behavior([this](const ExitMsg& exit) { on_exit(exit); },
               [this](StartChild& request) { start_child(request); },
               [this](const TerminateChild& request) { terminate_child(request); },
               [this](const RestartChild& request) { restart_child(request); },
               [this](const DeleteChild& request) { delete_child(request); },
               [this](const WhichChildren&) { return which_children(); }))));
}

Supervisor::Child* Supervisor::find(std::string_view id) {
  for (Child& child : children_) {
    if (child.spec.id == id) return &child;
  }
  return nullptr;
}

Supervisor::Child* Supervisor::find(Pid pid) {
  if (!pid.valid()) return nullptr;
  for (Child& child : children_) {
    if (child.pid == pid) return &child;
  }
  return nullptr;
}

void Supervisor::erase(std::string_view id) {
  std::erase_if(children_, [id](const Child& child) { return child.spec.id == id; });
}

absl::Status Supervisor::start(Child& child) {
  absl::StatusOr<Pid> pid;
  try {
    pid = child.spec.start
              ? child.spec.start(self_->runtime(), SpawnOptions{.link_to = self_->pid()})
              : absl::InvalidArgumentError("the child spec has no start function");
  } catch (...) {
    pid = absl::AbortedError(exit_reason_of_current_exception().to_string());
  }
  if (pid.ok() && !pid->valid()) pid = absl::UnavailableError("the runtime is shutting down");
  if (!pid.ok()) {
    return absl::Status(
        pid.status().code(),
        absl::StrCat("supervisor ", self_->pid().to_string(), " could not start child \"",
                     child.spec.id, "\": ", pid.status().message()));
  }
  self_->link(*pid);
  child.pid = *pid;
  return absl::OkStatus();
}

void Supervisor::queue_stop(Child& child) {
  stopping_.push_back(StopOrder{std::exchange(child.pid, Pid{}), child.spec.shutdown});
}

void Supervisor::shut_down(ExitReason reason) {
  stopping_.clear();
  for (Child& child : children_) {
    if (child.pid.valid()) queue_stop(child);
  }
  then_ = [this, reason = std::move(reason)] { self_->exit(reason); };
}

void Supervisor::restart(const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    Child* child = find(id);
    if (child == nullptr || child->pid.valid()) continue;
    while (!start(*child).ok()) {
      if (!intensity_.allow(absl::Now())) {
        shut_down(reached_max_restart_intensity());
        return;
      }
    }
  }
}

void Supervisor::on_exit(const ExitMsg& exit) {
  if (Child* child = find(exit.from)) {
    on_child_exit(*child, exit.reason);
    return;
  }
  // Not a child: an order to stop, as it would be for an actor that does not trap exits.
  if (exit.from == parent_ || !exit.from.valid() || !exit.reason.is_normal()) {
    shut_down(exit.reason);
  }
}

void Supervisor::on_child_exit(Child& child, const ExitReason& reason) {
  child.pid = Pid{};
  const RestartType type = child.spec.restart;
  if (type == RestartType::kTemporary) {
    erase(child.spec.id);
    return;
  }
  if (type == RestartType::kTransient && is_orderly(reason)) return;
  if (!intensity_.allow(absl::Now())) {
    shut_down(reached_max_restart_intensity());
    return;
  }
  // The failed child and those that go with it, in start order; temporary ones are dropped.
  const size_t failed = static_cast<size_t>(&child - children_.data());
  size_t first = failed;
  size_t last = failed + 1;
  if (strategy_ == RestartStrategy::kOneForAll) first = 0;
  if (strategy_ != RestartStrategy::kOneForOne) last = children_.size();
  std::vector<std::string> ids;
  std::vector<std::string> dropped;
  for (size_t i = first; i < last; ++i) {
    Child& c = children_[i];
    if (i != failed && c.pid.valid()) queue_stop(c);
    if (i != failed && c.spec.restart == RestartType::kTemporary) {
      dropped.push_back(c.spec.id);
    } else {
      ids.push_back(c.spec.id);
    }
  }
  for (const std::string& id : dropped) erase(id);
  if (stopping_.empty()) {
    restart(ids);
  } else {
    then_ = [this, ids = std::move(ids)] { restart(ids); };
  }
}

void Supervisor::start_child(StartChild& request) {
  if (find(request.spec.id) != nullptr) {
    self_->reply(error_reply(
        absl::AlreadyExistsError(absl::StrCat("supervisor ", self_->pid().to_string(),
                                              " already has a child \"", request.spec.id, "\""))));
    return;
  }
  children_.push_back(Child{std::move(request.spec), Pid{}});
  if (absl::Status started = start(children_.back()); !started.ok()) {
    children_.pop_back();
    self_->reply(error_reply(std::move(started)));
    return;
  }
  self_->reply(children_.back().pid);
}

void Supervisor::terminate_child(const TerminateChild& request) {
  Child* child = find(request.id);
  if (child == nullptr) {
    self_->reply(error_reply(absl::NotFoundError(absl::StrCat(
        "supervisor ", self_->pid().to_string(), " has no child \"", request.id, "\""))));
    return;
  }
  const bool temporary = child->spec.restart == RestartType::kTemporary;
  if (!child->pid.valid()) {
    if (temporary) erase(request.id);
    self_->reply(Ack{});
    return;
  }
  queue_stop(*child);
  then_ = [this, id = request.id, temporary, promise = self_->make_response_promise()]() mutable {
    if (temporary) erase(id);
    promise.deliver(Ack{});
  };
}

void Supervisor::restart_child(const RestartChild& request) {
  Child* child = find(request.id);
  if (child == nullptr || child->pid.valid()) {
    const std::string why = child == nullptr ? "has no child" : "is already running child";
    self_->reply(error_reply(absl::Status(
        child == nullptr ? absl::StatusCode::kNotFound : absl::StatusCode::kFailedPrecondition,
        absl::StrCat("supervisor ", self_->pid().to_string(), " ", why, " \"", request.id, "\""))));
    return;
  }
  if (absl::Status started = start(*child); !started.ok()) {
    self_->reply(error_reply(std::move(started)));
    return;
  }
  self_->reply(child->pid);
}

void Supervisor::delete_child(const DeleteChild& request) {
  Child* child = find(request.id);
  if (child == nullptr || child->pid.valid()) {
    const std::string why = child == nullptr ? "has no child" : "cannot delete running child";
    self_->reply(error_reply(absl::Status(
        child == nullptr ? absl::StatusCode::kNotFound : absl::StatusCode::kFailedPrecondition,
        absl::StrCat("supervisor ", self_->pid().to_string(), " ", why, " \"", request.id, "\""))));
    return;
  }
  erase(request.id);
  self_->reply(Ack{});
}

std::vector<ChildInfo> Supervisor::which_children() const {
  std::vector<ChildInfo> infos;
  infos.reserve(children_.size());
  for (const Child& child : children_) {
    infos.push_back(ChildInfo{child.spec.id, child.pid, child.spec.type, child.spec.restart});
  }
  return infos;
}

}  // namespace

ExitReason reached_max_restart_intensity() {
  return ExitReason::shutdown("reached_max_restart_intensity");
}

absl::StatusOr<Pid> start_supervisor(Runtime& runtime, SupervisorSpec spec, SpawnOptions options) {
  auto supervisor = std::make_shared<Supervisor>(std::move(spec), options.link_to);
  const Pid pid = runtime.spawn_coroutine(
      [supervisor](CoroutineActor& self) -> ActorTask { return supervisor->run(self); }, options);
  if (!supervisor->init_status().ok()) return supervisor->init_status();
  if (!pid.valid()) return absl::UnavailableError("start_supervisor: the runtime is shutting down");
  return pid;
}

}  // namespace bossa
