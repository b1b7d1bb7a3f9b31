// Mailbox: the lock-free inbox of one actor (many writers, one reader).
//
// Writers push elements onto an intrusive stack with one compare-and-swap; the reader takes the
// whole stack at once and reverses it, so it sees elements in push order: FIFO per sender, and a
// total order overall. The stack head doubles as the reader's state:
//   empty    the reader is running and will look again;
//   blocked  the reader is asleep: the push that finds this state must wake it (PushResult says
//            so);
//   closed   the actor is gone: pushes fail and the element stays with the caller (a dead
//            letter).
// Exactly one push observes `blocked`, so an actor is woken exactly once per sleep. A writer with
// several elements for one mailbox gathers them in an ElementRun and pushes them with one
// compare-and-swap.
//
// Exit signals take a second stack, the urgent lane, which the reader looks at before each
// message: a signal never waits behind a backlog. push_urgent links the signal, then takes the
// blocked state if the reader sleeps; try_block looks at the urgent lane after it blocked and
// takes its own wake-up back if a signal came meanwhile, so a signal wakes the reader exactly once
// too.
//
// depth() counts everything queued for the actor, both lanes. The main stack's head carries the
// count of the elements under it in its top 16 bits (a pointer uses 48), so that a push counts
// with the same compare-and-swap that links it; when that count is full (65535), the push that
// finds it so moves it to a counter beside (extra_), which also counts signals. The reader moves
// what it fetches to the count it says it holds (set_held). depth() may run ahead of the truth by
// what the reader handled since it last said so (a turn), never behind it by more than one fetch.
//
// The mailbox keeps its MailboxLimit (mailbox_limit.h) but enforces nothing itself: full_for()
// tells a sender whether an element would go past it, and call_when_room() waits for the reader
// to bring the depth down to the low-water mark. Actor applies the policy.
//
// Thread-safety: push(), push_urgent(), full_for(), call_when_room(), depth(), limit() and
// closed() from any thread; every other method from the single reader only (set_limit before
// the mailbox is shared). An ElementRun belongs to one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/spin_lock.h"
#include "runtime/mailbox_element.h"
#include "runtime/mailbox_limit.h"
#include "runtime/system_messages.h"

namespace bossa {

// A FIFO list of elements owned by the reader, linked through MailboxElement::next.
class ElementQueue {
 public:
  ElementQueue() = default;
  ElementQueue(const ElementQueue&) = delete;
  ElementQueue& operator=(const ElementQueue&) = delete;
  ~ElementQueue() { clear(); }

  bool empty() const noexcept { return head_ == nullptr; }
  size_t size() const noexcept { return size_; }

  void push_back(ElementPtr element) noexcept;
  ElementPtr pop_front() noexcept;
  // Moves all of `other` in front of this queue's elements, keeping both orders.
  void prepend(ElementQueue& other) noexcept;
  // Appends the chain head..tail (linked through next) of `count` elements.
  void append_chain(MailboxElement* head, MailboxElement* tail, size_t count) noexcept;
  void clear() noexcept;

 private:
  MailboxElement* head_ = nullptr;
  MailboxElement* tail_ = nullptr;
  size_t size_ = 0;
};

// Elements bound for one mailbox, gathered by one thread to be pushed together (Mailbox::push of
// a run): one compare-and-swap and at most one wake-up for all of them. Linked through
// MailboxElement::next newest first, the order the mailbox's stack keeps.
class ElementRun {
 public:
  ElementRun() = default;
  ElementRun(const ElementRun&) = delete;
  ElementRun& operator=(const ElementRun&) = delete;
  ~ElementRun() { clear(); }

  bool empty() const noexcept { return newest_ == nullptr; }
  size_t size() const noexcept { return size_; }

  void push_back(ElementPtr element) noexcept;
  // Moves the elements, oldest first, to the back of `queue`.
  void move_to(ElementQueue& queue) noexcept;
  void clear() noexcept;

