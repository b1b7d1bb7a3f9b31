// Actor: what every kind of actor (evented, coroutine, threaded) is and can do.
//
// An actor has a pid, a mailbox, links, monitors and at most one registered name. The methods under
// "actor code" are for the actor's own thread of execution (its handlers, its coroutine or its
// thread) and are not thread-safe: another thread that must send uses Runtime::send. enqueue()
// and the reference count may be used from any thread.
//
// Lifetime: actors are reference counted. The node's ActorTable holds a reference while the actor
// is alive; senders and the scheduler hold short-lived ones. When an actor stops (terminate) it
// closes its mailbox (what is left becomes dead letters), leaves the table, releases its name,
// sends exit signals to its links and down messages to its monitors. Exit signals that stop the
// actor jump the queue (Mailbox's urgent lane): they act before the messages queued ahead of them;
// those it traps (all but kill, with trap_exit on) keep their place among the messages.
//
// Bounded mailboxes: every actor's mailbox has a MailboxLimit (mailbox_limit.h; the runtime's
// default or the spawn's). send() applies it: under kBlock a sender that may block waits for room
// (a threaded actor waiting so still obeys exit signals: it looks for them every
// kRoomPollInterval, and one that stops it ends the wait: the message becomes a dead letter and
// the actor unwinds, or a ScopedActor's send returns Cancelled). A send into the sender's own
// full mailbox is refused as under kFail: waiting would be for itself. Two threaded actors that
// fill each other's mailboxes wait for each other until a signal stops one of them: give one of
// them kFail, or an unbounded mailbox. For a thread that must never wait (a transport's), offer()
// and call_when_room() let the caller park a message itself.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/spin_lock.h"
#include "runtime/actor_table.h"
#include "runtime/behavior.h"
#include "runtime/exit_reason.h"
#include "runtime/mailbox.h"
#include "runtime/mailbox_limit.h"
#include "runtime/send_result.h"
#include "runtime/system_messages.h"

namespace bossa {

class Runtime;

// The payload of a reply that reports a failure instead of a value: the target did not exist, the
// reply had an unexpected type, or the responder failed the request.
struct ErrorReply {
  absl::Status status;
};

// Thrown by Actor::exit(reason) to unwind the actor's code; the actor then stops with `reason`.
struct ActorExit {
  ExitReason reason;
};

// The reason an actor stops with for the exception being handled: ActorExit's reason, or
// `error: <what()>`. Call only inside a catch block.
ExitReason exit_reason_of_current_exception();

// Runs the actor code `body`; what it throws becomes the reason to stop with.
template <class Body>
std::optional<ExitReason> run_guarded(Body&& body) {
  try {
    body();
    return std::nullopt;
  } catch (...) {
    return exit_reason_of_current_exception();
  }
}

// Identifies a timer started by send_after, for cancel_timer.
using TimerId = uint64_t;

// Builds the payload type for send(to, a, b, ...): the value itself for one argument, a tuple of
// the decayed arguments for several.
template <class T, class... Ts>
using message_type_t = std::conditional_t<sizeof...(Ts) == 0, std::decay_t<T>,
                                          std::tuple<std::decay_t<T>, std::decay_t<Ts>...>>;

// A reply that a handler promised to give later (a deferred reply, as gen_server's noreply).
// Deliver or fail it from any thread while the runtime lives. Copies share the duty: the first
// answer completes the request, a later one reaches the requester as a dead letter. If the
// promising actor stops first, the requester learns it only from its timeout.
class ResponsePromise {
 public:
  ResponsePromise() = default;
  bool pending() const { return requester_.valid(); }
  Pid requester() const { return requester_; }

  template <class T>
  void deliver(T&& value);
  void fail(absl::Status status);

 private:
  friend class Actor;
  ResponsePromise(Runtime* runtime, Pid self, Pid requester, uint64_t correlation_id)
      : runtime_(runtime), self_(self), requester_(requester), correlation_id_(correlation_id) {}
  void send(ElementPtr reply);

  Runtime* runtime_ = nullptr;
  Pid self_;
  Pid requester_;
  uint64_t correlation_id_ = 0;
};

class Actor : public ReplySink {
 public:
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;
  virtual ~Actor();

