#include "runtime/actor.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "runtime/runtime.h"

namespace bossa {

ExitReason exit_reason_of_current_exception() {
  try {
    throw;
  } catch (ActorExit& e) {
    return std::move(e.reason);
  } catch (const std::exception& e) {
    return ExitReason::error(e.what());
  } catch (...) {
    return ExitReason::error("unknown exception");
  }
}

Actor::Actor(Runtime& runtime, Pid pid) : serial_(pid.serial), node_(pid.node), runtime_(runtime) {}

Actor::~Actor() = default;

bool Actor::taken(Mailbox::PushResult pushed) {
  switch (pushed) {
    case Mailbox::PushResult::kQueued:
      return true;
    case Mailbox::PushResult::kReaderWasBlocked:
      wake();
      return true;
    case Mailbox::PushResult::kClosed:
      break;
  }
  return false;
}

namespace {

constexpr std::string_view kMailboxFull = "mailbox full";
constexpr std::string_view kStopped = "the actor has stopped";

bool is_signal(const MailboxElement& element) {
  return element.kind == MessageKind::kExit || element.kind == MessageKind::kLinkExit;
}

// exit(pid, kill), which nothing can trap.
bool is_kill(MailboxElement& element) {
  const ExitMsg* exit = element.get_if<ExitMsg>();
  return element.kind == MessageKind::kExit && exit != nullptr &&
         exit->reason.kind() == ExitReason::Kind::kKill;
}

// The messages a handler running on this thread gathered for one actor (Actor::HandlerSends).
struct Gathered {
  Actor* sender = nullptr;  // whose handler gathered them
  Actor* target = nullptr;  // the sender's cached target
  ElementRun run;
};
thread_local Gathered gathered;

// Set once by a call_when_room callback; waited for by a blocked sender.
class RoomSignal {
 public:
  void notify() {
    MutexLock lock(mutex_);
    ready_ = true;
    room_.notify_all();
  }
  // True once notified; false if `timeout` passed first.
  bool wait_for(absl::Duration timeout) {
    MutexLock lock(mutex_);
    return room_.wait_for(mutex_, absl::ToChronoNanoseconds(timeout),
                          [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return ready_; });
  }