 private:
  friend class Mailbox;

  MailboxElement* newest_ = nullptr;
  MailboxElement* oldest_ = nullptr;
  size_t size_ = 0;
};

class Mailbox {
 public:
  enum class PushResult {
    kQueued,            // the reader is awake or already woken
    kReaderWasBlocked,  // the caller must wake the reader
    kClosed,            // the mailbox is closed; the element was not taken
  };

  // Starts empty with the reader awake (a new actor runs once before it first blocks).
  Mailbox() = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox();

  // Before the mailbox is shared.
  void set_limit(MailboxLimit limit) noexcept { limit_ = limit; }
  const MailboxLimit& limit() const noexcept { return limit_; }
  // Any thread: whether `element` would take the mailbox past its capacity, with `extra` more
  // elements on their way (a held run). Only messages (kUser, kRequest; not a DownMsg) count.
  bool full_for(const MailboxElement& element, size_t extra = 0) const noexcept {
    return limit_.bounded() && depth() + extra >= limit_.capacity &&
           counts_against_capacity(element);
  }
  static bool counts_against_capacity(const MailboxElement& element) noexcept {
    return (element.kind == MessageKind::kUser || element.kind == MessageKind::kRequest) &&
           !element.is<DownMsg>();
  }
  // Any thread: calls `callback` once, soon after the depth has fallen to the low-water mark, on
  // the reader's thread (keep it short: it delays the actor), or at once on this thread if the
  // depth is there already, the mailbox is unbounded, or it is closed (closing calls every
  // waiting callback).
  void call_when_room(std::function<void()> callback);

  // Any thread, whatever the limit. On kClosed, ownership of the element stays with `element`.
  PushResult push(ElementPtr& element) noexcept;
  // Any thread: pushes a run of elements at once, in their order. The run is empty afterwards,
  // except on kClosed, where it keeps them.
  PushResult push(ElementRun& run) noexcept;

  // Any thread: pushes an exit signal onto the urgent lane (and wakes the reader, as push does).
  // On kClosed, ownership of the element stays with `element`.
  PushResult push_urgent(ElementPtr& element) noexcept;

  // Reader: moves everything pushed so far to the back of `queue`, in push order. Returns the
  // count.
  size_t fetch(ElementQueue& queue) noexcept;
  // Reader: whether the urgent lane holds a signal; a cheap look before each message.
  bool has_urgent() const noexcept {
    const uintptr_t top = urgent_.load(std::memory_order_acquire);
    return top != kEmpty && top != kClosed;
  }
  // Reader: moves the urgent lane's signals to the back of `queue`, in push order.
  size_t fetch_urgent(ElementQueue& queue) noexcept;
  // Reader: goes to sleep if nothing was pushed since the last fetch. False means new elements
  // (or a signal) arrived: fetch them instead of sleeping. True when a push took the wake-up of a
  // sleep that had to be cut short: the pusher wakes the reader, as for any sleep.
  bool try_block() noexcept;
  // Reader: marks itself awake again after a wake-up (the blocked state was consumed by a push, so
  // this is only needed when the reader woke for another reason, e.g. a timeout).
  bool try_unblock() noexcept;
  // What a closed mailbox still held (both lanes), taken in one step; put in push order only when
  // moved to a queue, a walk over every element that a stopping actor leaves for last.
  class Leftovers {
   public:
    Leftovers(const Leftovers&) = delete;
    Leftovers& operator=(const Leftovers&) = delete;
    ~Leftovers() {
      ElementQueue drop;
      move_to(drop);
    }
    // Moves the elements to the back of `queue`: the main lane's in push order, then the urgent
    // lane's.
    void move_to(ElementQueue& queue) noexcept;

   private:
    friend class Mailbox;
    Leftovers(uintptr_t main, uintptr_t urgent) : main_(main), urgent_(urgent) {}
    uintptr_t main_;
    uintptr_t urgent_;
  };
  // Reader: closes the mailbox; later pushes fail. Returns what was still inside.
  [[nodiscard]] Leftovers close() noexcept;