  Pid pid() const noexcept { return Pid{node_, serial_}; }
  // How many messages wait for this actor, fetched or not (Mailbox::depth: may run ahead by what
  // the actor handled in its current turn); any thread.
  size_t mailbox_depth() const noexcept { return mailbox_.depth(); }
  // Erlang's self(): this actor's pid.
  Pid self() const noexcept { return pid(); }
  Runtime& runtime() const noexcept { return runtime_; }

  // ---- actor code ----

  // Sends a message: the value, or a tuple of the values (matched by a handler taking them as
  // separate arguments). An undeliverable message becomes a dead letter. Blocks only to wait for
  // room in a full kBlock mailbox, and only on a thread that may block (a threaded actor, not an
  // evented or coroutine one). The result is an error when the message cannot leave for another
  // node (see send_result.h), and ResourceExhausted ("mailbox full", naming the target) when the
  // target's mailbox refused it (kFail, or kBlock for a sender that may not wait); Cancelled when
  // an exit signal stopped a ScopedActor that waited for room.
  template <class T, class... Ts>
  SendResult send(Pid to, T&& value, Ts&&... more) {
    return deliver(
        to, make_element<message_type_t<T, Ts...>>(
                pid(), MessageKind::kUser, 0, std::forward<T>(value), std::forward<Ts>(more)...));
  }
  // Sends to a registered local name; NotFound (and a dead letter) if the name is not registered.
  template <class T, class... Ts>
  absl::Status send(std::string_view name, T&& value, Ts&&... more) {
    return deliver_to_name(
        name, make_element<message_type_t<T, Ts...>>(
                  pid(), MessageKind::kUser, 0, std::forward<T>(value), std::forward<Ts>(more)...));
  }
  // Sends the message to `to` after `delay`; see Runtime::send_after.
  template <class T>
  TimerId send_after(absl::Duration delay, Pid to, T&& value) {
    return schedule_delivery(
        delay, to,
        make_element<std::decay_t<T>>(pid(), MessageKind::kUser, 0, std::forward<T>(value)));
  }
  bool cancel_timer(TimerId id);

  // The sender of the message being handled (the zero pid when sent from outside any actor).
  Pid sender() const noexcept;

  // Stops this actor with `reason` by unwinding its code (throws ActorExit).
  [[noreturn]] void exit(ExitReason reason);
  // Sends an exit signal to `target`, as if this actor had stopped with `reason`.
  void exit(Pid target, ExitReason reason);

  // Links this actor and `other` (both ways). If `other` does not exist, this actor receives an
  // exit signal with reason noproc; if its node goes down, one with reason noconnection.
  void link(Pid other);
  void unlink(Pid other);
  // Monitors `other`: one DownMsg arrives when it stops (at once, noproc, if it does not exist;
  // noconnection if its node goes down).
  MonitorRef monitor(Pid other);
  // Stops monitoring; a DownMsg already in the mailbox stays there.
  void demonitor(MonitorRef ref);
  // With trap_exit on, exit signals (but kill) arrive as ExitMsg messages instead of stopping us.
  void trap_exit(bool on) noexcept { trap_exit_.store(on, std::memory_order_relaxed); }
  bool trapping_exit() const noexcept { return trap_exit_.load(std::memory_order_relaxed); }

  // Registers this actor under a local name; see Runtime::register_name.
  absl::Status register_name(std::string name);

  // Answers the request being handled (instead of returning the answer from the handler). Does
  // nothing if the current message is not a request or was answered already.
  template <class T>
  void reply(T&& value) {
    reply_with(
        make_element<std::decay_t<T>>(pid(), MessageKind::kReply, 0, std::forward<T>(value)));
  }

  // Takes over the duty to answer the request being handled: the handler's return value no longer
  // answers it; the promise does, later. Only valid while handling a request.
  ResponsePromise make_response_promise();

  // ---- any thread ----

  // How many messages this actor's mailbox takes and what a send beyond that does.
  const MailboxLimit& mailbox_limit() const noexcept { return mailbox_.limit(); }

  // Delivers an element to this actor without ever waiting: past the mailbox's capacity a
  // message is refused as under kFail (a dead letter, "mailbox full"); signals, replies, ticks and
  // DownMsgs always get in. False if the actor has stopped: the element became a dead letter.
  bool enqueue(ElementPtr element);
  // Delivers a run of elements at once, as enqueue does each (a run that finds room goes in
  // whole, which may pass the capacity by its length). False if the actor has stopped: they
  // became dead letters. A run holds no exit signals.
  bool enqueue(ElementRun& run);

