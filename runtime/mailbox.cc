#include "runtime/mailbox.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "base/mutex.h"

namespace bossa {

void ElementQueue::push_back(ElementPtr element) noexcept {
  MailboxElement* e = element.release();
  e->next = nullptr;
  append_chain(e, e, 1);
}

void ElementQueue::append_chain(MailboxElement* head, MailboxElement* tail, size_t count) noexcept {
  if (count == 0) return;
  tail->next = nullptr;
  if (tail_ == nullptr) {
    head_ = head;
  } else {
    tail_->next = head;
  }
  tail_ = tail;
  size_ += count;
}

ElementPtr ElementQueue::pop_front() noexcept {
  MailboxElement* e = head_;
  if (e == nullptr) return nullptr;
  head_ = e->next;
  if (head_ == nullptr) tail_ = nullptr;
  e->next = nullptr;
  --size_;
  return ElementPtr(e);
}

void ElementQueue::prepend(ElementQueue& other) noexcept {
  if (other.empty()) return;
  if (empty()) {
    tail_ = other.tail_;
  } else {
    other.tail_->next = head_;
  }
  head_ = other.head_;
  size_ += other.size_;
  other.head_ = other.tail_ = nullptr;
  other.size_ = 0;
}

void ElementQueue::clear() noexcept {
  while (!empty()) pop_front();
}

namespace {

// Reverses a chain linked newest first (the mailbox's stack, a run) into FIFO order at the back of
// `queue`; returns its length.
size_t append_reversed(MailboxElement* newest, ElementQueue& queue) noexcept {
  MailboxElement* reversed = nullptr;
  size_t count = 0;
  for (MailboxElement* e = newest; e != nullptr;) {
    MailboxElement* next = e->next;
    e->next = reversed;
    reversed = e;
    e = next;
    ++count;
  }
  queue.append_chain(reversed, newest, count);
  return count;
}

// The element at the top of a stack (without the count the main stack's head carries).
MailboxElement* as_element(uintptr_t top) noexcept {
  return reinterpret_cast<MailboxElement*>(top & ((uintptr_t{1} << 48) - 1));
}

}  // namespace

void ElementRun::push_back(ElementPtr element) noexcept {
  MailboxElement* e = element.release();
  e->next = newest_;
  newest_ = e;
  if (oldest_ == nullptr) oldest_ = e;
  ++size_;
}

void ElementRun::move_to(ElementQueue& queue) noexcept {
  if (oldest_ != nullptr) oldest_->next = nullptr;  // the run ends here, whatever a push linked
  append_reversed(newest_, queue);
  newest_ = oldest_ = nullptr;
  size_ = 0;
}

void ElementRun::clear() noexcept {
  ElementQueue drop;
  move_to(drop);
}

Mailbox::~Mailbox() {
  (void)close();
}

Mailbox::PushResult Mailbox::push(ElementPtr& element) noexcept {
  const PushResult result = push_chain(element.get(), element.get(), 1);
  if (result != PushResult::kClosed) element.release();
  return result;
}

Mailbox::PushResult Mailbox::push(ElementRun& run) noexcept {
  if (run.empty()) return PushResult::kQueued;
  const PushResult result = push_chain(run.newest_, run.oldest_, run.size_);
  if (result != PushResult::kClosed) {
    run.newest_ = run.oldest_ = nullptr;
    run.size_ = 0;
  }
  return result;
}

Mailbox::PushResult Mailbox::push_chain(MailboxElement* newest, MailboxElement* oldest,
                                        size_t count) noexcept {
  const uintptr_t address = reinterpret_cast<uintptr_t>(newest);
  if ((address & ~kAddressMask) != 0) [[unlikely]] {
    std::fprintf(stderr, "bossa: a mailbox element at %p uses the count's bits\n", newest);
    std::abort();  // no supported platform hands out such addresses
  }
  // Counted before they are linked, so that a fetch never subtracts what was not added: in the
  // head's count, or (a run too long for it) in extra_.
  const size_t to_head = count <= kMaxHeadCount ? count : 0;
  if (to_head != count) extra_.fetch_add(count, std::memory_order_relaxed);
  uintptr_t top = head_.load(std::memory_order_relaxed);
  for (;;) {
    if (top == kClosed) {
      // A failed try may have linked the chain to elements the reader has taken since.
      oldest->next = nullptr;
      if (to_head != count) extra_.fetch_sub(count, std::memory_order_relaxed);
      return PushResult::kClosed;
    }
    const bool chain = top != kEmpty && top != kBlocked;
    oldest->next = chain ? as_element(top) : nullptr;
    size_t below = count_of(top);
    size_t carried = 0;
    if (below + to_head > kMaxHeadCount) {
      // The head's count is full: what it counts moves to extra_ (once per 64 k elements).
      carried = below;
      below = 0;
      extra_.fetch_add(carried, std::memory_order_relaxed);
    }
    if (head_.compare_exchange_weak(top, address | ((below + to_head) << kCountShift),
                                    std::memory_order_acq_rel, std::memory_order_relaxed)) {
      return top == kBlocked ? PushResult::kReaderWasBlocked : PushResult::kQueued;
    }
    if (carried != 0) extra_.fetch_sub(carried, std::memory_order_relaxed);
  }
}

Mailbox::PushResult Mailbox::push_urgent(ElementPtr& element) noexcept {
  extra_.fetch_add(1, std::memory_order_relaxed);
  uintptr_t top = urgent_.load(std::memory_order_relaxed);
  do {
    if (top == kClosed) {
      element->next = nullptr;
      extra_.fetch_sub(1, std::memory_order_relaxed);
      return PushResult::kClosed;
    }
    element->next = top == kEmpty ? nullptr : as_element(top);
  } while (!urgent_.compare_exchange_weak(top, reinterpret_cast<uintptr_t>(element.get()),
                                          std::memory_order_seq_cst, std::memory_order_relaxed));
  element.release();
  // Sequentially consistent with try_block: either it sees the signal or this sees it blocked.
  uintptr_t blocked = kBlocked;
  return head_.compare_exchange_strong(blocked, kEmpty, std::memory_order_seq_cst,
                                       std::memory_order_relaxed)
             ? PushResult::kReaderWasBlocked
             : PushResult::kQueued;
}

size_t Mailbox::fetch_urgent(ElementQueue& queue) noexcept {
  if (!has_urgent()) return 0;
  const uintptr_t top = urgent_.exchange(kEmpty, std::memory_order_acq_rel);
  const size_t count = append_reversed(as_element(top), queue);
  taken(count, count);
  return count;
}

size_t Mailbox::fetch(ElementQueue& queue) noexcept {
  uintptr_t top = head_.load(std::memory_order_relaxed);
  if (top == kEmpty || top == kBlocked || top == kClosed) return 0;
  top = head_.exchange(kEmpty, std::memory_order_acq_rel);
  const size_t count = append_reversed(as_element(top), queue);
  taken(count, count - count_of(top));
  return count;
}

void Mailbox::taken(size_t count, size_t from_extra) noexcept {
  held_.store(held_.load(std::memory_order_relaxed) + count, std::memory_order_release);
  if (from_extra != 0) extra_.fetch_sub(from_extra, std::memory_order_relaxed);
}

bool Mailbox::try_block() noexcept {
  uintptr_t expected = kEmpty;
  if (!head_.compare_exchange_strong(expected, kBlocked, std::memory_order_seq_cst,
                                     std::memory_order_relaxed)) {
    return false;
  }
  // Sequentially consistent with call_when_room: before the reader sleeps, either it sees the
  // depth it left or this sees its callback.
  if (room_wanted_.load(std::memory_order_seq_cst)) call_if_room();
  const uintptr_t urgent = urgent_.load(std::memory_order_seq_cst);
  if (urgent == kEmpty || urgent == kClosed) return true;
  // A signal came as we blocked: stay awake, unless its push took the blocked state already
  // (then it wakes us).
  return !try_unblock();
}

bool Mailbox::try_unblock() noexcept {
  uintptr_t expected = kBlocked;
  return head_.compare_exchange_strong(expected, kEmpty, std::memory_order_acq_rel,
                                       std::memory_order_relaxed);
}

Mailbox::Leftovers Mailbox::close() noexcept {
  const uintptr_t main = head_.exchange(kClosed, std::memory_order_seq_cst);
  const uintptr_t urgent = urgent_.exchange(kClosed, std::memory_order_acq_rel);
  if (room_wanted_.load(std::memory_order_seq_cst)) call_if_room();  // waiters learn it stopped
  return Leftovers(main, urgent);
}

void Mailbox::call_when_room(std::function<void()> callback) {
  if (!limit_.bounded() || has_room()) {
    callback();
    return;
  }
  {
    MutexLock lock(room_lock_);
    if (room_callbacks_ == nullptr) {
      room_callbacks_ = std::make_unique<std::vector<std::function<void()>>>();
    }
    room_callbacks_->push_back(std::move(callback));
    room_wanted_.store(true, std::memory_order_seq_cst);
  }
  // The reader may have brought the depth down before it could see the callback.
  if (has_room()) call_if_room();
}

void Mailbox::call_if_room() {
  if (!has_room()) return;
  std::vector<std::function<void()>> callbacks;
  {
    MutexLock lock(room_lock_);
    if (room_callbacks_ != nullptr) callbacks.swap(*room_callbacks_);
    room_wanted_.store(false, std::memory_order_relaxed);
  }
  for (std::function<void()>& callback : callbacks) callback();
}

void Mailbox::Leftovers::move_to(ElementQueue& queue) noexcept {
  for (uintptr_t* lane : {&main_, &urgent_}) {
    const uintptr_t top = std::exchange(*lane, kEmpty);
    if (top != kEmpty && top != kBlocked && top != kClosed) append_reversed(as_element(top), queue);
  }
}

}  // namespace bossa
