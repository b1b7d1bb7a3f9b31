#include "runtime/runtime.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/spin_wait.h"
#include "base/string_view_bridge.h"

namespace bossa {
Runtime::Runtime(RuntimeOptions options)
    : node_id_(options.node_id),
      busy_wait_(absl::ToChronoNanoseconds(
          std::clamp(options.busy_wait, absl::ZeroDuration(), absl::FromChrono(kMaxBusyWait)))),
      mailbox_limit_(options.mailbox),
      scheduler_(Scheduler::Options{.workers = options.workers,
                                    .max_throughput = options.max_throughput,
                                    .busy_wait = busy_wait_}) {}

Runtime::~Runtime() {
  shutdown();
}

namespace {

// The runtime whose threaded actor runs on this thread, if any.
thread_local const Runtime* threaded_actor_runtime = nullptr;

}  // namespace

bool Runtime::admit(Actor* actor, const SpawnOptions& options) {
  actor->mailbox_.set_limit(options.mailbox.value_or(mailbox_limit_));
  // Without lifecycle_mutex_: the actor goes into the table, then admit looks at shut_down_, and
  // shutdown() sets shut_down_, then signals every actor in the table, with a seq_cst fence
  // between the two steps on both sides. So either admit sees shut_down_ and refuses the actor
  // (which was never started: a signal that found it meanwhile goes with it), or shutdown()'s
  // signal_all finds it in the table. An actor whose spawn succeeds always gets the signal.
  live_actors_.fetch_add(1, std::memory_order_relaxed);
  table_.insert(actor->pid().serial, ActorPtr(actor));
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (shut_down_.load(std::memory_order_relaxed)) {
    table_.erase(actor->pid().serial);
    count_stopped();
    return false;
  }
  if (!options.link_to.valid()) return true;
  ActorPtr parent = find(options.link_to);
  if (parent != nullptr && parent->add_link(actor->pid())) {
    actor->add_link(options.link_to);
  } else {
    actor->enqueue(make_element<ExitMsg>(options.link_to, MessageKind::kExit, 0,
                                         ExitMsg{options.link_to, ExitReason::noproc()}));
  }
  return true;
}

void Runtime::start_thread(std::function<void()> run) {
  {
    MutexLock lock(lifecycle_mutex_);
    ++running_threads_;
  }
  std::thread([this, run = std::move(run)]() mutable {
    threaded_actor_runtime = this;
    run();
    run = nullptr;  // drops the actor before the runtime may go away
    MutexLock lock(lifecycle_mutex_);
    if (--running_threads_ == 0) threads_done_.notify_all();
  }).detach();
}

boost::intrusive_ptr<ThreadedActor> Runtime::make_scoped_actor() {
  boost::intrusive_ptr<ThreadedActor> actor(
      new ThreadedActor(*this, allocate_pid(), ThreadedActor::OnStop::kReturnStatus));
  actor->counted_ = false;
  actor->mailbox_.set_limit(mailbox_limit_);
  bool late;
  {
    // Either in the table before shutdown() signals every actor, or made after it began and
    // signalled here: a blocking call of a ScopedActor never waits on a stopped runtime.
    MutexLock lock(lifecycle_mutex_);
    table_.insert(actor->pid().serial, ActorPtr(actor.get()));
    late = shut_down_.load(std::memory_order_relaxed);
  }
  if (late) exit(actor->pid(), ExitReason::shutdown());
  return actor;
}

bool Runtime::stopping() const {
  return shut_down_.load(std::memory_order_acquire);
}

bool Runtime::on_actor_thread() const {
  return threaded_actor_runtime == this || scheduler_.on_worker_thread();
}

ActorPtr Runtime::find(Pid pid) const {
  if (pid.node != node_id_) return nullptr;
  return table_.find(pid.serial);
}

absl::Status Runtime::send_element(Pid to, ElementPtr element, Actor* sender, bool may_block) {
  Actor::flush_gathered_sends();  // what a handler on this thread gathered goes first
  if (RemoteRouter* router = router_for(to)) return router->route(to, std::move(element));
  if (ActorPtr actor = find(to)) {
    bool stopped = false;
    return actor->push(std::move(element), sender, may_block, stopped);
  }
  deliver_local(to, std::move(element));  // a dead letter, with its reason
  return absl::OkStatus();
}

void Runtime::deliver_local(Pid to, ElementPtr element) {
  if (ActorPtr actor = find(to)) {
    actor->enqueue(std::move(element));
    return;
  }
  dead_letter(to, std::move(element),
              to.node == node_id_ ? "no such actor" : "the pid belongs to an unknown node");
}

void Runtime::aim(Pid to, Recipient& last) {
  if (last.actor != nullptr && last.pid == to) return;
  release(last);
  last.actor = find(to);
  last.pid = to;
  last.room = 0;
}

void Runtime::deliver_local(Pid to, ElementPtr element, Recipient& last) {
  // Refused past the bound, as under kFail.
  if (offer_local(to, element, last) == OfferResult::kFull) {
    (void)last.actor->refuse(std::move(element));
  }
}

OfferResult Runtime::offer_local(Pid to, ElementPtr& element, Recipient& last) {
  aim(to, last);
  if (last.actor == nullptr) {
    deliver_local(to, std::move(element));  // a dead letter, with its reason
    return OfferResult::kStopped;
  }
  const MailboxLimit& limit = last.actor->mailbox_limit();
  if (limit.bounded() && Mailbox::counts_against_capacity(*element)) {
    if (last.room == 0) {
      const ActorPtr actor = last.actor;
      release(last);  // what it holds goes first (and may find the actor stopped)
      last.actor = actor;
      const Mailbox& mailbox = actor->mailbox_;
      const size_t depth = mailbox.depth();
      last.room = depth < limit.capacity && !mailbox.closed() ? limit.capacity - depth : 0;
      // kFull, or a stopped actor's dead letter (or kQueued, if room came meanwhile).
      if (last.room == 0) return actor->offer(element);
    }
    --last.room;
  }
  last.held.push_back(std::move(element));
  if (last.held.size() == kMaxHeldElements) release(last);
  return OfferResult::kQueued;
}

void Runtime::release(Recipient& last) {
  last.room = 0;  // measured again for the next run
  if (last.held.empty()) return;
  if (!last.actor->enqueue_admitted(last.held)) last.actor.reset();  // stopped: let it go
}

bool Runtime::accept_remote_link(Pid local, Pid remote) {
  ActorPtr actor = find(local);
  return actor != nullptr && actor->add_link(remote);
}

void Runtime::drop_remote_link(Pid local, Pid remote) {
  if (ActorPtr actor = find(local)) actor->remove_link(remote);
}

bool Runtime::accept_remote_monitor(Pid local, MonitorRef ref, Pid watcher) {
  ActorPtr actor = find(local);
  return actor != nullptr && actor->add_watcher(ref.id, watcher);
}

void Runtime::drop_remote_monitor(Pid local, MonitorRef ref, Pid watcher) {
  if (ActorPtr actor = find(local)) actor->remove_watcher(ref.id, watcher);
}

bool Runtime::end_monitor(Pid watcher, MonitorRef ref) {
  ActorPtr actor = find(watcher);
  return actor != nullptr && actor->take_watched(ref.id);
}

void Runtime::node_down(uint32_t node) {
  table_.for_each([node](const ActorPtr& actor) {
    Actor::CutRelations cut = actor->cut_node(node);
    for (Pid linked : cut.links) {
      actor->enqueue(make_element<ExitMsg>(linked, MessageKind::kLinkExit, 0,
                                           ExitMsg{linked, ExitReason::noconnection()}));
    }
    for (const auto& [id, target] : cut.watched) {
      actor->enqueue(
          make_element<DownMsg>(target, MessageKind::kUser, 0,
                                DownMsg{MonitorRef{id}, target, ExitReason::noconnection()}));
    }
  });
}

absl::Status Runtime::send_to_name(std::string_view name, ElementPtr element, Actor* sender,
                                   bool may_block) {
  if (std::optional<Pid> pid = names_.find(name)) {
    return send_element(*pid, std::move(element), sender, may_block);
  }
  const std::string reason = absl::StrCat("no actor is registered as '", as_absl(name), "'");
  dead_letter(Pid{}, std::move(element), reason);
  return absl::NotFoundError(reason);
}

void Runtime::exit(Pid target, ExitReason reason) {
  (void)deliver(target, make_element<ExitMsg>(Pid{}, MessageKind::kExit, 0,
                                              ExitMsg{Pid{}, std::move(reason)}));
}

absl::Status Runtime::register_name(std::string name, Pid pid) {
  ActorPtr actor = find(pid);
  if (actor == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot register '", name, "': ", pid.to_string(),
                                            " is not a live actor of this node"));
  }
  MutexLock lock(actor->state_lock_);
  if (actor->terminated_) {
    return absl::NotFoundError(
        absl::StrCat("cannot register '", name, "': ", pid.to_string(), " has stopped"));
  }
  absl::Status inserted = names_.insert(std::move(name), pid);
  if (inserted.ok()) actor->named_ = true;
  return inserted;
}

