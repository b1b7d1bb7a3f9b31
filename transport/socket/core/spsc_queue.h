// SpscQueue: a single-producer single-consumer message queue with a high-water mark and sleep/wake
// hand-off; the one channel between a socket (user thread) and a connection (I/O thread), or
// between two inproc sockets.
//
// The producer writes freely and publishes with flush() (one atomic store per batch); the consumer
// publishes what it took with release_reads(). Neither side locks, and a steady stream allocates
// nothing (spent chunks come back through a one-slot cache). A consumer that finds the queue empty
// arms a wake-up: the producer's next flush calls the reader listener exactly once; a producer that
// finds it full is woken likewise by release_reads (the writer listener). No wake-up is lost.
//
// Thread-safety: exactly one producer thread and one consumer thread at a time. Listeners are set
// before the queue is shared and run on the thread that triggers them; they must be cheap and must
// not call back into the queue.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

namespace bossa::socket {

// Told that the other side of a queue made progress. Implementations post or signal; they never
// block.
class QueueListener {
 public:
  virtual ~QueueListener() = default;
  virtual void on_queue_ready() = 0;
};

template <typename T>
class SpscQueue {
 public:
  static constexpr std::size_t kChunk = 64;

  // `limit` is the high-water mark in items; 0 means unlimited.
  explicit SpscQueue(std::size_t limit) : limit_(limit) { head_chunk_ = tail_chunk_ = new Chunk; }
  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;
  ~SpscQueue() {
    while (head_count_ != tail_count_) {
      head_slot()->~T();
      advance();
    }
    for (Chunk* c = head_chunk_; c != nullptr;) {
      Chunk* next = c->next.load(std::memory_order_relaxed);
      delete c;
      c = next;
    }
    delete spare_.load(std::memory_order_relaxed);
  }

  // Set once, before the queue is shared.
  void set_reader_listener(std::shared_ptr<QueueListener> l) { reader_listener_ = std::move(l); }
  void set_writer_listener(std::shared_ptr<QueueListener> l) { writer_listener_ = std::move(l); }
  void set_limit(std::size_t limit) { limit_.store(limit, std::memory_order_relaxed); }

  // ---- producer side ----

  // False when the queue holds `limit` items (the writer listener will fire once space frees up).
  bool full() {
    const std::size_t limit = limit_.load(std::memory_order_relaxed);
    if (limit == 0 || tail_count_ - cached_read_ < limit) return false;
    cached_read_ = read_.load(std::memory_order_acquire);
    if (tail_count_ - cached_read_ < limit) return false;
    writer_waiting_.store(true, std::memory_order_seq_cst);
    cached_read_ = read_.load(std::memory_order_seq_cst);
    if (tail_count_ - cached_read_ < limit) {
      writer_waiting_.store(false, std::memory_order_relaxed);
      return false;
    }
    return true;
  }

  // Appends `item`; invisible to the consumer until flush(). Does not check the limit.
  void push(T&& item) {
    if (tail_pos_ == kChunk) {
      Chunk* c = spare_.exchange(nullptr, std::memory_order_acquire);
      if (c == nullptr) {
        c = new Chunk;
      } else {
        c->next.store(nullptr, std::memory_order_relaxed);
      }
      tail_chunk_->next.store(c, std::memory_order_release);
      tail_chunk_ = c;
      tail_pos_ = 0;
    }
    new (tail_chunk_->slot(tail_pos_)) T(std::move(item));
    ++tail_pos_;
    ++tail_count_;
  }

  // Publishes pushed items; wakes a sleeping consumer. Returns true when it woke one.
  bool flush() {
    if (published_ == tail_count_) return false;
    published_ = tail_count_;
    written_.store(tail_count_, std::memory_order_seq_cst);
    if (reader_waiting_.load(std::memory_order_seq_cst) &&
        reader_waiting_.exchange(false, std::memory_order_acq_rel)) {
      if (reader_listener_) reader_listener_->on_queue_ready();
      return true;
    }
    return false;
  }

  // The producer will write no more: the consumer sees closed() once it has drained the queue.
  // Always tells the reader listener, sleeping or not, so that it notices the end.
  void close_writer() {
    flush();
    closed_.store(true, std::memory_order_seq_cst);
    reader_waiting_.store(false, std::memory_order_relaxed);
    if (reader_listener_) reader_listener_->on_queue_ready();
  }