 private:
  Mutex mutex_;
  CondVar room_;
  bool ready_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace

bool Actor::urgent(MailboxElement& element) const noexcept {
  // A signal that a trapping actor turns into a message keeps its place among the messages (its
  // sender's order); one that stops the actor acts before them.
  return is_signal(element) && (!trap_exit_.load(std::memory_order_relaxed) || is_kill(element));
}

void Actor::stopped_letter(ElementPtr element) {
  runtime_.dead_letter(pid(), std::move(element), kStopped);
}

absl::Status Actor::push(ElementPtr element, Actor* sender, bool may_block, bool& stopped) {
  if (mailbox_.full_for(*element)) [[unlikely]] {
    absl::Status status = push_to_full(std::move(element), sender, may_block);
    stopped = mailbox_.closed();
    return status;
  }
  stopped = !taken(urgent(*element) ? mailbox_.push_urgent(element) : mailbox_.push(element));
  if (stopped) stopped_letter(std::move(element));
  return absl::OkStatus();
}

absl::Status Actor::push_to_full(ElementPtr element, Actor* sender, bool may_block) {
  // An actor waiting for room in its own mailbox would wait for itself.
  if (mailbox_.limit().policy == OverflowPolicy::kBlock && may_block && sender != this) {
    return wait_for_room(std::move(element), sender);
  }
  return refuse(std::move(element));
}

absl::Status Actor::wait_for_room(ElementPtr element, Actor* sender) {
  while (mailbox_.full_for(*element) && !mailbox_.closed()) {
    auto room = std::make_shared<RoomSignal>();
    mailbox_.call_when_room([room] { room->notify(); });
    while (!room->wait_for(kRoomPollInterval)) {
      if (runtime_.stopping()) return refuse(std::move(element));
      // In case the reader missed our callback: the same mark as the callback's, so that a
      // waiter does not leave one behind every time the depth dips below the capacity.
      if (mailbox_.depth() <= mailbox_.limit().low_water()) break;
      if (sender == nullptr) continue;
      absl::Status go_on;
      try {
        go_on = sender->signals_while_sending();
      } catch (...) {
        runtime_.dead_letter(pid(), std::move(element), kMailboxFull);
        throw;
      }
      if (!go_on.ok()) {
        runtime_.dead_letter(pid(), std::move(element), kMailboxFull);
        return go_on;
      }
    }
  }
  if (!taken(mailbox_.push(element))) stopped_letter(std::move(element));
  return absl::OkStatus();
}

absl::Status Actor::refuse(ElementPtr element) {
  if (mailbox_.closed()) {
    stopped_letter(std::move(element));
    return absl::OkStatus();
  }
  runtime_.dead_letter(pid(), std::move(element), kMailboxFull);
  const MailboxLimit& limit = mailbox_.limit();
  if (limit.policy == OverflowPolicy::kDropNewest) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "mailbox full: ", pid().to_string(), " holds its capacity of ", limit.capacity, " messages"));
}

bool Actor::enqueue(ElementPtr element) {
  bool stopped = false;
  (void)push(std::move(element), nullptr, false, stopped);
  return !stopped;
}

bool Actor::enqueue(ElementRun& run) {
  if (!mailbox_.limit().bounded() || mailbox_.depth() < mailbox_.limit().capacity) {
    if (taken(mailbox_.push(run))) return true;
  }
  // Full, or stopped: one by one, so that what must get in does.
  ElementQueue elements;
  run.move_to(elements);
  bool stopped = false;
  while (ElementPtr element = elements.pop_front()) {
    (void)push(std::move(element), nullptr, false, stopped);
  }
  return !stopped;
}

bool Actor::enqueue_admitted(ElementRun& run) {
  if (taken(mailbox_.push(run))) return true;
  ElementQueue refused;
  run.move_to(refused);
  runtime_.dead_letters(pid(), refused, kStopped);
  return false;
}

OfferResult Actor::offer(ElementPtr& element) {
  if (!is_signal(*element) && mailbox_.full_for(*element) && !mailbox_.closed()) {
    return OfferResult::kFull;
  }
  const Mailbox::PushResult pushed =
      urgent(*element) ? mailbox_.push_urgent(element) : mailbox_.push(element);
  if (taken(pushed)) return OfferResult::kQueued;
  stopped_letter(std::move(element));
  return OfferResult::kStopped;
}

void Actor::flush_gathered_sends() noexcept {
  Gathered& mine = gathered;
  if (mine.run.empty()) return;
  mine.sender->holds_gathered_ = false;
  mine.target->enqueue_admitted(mine.run);
}

bool Actor::gather(ElementPtr& element) {
  Gathered& mine = gathered;
  if (!mine.run.empty() && (mine.sender != this || mine.target != cached_actor_.get())) {
    flush_gathered_sends();
  }
  if (mine.run.empty()) {
    if (cached_actor_->mailbox_.full_for(*element, kGatheredRun - 1)) return false;
    mine.sender = this;
    mine.target = cached_actor_.get();
    holds_gathered_ = true;
  }
  mine.run.push_back(std::move(element));
  if (mine.run.size() == kGatheredRun) flush_gathered_sends();
  return true;
}

absl::Status Actor::deliver(Pid to, ElementPtr element) {
  if (cached_actor_ == nullptr || to.serial != cached_actor_->serial_ ||
      to.node != cached_actor_->node_) {
    if (holds_gathered_) flush_gathered_sends();  // while the cache still holds its target
    sent_to_cached_ = false;
    ActorPtr target = runtime_.find(to);
    if (target == nullptr) {
      return runtime_.send_element(to, std::move(element), this, runtime_.may_block_here());
    }
    cached_actor_ = std::move(target);
  }
  if (in_handler_ && sent_to_cached_ && !is_signal(*element)) {
    if (gather(element)) return absl::OkStatus();
  } else if (holds_gathered_) {
    flush_gathered_sends();
  }
  sent_to_cached_ = true;
  bool stopped = false;
  absl::Status sent =
      cached_actor_->push(std::move(element), this, runtime_.may_block_here(), stopped);
  if (stopped) cached_actor_.reset();  // gone: let it go
  return sent;
}

absl::Status Actor::deliver_to_name(std::string_view name, ElementPtr element) {
  if (holds_gathered_) flush_gathered_sends();
  return runtime_.send_to_name(name, std::move(element), this, runtime_.may_block_here());
}

TimerId Actor::schedule_delivery(absl::Duration delay, Pid to, ElementPtr element) {
  return runtime_.schedule_delivery(delay, to, std::move(element));
}

bool Actor::cancel_timer(TimerId id) {
  return runtime_.cancel_timer(id);
}

Pid Actor::sender() const noexcept {
  return current_ != nullptr ? current_->from : Pid{};
}

void Actor::exit(ExitReason reason) {
  throw ActorExit{std::move(reason)};
}

void Actor::exit(Pid target, ExitReason reason) {
  (void)deliver(target, make_element<ExitMsg>(pid(), MessageKind::kExit, 0,
                                              ExitMsg{pid(), std::move(reason)}));
}

void Actor::reply_with(ElementPtr reply) {
  if (current_ == nullptr || current_->kind != MessageKind::kRequest) return;
  reply->from = pid();
  reply->correlation_id = current_->correlation_id;
  current_->kind = MessageKind::kUser;  // answered: nothing else may answer it
  (void)deliver(current_->from, std::move(reply));
}

ResponsePromise Actor::make_response_promise() {
  if (current_ == nullptr || current_->kind != MessageKind::kRequest) return ResponsePromise();
  current_->kind = MessageKind::kUser;
  return ResponsePromise(&runtime_, pid(), current_->from, current_->correlation_id);
}

void ResponsePromise::send(ElementPtr reply) {
  if (!pending()) return;
  (void)runtime_->deliver(std::exchange(requester_, Pid{}), std::move(reply));
}

void ResponsePromise::fail(absl::Status status) {
  send(make_element<ErrorReply>(self_, MessageKind::kReply, correlation_id_,
                                ErrorReply{std::move(status)}));
}

Actor::Relations& Actor::relations() {
  if (relations_ == nullptr) relations_ = std::make_unique<Relations>();
  return *relations_;
}

bool Actor::add_link(Pid other) {
  MutexLock lock(state_lock_);
  if (terminated_) return false;
  relations().links.insert(other);
  return true;
}

bool Actor::remove_link(Pid other) {
  MutexLock lock(state_lock_);
  return relations_ != nullptr && relations_->links.erase(other) > 0;
}

bool Actor::add_watcher(uint64_t monitor_id, Pid watcher) {
  MutexLock lock(state_lock_);
  if (terminated_) return false;
  relations().watchers.emplace(monitor_id, watcher);
  return true;
}

void Actor::remove_watcher(uint64_t monitor_id, Pid watcher) {
  MutexLock lock(state_lock_);
  if (relations_ != nullptr) relations_->watchers.erase({monitor_id, watcher});
}

bool Actor::take_watched(uint64_t monitor_id) {
  MutexLock lock(state_lock_);
  return relations_ != nullptr && relations_->watched.erase(monitor_id) > 0;
}

Actor::CutRelations Actor::cut_node(uint32_t node) {
  CutRelations cut;
  MutexLock lock(state_lock_);
  if (relations_ == nullptr) return cut;
  // Links stay until their exit signals are applied, as every link's do.
  for (Pid linked : relations_->links) {
    if (linked.node == node) cut.links.push_back(linked);
  }
  absl::erase_if(relations_->watched, [&](const auto& entry) {
    if (entry.second.node != node) return false;
    cut.watched.emplace_back(entry.first, entry.second);
    return true;
  });
  absl::erase_if(relations_->watchers,
                 [&](const auto& entry) { return entry.second.node == node; });
  return cut;
}

bool Actor::set_named() {
  MutexLock lock(state_lock_);
  if (terminated_) return false;
  named_ = true;
  return true;
}

void Actor::link(Pid other) {
  if (other == pid()) return;
  if (RemoteRouter* router = runtime_.router_for(other)) {
    if (add_link(other)) router->link(pid(), other);
    return;
  }
  ActorPtr target = runtime_.find(other);
  if (target == nullptr || !target->add_link(pid())) {
    enqueue(
        make_element<ExitMsg>(other, MessageKind::kExit, 0, ExitMsg{other, ExitReason::noproc()}));
    return;
  }
  add_link(other);
}

void Actor::unlink(Pid other) {
  remove_link(other);
  if (RemoteRouter* router = runtime_.router_for(other)) {
    router->unlink(pid(), other);
    return;
  }
  if (ActorPtr target = runtime_.find(other)) target->remove_link(pid());
}

MonitorRef Actor::monitor(Pid other) {
  const MonitorRef ref{runtime_.next_monitor_id()};
  if (RemoteRouter* router = runtime_.router_for(other)) {
    {
      MutexLock lock(state_lock_);
      relations().watched.emplace(ref.id, other);
    }
    router->monitor(pid(), other, ref);
    return ref;
  }
  ActorPtr target = runtime_.find(other);
  if (target == nullptr || !target->add_watcher(ref.id, pid())) {
    enqueue(make_element<DownMsg>(other, MessageKind::kUser, 0,
                                  DownMsg{ref, other, ExitReason::noproc()}));
    return ref;
  }
  MutexLock lock(state_lock_);
  relations().watched.emplace(ref.id, other);
  return ref;
}

void Actor::demonitor(MonitorRef ref) {
  Pid target_pid;
  {
    MutexLock lock(state_lock_);
    if (relations_ == nullptr) return;
    auto it = relations_->watched.find(ref.id);
    if (it == relations_->watched.end()) return;
    target_pid = it->second;
    relations_->watched.erase(it);
  }
  if (RemoteRouter* router = runtime_.router_for(target_pid)) {
    router->demonitor(pid(), target_pid, ref);
  } else if (ActorPtr target = runtime_.find(target_pid)) {
    target->remove_watcher(ref.id, pid());
  }
}

absl::Status Actor::register_name(std::string name) {
  return runtime_.register_name(std::move(name), pid());
}

std::optional<ExitReason> Actor::apply_exit_signal(MailboxElement& signal) {
  ExitMsg& exit = *static_cast<ExitMsg*>(signal.payload());
  if (signal.kind == MessageKind::kLinkExit) {
    // Only a link that still exists carries the signal: unlink() cancels one already queued.
    if (!remove_link(exit.from)) return std::nullopt;
  } else if (exit.reason.kind() == ExitReason::Kind::kKill) {
    return ExitReason::killed();  // exit(pid, kill) cannot be trapped
  }
  if (trapping_exit()) {
    signal.kind = MessageKind::kUser;
    return std::nullopt;
  }
  if (exit.reason.is_normal()) return std::nullopt;
  return exit.reason;
}

std::optional<ExitReason> Actor::take_signals(ElementQueue& cache) {
  ElementQueue signals;
  mailbox_.fetch_urgent(signals);
  while (ElementPtr signal = signals.pop_front()) {
    if (std::optional<ExitReason> stop = apply_exit_signal(*signal)) return stop;
    if (signal->kind != MessageKind::kUser) continue;  // ignored
    // Trapped: an ExitMsg after everything that was queued before it, as in Erlang.
    mailbox_.fetch(cache);
    cache.push_back(std::move(signal));
  }
  return std::nullopt;
}

void Actor::terminate(const ExitReason& reason) {
  std::unique_ptr<Relations> relations;
  bool named;
  {
    MutexLock lock(state_lock_);
    terminated_ = true;
    relations = std::move(relations_);
    named = named_;
  }
  Mailbox::Leftovers leftovers = mailbox_.close();
  runtime_.actor_stopped(*this, named);
  cached_actor_.reset();  // a stopped actor holds nobody alive
  // Links and monitors hear of the stop before the leftovers (maybe millions) are dead letters.
  if (relations != nullptr) notify_relations(*relations, reason);
  ElementQueue leftover;
  leftovers.move_to(leftover);
  runtime_.dead_letters(pid(), leftover, "the actor has stopped");
}

void Actor::notify_relations(const Relations& relations, const ExitReason& reason) {
  // Through the runtime, not deliver(): the cache must stay empty from here on.
  for (Pid linked : relations.links) {
    (void)runtime_.deliver(
        linked, make_element<ExitMsg>(pid(), MessageKind::kLinkExit, 0, ExitMsg{pid(), reason}));
  }
  for (const auto& [id, watcher] : relations.watchers) {
    ElementPtr down =
        make_element<DownMsg>(pid(), MessageKind::kUser, 0, DownMsg{MonitorRef{id}, pid(), reason});
    if (watcher.node != pid().node) {
      (void)runtime_.deliver(watcher, std::move(down));  // its node ends the monitor on arrival
    } else if (ActorPtr watching = runtime_.find(watcher); watching && watching->take_watched(id)) {
      watching->enqueue(std::move(down));
    }
  }
  for (const auto& [id, target_pid] : relations.watched) {
    if (RemoteRouter* router = runtime_.router_for(target_pid)) {
      router->demonitor(pid(), target_pid, MonitorRef{id});
    } else if (ActorPtr target = runtime_.find(target_pid)) {
      target->remove_watcher(id, pid());
    }
  }
}

}  // namespace bossa
