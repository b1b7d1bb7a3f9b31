// Runtime: one bossa node in a process. It owns the scheduler, the timers, the process table and
// the local names; nothing in bossa is global, so two runtimes can live side by side.
//
//   bossa::Runtime runtime({.node_id = 1, .workers = 2});
//   bossa::Pid echo = runtime.spawn([](bossa::EventedActor& self) -> bossa::Behavior {
//     return {[&self](const std::string& text) { self.send(self.sender(), text); }};
//   });
//   bossa::ScopedActor me(runtime);
//   me->send(echo, std::string("hello"));
//
// Messages between local actors move by pointer, never copied or serialized. Every mailbox is
// bounded (RuntimeOptions::mailbox, SpawnOptions::mailbox; mailbox_limit.h says what a send past
// the bound does). A message that cannot be delivered is a dead letter: counted, passed to the
// dead-letter handler if set, and answered with an ErrorReply if it was a request.
// docs/architecture.md tells how a node runs.
// Thread-safety: any public method from any thread. The destructor shuts down (see shutdown()).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "runtime/actor.h"
#include "runtime/actor_table.h"
#include "runtime/coroutine_actor.h"
#include "runtime/evented_actor.h"
#include "runtime/name_registry.h"
#include "runtime/remote_router.h"
#include "runtime/scheduler.h"
#include "runtime/threaded_actor.h"
#include "runtime/timer_service.h"