  // Delivers an element without waiting and without refusing it: kQueued; kFull when the
  // mailbox is at capacity (the element stays with the caller, no dead letter: park it and ask
  // call_when_room); kStopped when the actor has stopped (the element became a dead letter).
  // Signals, replies, ticks and DownMsgs are never kFull.
  OfferResult offer(ElementPtr& element);
  // Calls `callback` once, soon after the depth has fallen to the low-water mark (capacity / 2):
  // on this actor's thread as it handles its mail, so it must be quick (post work elsewhere, or
  // notify), or at once on the caller's thread if the depth is that low already. A stopping
  // actor calls the callbacks still waiting (an offer then says kStopped).
  void call_when_room(std::function<void()> callback) {
    mailbox_.call_when_room(std::move(callback));
  }

  // How often a sender that waits for room looks whether it was told to stop.
  static constexpr absl::Duration kRoomPollInterval = absl::Milliseconds(5);

  friend void intrusive_ptr_add_ref(Actor* a) noexcept {
    a->refs_.fetch_add(1, std::memory_order_relaxed);
  }
  friend void intrusive_ptr_release(Actor* a) noexcept {
    if (a->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete a;
  }

 protected:
  Actor(Runtime& runtime, Pid pid);

  // The mailbox went from blocked to non-empty: make the actor run.
  virtual void wake() = 0;
  // What a push into the mailbox came to: true if the mailbox took it (waking the actor if it was
  // blocked), false if the mailbox is closed.
  bool taken(Mailbox::PushResult pushed);

  // ReplySink: answers the request being handled with a handler's return value.
  void reply_with(ElementPtr reply) override;

  // Applies an exit signal. Returns the reason to stop with, or nullopt if the signal was ignored
  // or (trapping exits) turned into a kUser ExitMsg in place, to be handled as a message. As in
  // Erlang, `kill` is untrappable only when sent with exit(pid, kill); a linked actor that stopped
  // with reason kill sends an ordinary signal.
  std::optional<ExitReason> apply_exit_signal(MailboxElement& signal);

  // Applies the signals waiting in the urgent lane, in order. Returns the reason to stop with, if
  // one stops the actor; a trapped one becomes an ExitMsg at the back of `cache` (the reader's
  // queue), after everything the main lane held (fetched into `cache` first).
  std::optional<ExitReason> take_signals(ElementQueue& cache);

  // Called on this actor's own thread while it waits for room in another's mailbox: applies the
  // exit signals that came meanwhile. OK to go on waiting; else the status its send returns, or it
  // throws ActorExit (an actor whose code unwinds when stopped).
  virtual absl::Status signals_while_sending() { return absl::OkStatus(); }

  // Stops this actor for good. Called once, from the actor's own thread. Its links and monitors
  // hear of it before what is left in its mailbox becomes dead letters.
  void terminate(const ExitReason& reason);

  absl::Status deliver(Pid to, ElementPtr element);
  absl::Status deliver_to_name(std::string_view name, ElementPtr element);

  // While a handler of this actor runs (ScheduledActor opens a HandlerSends around each), the
  // messages after the first that it sends to one local actor are gathered on this thread and
  // pushed together: kGatheredRun at a time, before it sends anything to anyone else (or a
  // signal), and when the handler returns or throws. One compare-and-swap and at most one wake-up
  // per run. A run starts only while the target's mailbox has room for all of it, so a bounded
  // mailbox is passed by at most a run per thread sending to it at the same moment.
  class HandlerSends {
   public:
    explicit HandlerSends(Actor& sender) noexcept : sender_(sender) {
      sender.in_handler_ = true;
      sender.sent_to_cached_ = false;
    }
    ~HandlerSends() {
      sender_.in_handler_ = false;
      if (sender_.holds_gathered_) flush_gathered_sends();
    }
    HandlerSends(const HandlerSends&) = delete;
    HandlerSends& operator=(const HandlerSends&) = delete;

   private:
    Actor& sender_;
  };
  static constexpr size_t kGatheredRun = 64;
  // Pushes what a handler on this thread gathered, if anything: before a send that does not
  // gather, and before this thread waits (a handler waiting for an answer must not hold back its
  // own request).
  static void flush_gathered_sends() noexcept;
  TimerId schedule_delivery(absl::Duration delay, Pid to, ElementPtr element);

  Mailbox mailbox_;
  MailboxElement* current_ = nullptr;  // the message being handled, if any

 private:
  friend class Runtime;

  // Links and monitors, allocated on first use (most actors have none).
  struct Relations {
    absl::flat_hash_set<Pid> links;
    // (monitor id, who monitors us): ids are unique per watcher's node, not across nodes.
    absl::flat_hash_set<std::pair<uint64_t, Pid>> watchers;
    absl::flat_hash_map<uint64_t, Pid> watched;  // monitor id -> whom we monitor
  };

  Relations& relations() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_lock_);
  // Delivers an element under the mailbox limit; `sender` is the actor whose thread sends
  // (nullptr if none), `may_block` whether it may wait for room. What cannot go in is a dead
  // letter; the status is send()'s. `stopped` tells whether this actor has stopped.
  absl::Status push(ElementPtr element, Actor* sender, bool may_block, bool& stopped);
  absl::Status push_to_full(ElementPtr element, Actor* sender, bool may_block);
  absl::Status wait_for_room(ElementPtr element, Actor* sender);
  // A message the full mailbox does not take: a dead letter, and the status its policy gives.
  absl::Status refuse(ElementPtr element);
  void stopped_letter(ElementPtr element);
  // Whether a signal takes the urgent lane: yes, unless this actor traps it (then it is a message
  // like the others, in its sender's order).
  bool urgent(MailboxElement& element) const noexcept;
  // Delivers a run that Runtime::offer_local admitted under the limit already (its room, measured
  // at most kMaxHeldElements messages before): pushed whole. False if this actor has stopped:
  // the run became dead letters.
  bool enqueue_admitted(ElementRun& run);
  // deliver(), in a handler, for a message to cached_actor_ after the first: takes `element` into
  // this thread's run; false if it must go at once (the mailbox is near its capacity).
  bool gather(ElementPtr& element);
  // A stopping actor's exit signals to its links, down messages to its watchers, and the end of
  // its own monitors.
  void notify_relations(const Relations& relations, const ExitReason& reason);
  // From other actors; false if this actor has already stopped.
  bool add_link(Pid other);
  // False if there was no such link.
  bool remove_link(Pid other);
  bool add_watcher(uint64_t monitor_id, Pid watcher);
  void remove_watcher(uint64_t monitor_id, Pid watcher);
  // Ends this actor's monitor `monitor_id`; true if it was still on. Whoever ends a monitor
  // delivers its one DownMsg, so a monitor ended twice (its target stopped, its node went down)
  // still yields one.
  bool take_watched(uint64_t monitor_id);
  // Forgets every monitor and watcher that involves a pid of `node`; returns the links to its
  // pids (which stay until their exit signals are applied) and the monitors (id, pid) that were
  // cut, for their exit signals and down messages.
  struct CutRelations {
    std::vector<Pid> links;
    std::vector<std::pair<uint64_t, Pid>> watched;
  };
  CutRelations cut_node(uint32_t node);
  bool set_named();