  // True once close_writer ran, whether or not items remain (either side).
  bool writer_closed() const { return closed_.load(std::memory_order_acquire); }

  // ---- consumer side ----

  // Takes the oldest published item into `out`; false (and the reader listener armed) when empty.
  bool pop(T& out) {
    if (!readable()) return false;
    T* slot = head_slot();
    out = std::move(*slot);
    slot->~T();
    advance();
    return true;
  }

  // The oldest published item, or null (and the reader listener armed) when empty. Stays in place
  // until drop_front().
  T* peek() { return readable() ? head_slot() : nullptr; }

  // Destroys the item peek() returned.
  void drop_front() {
    head_slot()->~T();
    advance();
  }

  // Makes consumed items count as free space for the producer. A producer blocked on the limit is
  // woken once the queue is down to half the limit (hysteresis: one wake-up per half queue, not one
  // per item); an empty queue always qualifies, so a blocked producer is never stranded.
  void release_reads() {
    if (released_ == head_count_) return;
    released_ = head_count_;
    read_.store(head_count_, std::memory_order_seq_cst);
    if (!writer_waiting_.load(std::memory_order_seq_cst)) return;
    const std::uint64_t left = written_.load(std::memory_order_acquire) - head_count_;
    if (left > limit_.load(std::memory_order_relaxed) / 2) return;
    if (writer_waiting_.exchange(false, std::memory_order_acq_rel) && writer_listener_) {
      writer_listener_->on_queue_ready();
    }
  }

  // True once the producer closed and every item was taken.
  bool closed() { return closed_.load(std::memory_order_acquire) && !readable_quiet(); }

  // Items published and not yet taken (approximate from any thread, exact from the consumer).
  std::size_t size() const {
    return written_.load(std::memory_order_acquire) - read_.load(std::memory_order_acquire);
  }

 private:
  struct Chunk {
    alignas(T) unsigned char storage[kChunk * sizeof(T)];
    std::atomic<Chunk*> next{nullptr};
    T* slot(std::size_t i) { return std::launder(reinterpret_cast<T*>(storage + i * sizeof(T))); }
  };

  bool readable_quiet() {
    if (head_count_ != cached_written_) return true;
    cached_written_ = written_.load(std::memory_order_acquire);
    return head_count_ != cached_written_;
  }

  bool readable() {
    if (readable_quiet()) return true;
    reader_waiting_.store(true, std::memory_order_seq_cst);
    cached_written_ = written_.load(std::memory_order_seq_cst);
    if (head_count_ == cached_written_) return false;
    reader_waiting_.store(false, std::memory_order_relaxed);
    return true;
  }

  // The slot at the head (an item must be there); moves to the next chunk, recycling the spent one,
  // when the head chunk is used up.
  T* head_slot() {
    if (head_pos_ == kChunk) {
      Chunk* next = head_chunk_->next.load(std::memory_order_acquire);
      delete spare_.exchange(head_chunk_, std::memory_order_acq_rel);
      head_chunk_ = next;
      head_pos_ = 0;
    }
    return head_chunk_->slot(head_pos_);
  }

  void advance() {
    ++head_pos_;
    ++head_count_;
  }

  std::atomic<std::size_t> limit_;
  std::shared_ptr<QueueListener> reader_listener_;
  std::shared_ptr<QueueListener> writer_listener_;
  std::atomic<Chunk*> spare_{nullptr};
  std::atomic<bool> closed_{false};

  // Producer-owned.
  alignas(64) Chunk* tail_chunk_;
  std::size_t tail_pos_ = 0;
  std::uint64_t tail_count_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t cached_read_ = 0;
  alignas(64) std::atomic<std::uint64_t> written_{0};
  std::atomic<bool> reader_waiting_{false};

  // Consumer-owned.
  alignas(64) Chunk* head_chunk_;
  std::size_t head_pos_ = 0;
  std::uint64_t head_count_ = 0;
  std::uint64_t released_ = 0;
  std::uint64_t cached_written_ = 0;
  alignas(64) std::atomic<std::uint64_t> read_{0};
  std::atomic<bool> writer_waiting_{false};
};

}  // namespace bossa::socket