absl::Status Runtime::unregister_name(std::string_view name) {
  return names_.erase(name);
}

std::optional<Pid> Runtime::whereis(std::string_view name) const {
  return names_.find(name);
}

std::vector<std::string> Runtime::registered_names() const {
  return names_.names();
}

TimerId Runtime::schedule_delivery(absl::Duration delay, Pid to, ElementPtr element) {
  if (find(to) == nullptr) {
    // No such actor now: the message is undeliverable now, not only when the timer fires.
    dead_letter(to, std::move(element), "a timer for an actor that is not alive");
    return 0;
  }
  // std::function needs a copyable callable: the element travels in a shared_ptr.
  auto pending = std::make_shared<ElementPtr>(std::move(element));
  return timers_.schedule(delay, [this, to, pending] {
    // A timer dies with its actor, as in Erlang: a target that stopped meanwhile gets nothing.
    if (ActorPtr target = find(to)) target->enqueue(std::move(*pending));
  });
}

bool Runtime::cancel_timer(TimerId id) {
  return timers_.cancel(id);
}

void Runtime::set_dead_letter_handler(std::function<void(const DeadLetter&)> handler) {
  auto shared =
      handler ? std::make_shared<const std::function<void(const DeadLetter&)>>(std::move(handler))
              : nullptr;
  MutexLock lock(dead_letter_mutex_);
  dead_letter_handler_ = std::move(shared);
}