  // The pid's parts, beside the small fields (a Pid member would pad its node to 8 bytes); read by
  // senders to the cached target, so next to the mailbox.
  const uint64_t serial_;
  const uint32_t node_;
  std::atomic<uint32_t> refs_{0};
  // Written by the actor's code, read by senders choosing a signal's lane (urgent()).
  std::atomic<bool> trap_exit_{false};
  bool counted_ = true;  // in Runtime::actor_count (not a ScopedActor)
  // HandlerSends: a handler of this actor runs; it sent cached_actor_ a message; this thread's run
  // holds messages it gathered. Written and read by the actor's own thread only.
  bool in_handler_ = false;
  bool sent_to_cached_ = false;
  bool holds_gathered_ = false;
  SpinLock state_lock_;
  bool terminated_ ABSL_GUARDED_BY(state_lock_) = false;
  bool named_ ABSL_GUARDED_BY(state_lock_) = false;
  Runtime& runtime_;
  // The last local actor this one sent to (its pid is its own: pids are never reused, so the
  // entry stays exact); a stopped target refuses the message as a dead letter. Cleared when this
  // actor stops.
  ActorPtr cached_actor_;
  std::unique_ptr<Relations> relations_ ABSL_GUARDED_BY(state_lock_);
};

template <class T>
void ResponsePromise::deliver(T&& value) {
  send(make_element<std::decay_t<T>>(self_, MessageKind::kReply, correlation_id_,
                                     std::forward<T>(value)));
}

}  // namespace bossa
