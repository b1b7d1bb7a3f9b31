// FlowControl: back-pressure across nodes, so that a slow actor holds up only the senders to it.
//
// Receiving side: a message from another node for a local actor whose bounded mailbox is full is
// not refused on the spot. With policy block it is parked (in arrival order, with everything that
// arrives for that actor after it) and the sending node is told to pause sends to the actor (a
// pause envelope); with drop_newest or fail it becomes a dead letter "mailbox full" and the sender
// is told likewise, so that its later sends fail at their source. Once the mailbox has drained to
// its low-water mark the parked messages go in first, then every paused node is told to resume.
// What is parked is bounded by what a paused node had in flight before the pause reached it.
//
// Sending side: a message for a paused remote actor waits, on a thread that may block (a threaded
// actor, a plain thread), until the actor's node resumes it, the node goes down or this node
// stops; a sender that must not block (an evented or coroutine actor on a scheduler worker), or a
// paused actor whose policy is fail, gets ResourceExhausted and the message becomes a dead letter
// "mailbox full" on its own node (drop_newest: the same dead letter, and the send is OK). A
// threaded actor waiting so does not see its exit signals until the wait ends. Pause and resume
// travel on the control lane.
//
// Thread-safety: thread-safe; the receiving side's calls come from the transport's thread, room
// callbacks from the actors' readers. mutex_ is held for pushes into mailboxes (and the dead
// letters of an actor that stopped), never while sending or waiting for a callback.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "base/mutex.h"
#include "runtime/runtime.h"
#include "serialization/envelope.h"

namespace bossa {

class FlowControl {
 public:
  // Sends a pause (with the policy of `actor`'s mailbox) or a resume to `node`.
  using SendSignal =
      std::function<void(uint32_t node, EnvelopeKind kind, Pid actor, OverflowPolicy policy)>;

  FlowControl(Runtime& runtime, SendSignal send_signal);
  FlowControl(const FlowControl&) = delete;
  FlowControl& operator=(const FlowControl&) = delete;
  ~FlowControl();

  // ---- sending side, any thread ----

  // What a message for a remote actor does: leaves (kSend; after waiting, if `to` was paused
  // under kBlock and this thread may block); is dropped as `to`'s policy says (kDrop under
  // kDropNewest, kRefuse under kFail or for a sender that may not wait); or stays because the node
  // stopped while it waited (kStopped).
  enum class Admission { kSend, kDrop, kRefuse, kStopped };
  Admission admit(Pid to) {
    if (paused_count_.load(std::memory_order_acquire) == 0) return Admission::kSend;
    return admit_paused(to);
  }
  // A pause or resume envelope from `actor`'s node.
  void paused(Pid actor, OverflowPolicy policy);
  void resumed(Pid actor);

  // ---- receiving side, the transport's thread ----

  // Delivers a message from node `from` to local actor `to` through `last`
  // (Runtime::deliver_local), parking it or refusing it as above when the mailbox is full.
  void deliver(uint32_t from, Pid to, ElementPtr element, Runtime::Recipient& last) {
    // The common case, inline: nothing parked here, and room in the mailbox.
    if (parked_count_.load(std::memory_order_acquire) == 0) {
      if (runtime_.offer_local(to, element, last) != OfferResult::kFull) return;
      refuse_full(from, to, std::move(element), last);
      return;
    }
    deliver_past_room(from, to, std::move(element), last);
  }

  // An exit signal or down message for local actor `to`: behind its parked messages, if any,
  // but exit(pid, kill), which acts at once.
  void deliver_signal(Pid to, ElementPtr element);

  // ---- both ----

  // Node `node` is gone: what waits on its actors goes on (and fails there), its pauses and the
  // pauses this node owes it are forgotten.
  void node_down(uint32_t node);
  // The node stops: nobody waits any longer.
  void stop();

 private:
  // Messages parked for one local actor, and the nodes told to pause.
  struct Parked {
    ActorPtr actor;
    std::deque<ElementPtr> messages;
    absl::flat_hash_set<uint32_t> paused_nodes;
    OverflowPolicy policy = OverflowPolicy::kBlock;
  };

  // How often a sender waiting for a resume looks whether the runtime is shutting down.
  static constexpr auto kStopCheckInterval = std::chrono::milliseconds(5);

  Admission admit_paused(Pid to);
  // deliver() while some actor has messages parked.
  void deliver_past_room(uint32_t from, Pid to, ElementPtr element, Runtime::Recipient& last);
  // `to`'s mailbox is full (last.actor): parks `element` or makes it a dead letter, by policy,
  // and pauses `from`.
  void refuse_full(uint32_t from, Pid to, ElementPtr element, Runtime::Recipient& last);
  // `actor`'s mailbox has room: parked messages go in, then paused nodes resume.
  void on_room(Pid actor);
  // Has on_room called once `actor` has room (at once if it has some now).
  void await_room(const ActorPtr& actor) ABSL_LOCKS_EXCLUDED(mutex_);
  // Parks `element` if `to` has messages parked under policy block (pausing `from`, unless 0, if
  // it was not yet); false otherwise.
  bool park_behind(Pid to, ElementPtr& element, uint32_t from) ABSL_LOCKS_EXCLUDED(mutex_);

  Runtime& runtime_;
  const SendSignal send_signal_;

  Mutex mutex_;
  CondVar resumed_;
  bool stopped_ ABSL_GUARDED_BY(mutex_) = false;
  // Sending side: remote actors that asked this node to pause, with their policy.
  absl::flat_hash_map<Pid, OverflowPolicy> paused_ ABSL_GUARDED_BY(mutex_);
  std::atomic<size_t> paused_count_{0};
  // Receiving side: local actors with a full mailbox that paused some node.
  absl::flat_hash_map<Pid, Parked> parked_ ABSL_GUARDED_BY(mutex_);
  std::atomic<size_t> parked_count_{0};
};

}  // namespace bossa