namespace {

// Signals to an actor that is gone have nothing left to act on; timer ticks are internal.
bool is_letter(const MailboxElement& element) {
  return element.kind != MessageKind::kExit && element.kind != MessageKind::kLinkExit &&
         element.kind != MessageKind::kTimeout;
}

}  // namespace

std::shared_ptr<const std::function<void(const DeadLetter&)>> Runtime::dead_letter_handler() {
  MutexLock lock(dead_letter_mutex_);
  return dead_letter_handler_;
}

void Runtime::dead_letter(Pid to, ElementPtr element, std::string_view reason) {
  if (!is_letter(*element)) return;
  dead_letters_.fetch_add(1, std::memory_order_relaxed);
  notify_dead_letter(to, std::move(element), reason, dead_letter_handler().get());
}

void Runtime::report_dead_letter(const DeadLetter& letter) {
  dead_letters_.fetch_add(1, std::memory_order_relaxed);
  if (const auto handler = dead_letter_handler()) (*handler)(letter);
}

void Runtime::dead_letters(Pid to, ElementQueue& elements, std::string_view reason) {
  if (elements.empty()) return;
  const auto handler = dead_letter_handler();
  uint64_t count = 0;
  while (ElementPtr element = elements.pop_front()) {
    if (!is_letter(*element)) continue;
    ++count;
    notify_dead_letter(to, std::move(element), reason, handler.get());
  }
  dead_letters_.fetch_add(count, std::memory_order_relaxed);
}

void Runtime::notify_dead_letter(Pid to, ElementPtr element, std::string_view reason,
                                 const std::function<void(const DeadLetter&)>* handler) {
  if (handler != nullptr) {
    (*handler)(DeadLetter{to, element->from, element->kind, &element->type(), std::string(reason)});
  }
  if (element->kind == MessageKind::kRequest && element->from.valid()) {
    (void)deliver(element->from,
                  make_element<ErrorReply>(
                      to, MessageKind::kReply, element->correlation_id,
                      ErrorReply{absl::UnavailableError(absl::StrCat(
                          "request to ", to.to_string(), " failed: ", as_absl(reason)))}));
  }
}

void Runtime::actor_stopped(Actor& actor, bool named) {
  if (named) names_.erase_pid(actor.pid());
  table_.erase(actor.pid().serial);
  if (actor.counted_) count_stopped();
}

void Runtime::count_stopped() {
  MutexLock lock(lifecycle_mutex_);
  if (live_actors_.fetch_sub(1, std::memory_order_acq_rel) == 1) all_stopped_.notify_all();
}

bool Runtime::await_all_actors_done(absl::Duration timeout) {
  MutexLock lock(lifecycle_mutex_);
  auto none_alive = [this] { return live_actors_.load(std::memory_order_acquire) == 0; };
  if (timeout == absl::InfiniteDuration()) {
    all_stopped_.wait(lifecycle_mutex_, none_alive);
    return true;
  }
  return all_stopped_.wait_for(lifecycle_mutex_, absl::ToChronoNanoseconds(timeout), none_alive);
}

Runtime::MailboxDepths Runtime::mailbox_depths() const {
  MailboxDepths depths;
  table_.for_each([&depths](const ActorPtr& actor) {
    const uint64_t depth = actor->mailbox_depth();
    depths.total += depth;
    if (depth > depths.deepest) {
      depths.deepest = depth;
      depths.deepest_actor = actor->pid();
    }
  });
  return depths;
}

void Runtime::signal_all(const ExitReason& reason) {
  table_.for_each([this, &reason](const ActorPtr& actor) { exit(actor->pid(), reason); });
}

void Runtime::shutdown(absl::Duration grace) {
  bool first;
  {
    MutexLock lock(lifecycle_mutex_);
    first = !shut_down_.load(std::memory_order_relaxed);
    shut_down_.store(true, std::memory_order_relaxed);
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);  // see admit()
  if (first) signal_all(ExitReason::shutdown());
  if (on_actor_thread()) return;
  if (!await_all_actors_done(grace)) {
    do {
      signal_all(ExitReason::kill());
    } while (!await_all_actors_done(absl::Seconds(1)));
  }
  MutexLock lock(lifecycle_mutex_);
  threads_done_.wait(lifecycle_mutex_, [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lifecycle_mutex_) {
    return running_threads_ == 0;
  });
}

}  // namespace bossa
