#include "transport/native/link_batcher.h"

#include <utility>

#include "base/mutex.h"

namespace bossa::transport {
namespace {

class SteadyClock final : public LinkBatcher::Clock {
 public:
  LinkBatcher::TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// How long after it began the flusher sends a batch that holds `bytes` so far.
std::chrono::microseconds flush_delay(size_t bytes) {
  return bytes < LinkBatcher::kFullBatchBytes ? LinkBatcher::kBatchDelay
                                              : std::chrono::microseconds::zero();
}

}  // namespace

const LinkBatcher::Clock& LinkBatcher::Clock::steady() {
  static const SteadyClock clock;
  return clock;
}

LinkBatcher::LinkBatcher(Io& io, const Clock& clock, ChunkPool* chunk_pool,
                         std::chrono::nanoseconds room_timeout)
    : io_(io), clock_(clock), room_timeout_(room_timeout), batch_(chunk_pool) {}

std::chrono::microseconds LinkBatcher::post_flush() {
  flush_posted_ = true;
  return flush_delay(batch_.bytes());
}

LinkBatcher::SendResult LinkBatcher::send(std::string_view envelope,
                                          absl::FunctionRef<void()> keep_link) {
  // One that may wait for the lock (its holder may be waiting for the socket) keeps the link first.
  if (!mutex_.try_lock()) {
    keep_link();
    mutex_.lock();
  }
  MutexLock lock(mutex_, kAdoptLock);
  auto has_room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return closed_ || batch_.bytes() < kMaxBatchBytes;
  };
  // Looked at before waiting: wait_for reads the clock even when it need not wait.
  if (!has_room()) {
    keep_link();
    if (!batch_taken_.wait_for(lock, room_timeout_, has_room)) return SendResult::kNoRoom;
  }
  if (closed_) return SendResult::kClosed;
  // While a batch waits for its timer or the flusher sends one, this envelope joins the next,
  // without a look at the clock (the flusher notes when it last sent instead).
  if (in_flight_ || flush_posted_) {
    batch_.append(envelope);
    ++accepted_;
    return SendResult::kQueued;
  }
  const TimePoint now = clock_.now();
  const bool streaming = now - last_send_ < kStreamingGap;
  last_send_ = now;
  if (streaming) {
    batch_.append(envelope);
    ++accepted_;
    const auto delay = post_flush();
    lock.unlock();  // the timer is set up outside the lock, which the flusher may be waiting for
    keep_link();
    io_.arm_flush(delay);
    return SendResult::kQueued;
  }
  // An idle link: this envelope leaves now, from this thread, without waiting for the flusher.
  // What comes meanwhile waits behind it (in_flight_), also while a full socket queue makes this
  // thread let the socket go between tries, and leaves with the flusher afterwards.
  keep_link();  // sending may wait for the socket
  batch_.append(envelope);
  ++accepted_;
  std::vector<std::string> chunks = batch_.take();
  in_flight_ = true;
  lock.unlock();
  io_.send_inline(std::move(chunks));
  lock.lock();
  in_flight_ = false;
  if (batch_.empty() || flush_posted_) return SendResult::kQueued;
  const auto delay = post_flush();
  lock.unlock();
  io_.arm_flush(delay);
  return SendResult::kQueued;
}

bool LinkBatcher::flush(bool retry) {
  // Locks are taken one at a time here, as an idle link's sender takes them.
  std::deque<socket::Message> messages;
  std::vector<std::string> chunks;
  {
    MutexLock lock(mutex_);
    // This call is what its timer (or post) was for.
    if (retry) {
      retry_scheduled_ = false;
    } else {
      flush_posted_ = false;
    }
    if (!stalled_.empty()) {
      messages.swap(stalled_);
    } else {
      // An idle link's sender is sending its batch itself (only stop() calls meanwhile): what
      // came after it waits for that sender, which hands it to the flusher.
      if (in_flight_) return false;
      if (batch_.empty()) return true;  // nothing came for a whole kBatchDelay: idle
      chunks = batch_.take();
      in_flight_ = true;
    }
  }
  batch_taken_.notify_all();
  for (std::string& chunk : chunks) messages.push_back(io_.frame(std::move(chunk)));
  const absl::Status sent = io_.send_queued(messages);
  MutexLock lock(mutex_);
  if (absl::IsUnavailable(sent) && io_.running()) {
    // The peer's queue is full: the rest of the batch waits (in_flight_, so everything after it
    // stays behind it) while the flusher serves the other links, and is tried again shortly.
    stalled_ = std::move(messages);
    if (!retry_scheduled_) {
      retry_scheduled_ = true;
      io_.arm_retry();
    }
    return false;
  }
  // Sent, or refused by a closed link (and lost with it). The link counts as streaming until a
  // whole kBatchDelay passes without a send, so a sender held up for a moment (preempted, say)
  // goes on filling batches instead of sending one envelope at a time.
  in_flight_ = false;
  last_send_ = clock_.now();
  if (flush_posted_) return sent.ok();
  const auto delay = post_flush();
  lock.unlock();
  io_.arm_flush(delay);
  return sent.ok();
}

uint64_t LinkBatcher::accepted() {
  MutexLock lock(mutex_);
  return accepted_;
}

void LinkBatcher::close() {
  {
    MutexLock lock(mutex_);
    closed_ = true;
    batch_.clear();
  }
  batch_taken_.notify_all();
}

bool LinkBatcher::close_if_accepted(uint64_t accepted) {
  {
    MutexLock lock(mutex_);
    if (closed_) return true;
    if (accepted_ != accepted || !batch_.empty() || in_flight_ || !stalled_.empty()) return false;
    closed_ = true;
  }
  batch_taken_.notify_all();
  return true;
}

}  // namespace bossa::transport
