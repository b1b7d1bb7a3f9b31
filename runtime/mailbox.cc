#include "runtime/mailbox.h"

#include <utility>

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

Mailbox::~Mailbox() {
  const uintptr_t top = head_.load(std::memory_order_acquire);
  if (top != kEmpty && top != kBlocked && top != kClosed) {
    ElementQueue drop;
    append_reversed(top, drop);
  }
}

Mailbox::PushResult Mailbox::push(ElementPtr& element) noexcept {
  MailboxElement* e = element.get();
  uintptr_t top = head_.load(std::memory_order_relaxed);
  for (;;) {
    if (top == kClosed) return PushResult::kClosed;
    e->next = (top == kEmpty || top == kBlocked) ? nullptr : reinterpret_cast<MailboxElement*>(top);
    if (head_.compare_exchange_weak(top, reinterpret_cast<uintptr_t>(e), std::memory_order_acq_rel,
                                    std::memory_order_relaxed)) {
      element.release();
      return top == kBlocked ? PushResult::kReaderWasBlocked : PushResult::kQueued;
    }
  }
}

size_t Mailbox::append_reversed(uintptr_t top, ElementQueue& queue) noexcept {
  MailboxElement* reversed = nullptr;
  MailboxElement* tail = reinterpret_cast<MailboxElement*>(top);
  size_t count = 0;
  for (MailboxElement* e = tail; e != nullptr;) {
    MailboxElement* next = e->next;
    e->next = reversed;
    reversed = e;
    e = next;
    ++count;
  }
  queue.append_chain(reversed, tail, count);
  return count;
}

size_t Mailbox::fetch(ElementQueue& queue) noexcept {
  uintptr_t top = head_.load(std::memory_order_relaxed);
  if (top == kEmpty || top == kBlocked || top == kClosed) return 0;
  top = head_.exchange(kEmpty, std::memory_order_acq_rel);
  return append_reversed(top, queue);
}

bool Mailbox::try_block() noexcept {
  uintptr_t expected = kEmpty;
  return head_.compare_exchange_strong(expected, kBlocked, std::memory_order_acq_rel,
                                       std::memory_order_relaxed);
}

bool Mailbox::try_unblock() noexcept {
  uintptr_t expected = kBlocked;
  return head_.compare_exchange_strong(expected, kEmpty, std::memory_order_acq_rel,
                                       std::memory_order_relaxed);
}

void Mailbox::close(ElementQueue& leftover) noexcept {
  const uintptr_t top = head_.exchange(kClosed, std::memory_order_acq_rel);
  if (top != kEmpty && top != kBlocked && top != kClosed) append_reversed(top, leftover);
}

}  // namespace bossa