namespace bossa {

struct RuntimeOptions {
  uint32_t node_id = 1;         // the node part of every pid spawned here
  size_t workers = 0;           // scheduler threads; 0: one per hardware thread
  size_t max_throughput = 300;  // messages an actor handles per turn before yielding its worker
  // How long a thread that runs out of work (a scheduler worker, a threaded actor waiting in
  // receive) keeps polling before it sleeps: base/spin_wait.h. Zero: sleep at once; more than
  // kMaxBusyWait (base/spin_wait.h, 10 ms) is taken as kMaxBusyWait.
  absl::Duration busy_wait = absl::Microseconds(200);
  // Every actor's mailbox limit unless its spawn says otherwise: 1 M messages, senders that may
  // block wait for room, evented and coroutine senders get ResourceExhausted (mailbox_limit.h).
  MailboxLimit mailbox = {};
};

struct SpawnOptions {
  Pid link_to = {};  // if valid, the new actor is linked to this actor before it runs
  // The new actor's mailbox limit; unset: RuntimeOptions::mailbox. MailboxLimit::unbounded() for
  // an actor that must take everything (and whose senders must never wait or fail).
  std::optional<MailboxLimit> mailbox = std::nullopt;
};

// A message that could not be delivered.
struct DeadLetter {
  Pid to;
  Pid from;
  MessageKind kind;
  const std::type_info* type;  // the payload's C++ type
  std::string reason;
};

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {});
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  uint32_t node_id() const noexcept { return node_id_; }
  // RuntimeOptions::busy_wait.
  std::chrono::nanoseconds busy_wait() const noexcept { return busy_wait_; }

  // Spawning. Each returns the new actor's pid, or the zero pid once shutdown() has begun.

  // Spawns an evented actor; init is Behavior(EventedActor&) or void(EventedActor&) and runs
  // before spawn returns.
  template <class Init>
  Pid spawn(Init&& init, SpawnOptions options = {}) {
    boost::intrusive_ptr<EventedActor> actor(new EventedActor(*this, allocate_pid()));
    if (!admit(actor.get(), options)) return Pid{};
    actor->start(std::forward<Init>(init));
    return actor->pid();
  }

  // Spawns a threaded actor running body(ThreadedActor&) on a new thread.
  template <class Body>
  Pid spawn_thread(Body&& body, SpawnOptions options = {}) {
    boost::intrusive_ptr<ThreadedActor> actor(new ThreadedActor(*this, allocate_pid()));
    if (!admit(actor.get(), options)) return Pid{};
    start_thread([actor, body = std::forward<Body>(body)]() mutable { actor->run(body); });
    return actor->pid();
  }

  // Spawns a coroutine actor; body is ActorTask(CoroutineActor&) and runs up to its first
  // co_await before spawn returns.
  template <class Body>
  Pid spawn_coroutine(Body&& body, SpawnOptions options = {}) {
    boost::intrusive_ptr<CoroutineActor> actor(new CoroutineActor(*this, allocate_pid()));
    if (!admit(actor.get(), options)) return Pid{};
    actor->start(CoroutineActor::Body(std::forward<Body>(body)));
    return actor->pid();
  }

  // Sends from outside any actor (the sender is the zero pid); the status as Actor::send's. Waits
  // for room in a full kBlock mailbox unless called on a scheduler worker (may_block_here).
  template <class T, class... Ts>
  SendResult send(Pid to, T&& value, Ts&&... more) {
    return send_element(
        to,
        make_element<message_type_t<T, Ts...>>(Pid{}, MessageKind::kUser, 0, std::forward<T>(value),
                                               std::forward<Ts>(more)...),
        nullptr, may_block_here());
  }

  // Whether a send from this thread may wait for room in a full kBlock mailbox: false on the
  // scheduler's workers, which run evented and coroutine actors and must never wait.
  bool may_block_here() const { return !scheduler_.on_worker_thread(); }

  // Sends `target` an exit signal with `reason` (from the zero pid).
  void exit(Pid target, ExitReason reason);

  // Local names. register_name: AlreadyExists if the name is taken or the actor already has one,
  // NotFound if the actor is not alive. A name is released when its actor stops.
  absl::Status register_name(std::string name, Pid pid);
  absl::Status unregister_name(std::string_view name);
  std::optional<Pid> whereis(std::string_view name) const;
  std::vector<std::string> registered_names() const;

  // Delivers the message to `to` after `delay`, unless cancelled first. As in Erlang, the timer
  // belongs to `to`: if that actor stops first, the message is dropped with it (not a dead
  // letter); if `to` is not alive now, the message is a dead letter at once and the id is 0.
  template <class T>
  TimerId send_after(absl::Duration delay, Pid to, T&& value) {
    return schedule_delivery(
        delay, to,
        make_element<std::decay_t<T>>(Pid{}, MessageKind::kUser, 0, std::forward<T>(value)));
  }
  // True if the timer was pending and will now never fire.
  bool cancel_timer(TimerId id);

  // How many messages wait in the mailboxes of live actors, in all and in the fullest one: for
  // metrics (it visits every actor). Each actor's count is Mailbox::depth's: everything queued
  // for it, fetched or not.
  struct MailboxDepths {
    uint64_t total = 0;
    uint64_t deepest = 0;
    Pid deepest_actor;  // invalid if no actor has mail waiting
  };
  MailboxDepths mailbox_depths() const;

  uint64_t dead_letter_count() const noexcept {
    return dead_letters_.load(std::memory_order_relaxed);
  }
  // Called for every dead letter, on the thread that found it; must be thread-safe and quick.
  void set_dead_letter_handler(std::function<void(const DeadLetter&)> handler);

  // Live actors of this runtime, ScopedActors not counted (they belong to their thread).
  size_t actor_count() const noexcept { return live_actors_.load(std::memory_order_acquire); }
  // Waits until no actor is alive; false if `timeout` passed first.
  bool await_all_actors_done(absl::Duration timeout = absl::InfiniteDuration());

  // Stops the node: from now on spawn refuses (zero pid); every actor gets an exit signal with
  // reason `shutdown`, and those still alive after `grace` get `kill` until none is left. Then it
  // waits for the threads of threaded actors to return; a threaded actor notices a signal only
  // inside receive or while it waits for room to send. Signals jump the queue, and a stopping
  // actor's leftovers are cheap, so millions of queued messages do not hold the shutdown up.
  // Called from an actor (which cannot wait for itself), it starts all this and returns at once.
  // ScopedActors are signalled but not waited for (their blocking calls return Cancelled, as do
  // those of one made later): destroy them before the runtime. A sender still waiting for room
  // gives up (its message a dead letter, "mailbox full"). Every call after the first just waits.
  void shutdown(absl::Duration grace = absl::Seconds(5));
  // True once shutdown() has begun.
  bool stopping() const;

  // ---- for the cluster layer (cluster/) ----
  // None of these waits for room: past a mailbox's capacity a message is refused as under kFail
  // (a dead letter, "mailbox full"), or left with the caller by offer_local.

  // Routes pids of other nodes through `router` from now on (nullptr: they are dead letters
  // again). The router must stay valid until it is replaced and no thread still sends.
  void set_remote_router(RemoteRouter* router) noexcept {
    router_.store(router, std::memory_order_release);
  }
  // Delivers an element that came from another node to a local pid (a dead letter if not alive).
  void deliver_local(Pid to, ElementPtr element);
  // The actor a thread that delivers many elements in a row (a transport's) found last, and the
  // elements it holds back for it.
  static constexpr size_t kMaxHeldElements = 64;
  struct Recipient {
    Pid pid;
    ActorPtr actor;
    ElementRun held;
    // offer_local: the room the actor's mailbox had when this run began, less what the run took;
    // 0: look again. Measured once a run (other senders may take some of it meanwhile, so a run
    // passes the bound by its length at most), since the depth sits on cache lines the actor's
    // reader writes all the time.
    size_t room = 0;
  };
  // deliver_local for such a thread: a run of elements for one actor (a batch from another node)
  // costs one lookup, and they reach its mailbox together (one push, at most one wake-up) when an
  // element for another pid comes, when kMaxHeldElements are held, or at release(). A message
  // past the bound is refused as under kFail. `last` keeps a
  // reference to the actor (a stopped one too) until an element for another pid, or a failed
  // delivery, replaces it; its owner must release() it and then let the actor go before the
  // runtime is destroyed (held elements destroyed with it are lost without a dead letter).
  void deliver_local(Pid to, ElementPtr element, Recipient& last);
  // Delivers what `last` holds. Its owner calls this when a batch ends, and before it delivers
  // anything any other way, so that the order of what it delivers holds.
  void release(Recipient& last);
  // deliver_local(to, element, last) for a message (kUser, kRequest, kReply) that must not be
  // refused: kFull when `to`'s mailbox has no room for it beside what `last` holds for it. Then
  // what `last` held is released, the element stays with the caller (no dead letter) and
  // last.actor is the actor whose call_when_room says when to offer it again. kStopped: `to` is
  // not alive, the element became a dead letter. See Actor::offer.
  OfferResult offer_local(Pid to, ElementPtr& element, Recipient& last);
  // Sends an element to any pid, as actors do but without waiting; see RemoteRouter for the
  // status of a remote pid, Actor::send for a local one.
  absl::Status deliver(Pid to, ElementPtr element) {
    return send_element(to, std::move(element), nullptr, false);
  }
  // The other half of a link or monitor made on another node. accept_*: false if `local` is not
  // alive (the caller answers noproc).
  bool accept_remote_link(Pid local, Pid remote);
  void drop_remote_link(Pid local, Pid remote);
  bool accept_remote_monitor(Pid local, MonitorRef ref, Pid watcher);
  void drop_remote_monitor(Pid local, MonitorRef ref, Pid watcher);
  // Ends local `watcher`'s monitor `ref`; true if it was on (then its DownMsg is the caller's to
  // deliver, exactly once).
  bool end_monitor(Pid watcher, MonitorRef ref);
  // Node `node` is gone: every local actor linked to one of its actors gets an exit signal and
  // every monitor of one a DownMsg, both with reason noconnection; its watchers are forgotten.
  void node_down(uint32_t node);
  // Delivers to the local actor registered as `name`; a dead letter and NotFound if there is none.
  absl::Status deliver_to_name(std::string_view name, ElementPtr element) {
    return send_to_name(name, std::move(element), nullptr, false);
  }
  // A dead letter found by the cluster layer (a message for a node that is not up).
  void report_dead_letter(Pid to, ElementPtr element, std::string_view reason) {
    dead_letter(to, std::move(element), reason);
  }
  // A dead letter whose message is gone: one another node could not read, and said so.
  void report_dead_letter(const DeadLetter& letter);

 private:
  friend class Actor;
  friend class ScheduledActor;
  friend class ThreadedActor;
  friend class ResponsePromise;
  friend class ScopedActor;

  Pid allocate_pid() noexcept {
    return Pid{node_id_, next_serial_.fetch_add(1, std::memory_order_relaxed)};
  }
  // Registers a new actor in the table (and links it as asked) before it runs; false once
  // shutdown has begun.
  bool admit(Actor* actor, const SpawnOptions& options);
  // Sends every actor in the table an exit signal with `reason`.
  void signal_all(const ExitReason& reason);
  // True on a thread that runs actor code of this runtime (a worker or a threaded actor's).
  bool on_actor_thread() const;
  void start_thread(std::function<void()> run);
  boost::intrusive_ptr<ThreadedActor> make_scoped_actor();

  ActorPtr find(Pid pid) const;
  // Points `last` at `to`, releasing what it held for another pid first.
  void aim(Pid to, Recipient& last);
  // Sends to any pid or local name from `sender` (nullptr: not from an actor's own thread),
  // waiting for room if `may_block`.
  absl::Status send_element(Pid to, ElementPtr element, Actor* sender, bool may_block);
  absl::Status send_to_name(std::string_view name, ElementPtr element, Actor* sender,
                            bool may_block);
  // The router if `pid` belongs to another node and one is attached, else nullptr.
  RemoteRouter* router_for(Pid pid) const noexcept {
    return pid.node == node_id_ ? nullptr : router_.load(std::memory_order_acquire);
  }
  TimerId schedule_delivery(absl::Duration delay, Pid to, ElementPtr element);
  // `requester` stops waiting for the reply to request `correlation` it sent `target`; tells the
  // router if `target` is remote (RemoteRouter::request_abandoned).
  void abandon_request(Pid requester, Pid target, uint64_t correlation) {
    if (RemoteRouter* router = router_for(target))
      router->request_abandoned(requester, correlation);
  }
  void dead_letter(Pid to, ElementPtr element, std::string_view reason);
  // Makes every element of `elements` a dead letter: one look at the handler, one count.
  void dead_letters(Pid to, ElementQueue& elements, std::string_view reason);
  std::shared_ptr<const std::function<void(const DeadLetter&)>> dead_letter_handler();
  // What a dead letter does, once counted: calls `handler` (if any), answers a request.
  void notify_dead_letter(Pid to, ElementPtr element, std::string_view reason,
                          const std::function<void(const DeadLetter&)>* handler);
  uint64_t next_monitor_id() noexcept {
    return next_monitor_id_.fetch_add(1, std::memory_order_relaxed);
  }
  // Called by a stopping actor after its mailbox closed.
  void actor_stopped(Actor& actor, bool named);
  // One counted actor fewer (it stopped, or admit refused it).
  void count_stopped();

  const uint32_t node_id_;
  const std::chrono::nanoseconds busy_wait_;
  const MailboxLimit mailbox_limit_;
  std::atomic<RemoteRouter*> router_{nullptr};
  std::atomic<uint64_t> next_serial_{1};
  std::atomic<uint64_t> next_monitor_id_{1};
  std::atomic<uint64_t> dead_letters_{0};

  ActorTable table_;
  NameRegistry names_;
  TimerService timers_;

  Mutex dead_letter_mutex_;
  std::shared_ptr<const std::function<void(const DeadLetter&)>> dead_letter_handler_
      ABSL_GUARDED_BY(dead_letter_mutex_);

  std::atomic<size_t> live_actors_{0};
  mutable Mutex lifecycle_mutex_;
  CondVar all_stopped_;
  size_t running_threads_ ABSL_GUARDED_BY(lifecycle_mutex_) = 0;
  CondVar threads_done_;
  // Set once, under lifecycle_mutex_ (make_scoped_actor reads it there); admit() and stopping()
  // read it without.
  std::atomic<bool> shut_down_{false};

  // Last, so that workers stop before the rest is destroyed.
  Scheduler scheduler_;
};

}  // namespace bossa