  // Any thread: how many elements wait for the actor, pushed but not fetched yet plus those the
  // reader holds fetched and unhandled (as it last said with set_held, after each fetch and each
  // turn): the backlog of an actor that cannot keep up.
  size_t depth() const noexcept {
    return count_of(head_.load(std::memory_order_relaxed)) +
           extra_.load(std::memory_order_relaxed) + held_.load(std::memory_order_relaxed);
  }
  // Reader: how many fetched elements it holds unhandled (cached or stashed), for depth(); calls
  // the call_when_room callbacks if that brought the depth down to the low-water mark.
  void set_held(size_t count) noexcept {
    held_.store(count, std::memory_order_release);
    // A callback registered as the depth fell may be missed here; then try_block, before the
    // reader sleeps, or the next set_held finds it.
    if (room_wanted_.load(std::memory_order_relaxed)) [[unlikely]]
      call_if_room();
  }

  bool closed() const noexcept { return head_.load(std::memory_order_acquire) == kClosed; }
  // Reader: whether anything was pushed since the last fetch (or the mailbox closed): a cheap look
  // for a reader that polls before it blocks.
  bool pushed_since_fetch() const noexcept {
    return head_.load(std::memory_order_acquire) != kEmpty;
  }
  bool blocked() const noexcept { return head_.load(std::memory_order_acquire) == kBlocked; }

 private:
  static constexpr uintptr_t kEmpty = 0;
  static constexpr uintptr_t kBlocked = 1;
  static constexpr uintptr_t kClosed = 2;
  // The main stack's head: an element's address in the low bits, the count of elements in the
  // stack (those not counted in extra_) in the top ones.
  static constexpr int kCountShift = 48;
  static constexpr uintptr_t kAddressMask = (uintptr_t{1} << kCountShift) - 1;
  static constexpr uintptr_t kMaxHeadCount = ~uintptr_t{0} >> kCountShift;
  static size_t count_of(uintptr_t top) noexcept { return top > kClosed ? top >> kCountShift : 0; }

  // Pushes the `count` elements linked from `newest` down to `oldest` with one compare-and-swap.
  PushResult push_chain(MailboxElement* newest, MailboxElement* oldest, size_t count) noexcept;
  // Reader: `count` elements left a stack for the reader's hands, `from_extra` of them counted in
  // extra_.
  void taken(size_t count, size_t from_extra) noexcept;
  // Sequentially consistent loads, for the handshake between set_held or close and
  // call_when_room.
  bool has_room() const noexcept {
    const uintptr_t top = head_.load(std::memory_order_seq_cst);
    return top == kClosed || count_of(top) + extra_.load(std::memory_order_seq_cst) +
                                     held_.load(std::memory_order_seq_cst) <=
                                 limit_.low_water();
  }
  // Runs the waiting callbacks if there is room.
  void call_if_room();

  // Written by pushers: the main stack, and what it holds beyond the count in its head.
  std::atomic<uintptr_t> head_{kEmpty};
  std::atomic<size_t> extra_{0};  // pushed, not fetched, not counted in head_ (signals too)
  // Read by pushers, written by the reader at most once a fetch.
  std::atomic<size_t> held_{0};  // for depth(); written by the reader only
  MailboxLimit limit_ = MailboxLimit::unbounded();
  std::atomic<bool> room_wanted_{false};  // room_callbacks_ holds callbacks
  SpinLock room_lock_;
  // Allocated on first use: most mailboxes never fill.
  std::unique_ptr<std::vector<std::function<void()>>> room_callbacks_ ABSL_GUARDED_BY(room_lock_);
  // Read by the reader before each message, written by rare pushes: away from head_'s cache line.
  std::atomic<uintptr_t> urgent_{kEmpty};  // a stack of signals, kEmpty, or kClosed
};

}  // namespace bossa
