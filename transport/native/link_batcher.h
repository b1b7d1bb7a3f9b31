// LinkBatcher: the batching state machine of one link (the connection towards one peer).
//
// On an idle link send() hands the envelope to the link at once, from the caller's thread; sends
// that follow closely (kStreamingGap) join the link's batch, which the flusher sends kBatchDelay
// after it began. flush() never waits for the peer; a batch of kMaxBatchBytes makes send() wait
// for room, up to the room timeout. docs/cluster.md ("Inside the native transport") tells it all.
//
// The batcher does no I/O and has no clock of its own: it asks its Io to send and to arm timers
// and its Clock for the time, so that a test can step it. Both outlive it.
// Thread-safety: any thread may send(); the flusher calls flush() (so does stop(), once the
// flusher is gone). No lock of the batcher is held while it calls the Io, but for arm_retry():
// the Io's send functions may take the link's socket lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "base/spin_lock.h"
#include "transport/native/chunk_pool.h"
#include "transport/native/chunked_batch.h"
#include "transport/socket/core/message.h"

namespace bossa::transport {

class LinkBatcher {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // A send this soon after the previous one on its link joins the batch (the link is streaming);
  // a later one leaves at once from the sender's thread.
  static constexpr auto kStreamingGap = std::chrono::microseconds(5);
  // A streaming link's batch leaves kBatchDelay after it began, or at once when it already holds
  // kFullBatchBytes (large messages). Measured on 2 cores: 30 us batches gave 1.3 M msg/s,
  // 100 us 1.6 M, 300 us 1.8 M.
  static constexpr auto kBatchDelay = std::chrono::microseconds(100);
  static constexpr size_t kFullBatchBytes = 64 * 1024;
  // A batch this big makes send() wait until the flusher takes it.
  static constexpr size_t kMaxBatchBytes = size_t{4} << 20;
  // How soon a batch whose peer's queue was full is tried again.
  static constexpr auto kStalledRetry = std::chrono::milliseconds(1);

  class Clock {
   public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // std::chrono::steady_clock.
    static const Clock& steady();
  };

  // What the batcher asks of its link.
  class Io {
   public:
    virtual ~Io() = default;
    // Sends an idle link's batch from the sender's thread; may wait while the peer's queue is full
    // (up to the room timeout). What a closed link refuses is lost.
    virtual void send_inline(std::vector<std::string> chunks) = 0;
    // The kData message around one chunk of a batch.
    virtual socket::Message frame(std::string chunk) = 0;
    // Sends `messages` in order without waiting, removing each that went; the status of the last
    // try (Unavailable when the peer's queue is full).
    virtual absl::Status send_queued(std::deque<socket::Message>& messages) = 0;
    // Has flush(/*retry=*/false) called after `delay` (zero: as soon as the flusher can).
    virtual void arm_flush(std::chrono::microseconds delay) = 0;
    // Has flush(/*retry=*/true) called after kStalledRetry. Called under the batcher's lock.
    virtual void arm_retry() = 0;
    // False once the node stops: a refused batch is then lost instead of kept for a retry.
    virtual bool running() const = 0;
  };

  enum class SendResult {
    kQueued,  // sent, or batched for the flusher
    kNoRoom,  // the batch stayed full for the whole room timeout
    kClosed,  // the link is closed
  };

  LinkBatcher(Io& io, const Clock& clock, ChunkPool* chunk_pool,
              std::chrono::nanoseconds room_timeout);

  // Sends `envelope` or batches it (see above). `keep_link` is called before send() may wait or
  // arms a flush: the caller then holds the link by a reference of its own, not by a lock that a
  // sender or the link's owner may need.
  SendResult send(std::string_view envelope, absl::FunctionRef<void()> keep_link);

  // Sends what is batched, or the batch the peer's full queue refused before (`retry`: the call
  // arm_retry() asked for; otherwise arm_flush()'s). True when it sent all it took or found
  // nothing to send; false when something stays behind (refused, or an idle link's sender's).
  bool flush(bool retry);

  // Drops what is batched, refuses later sends and wakes senders waiting for room.
  void close();
  // Closes as close() does if send() accepted exactly `accepted` envelopes so far and none is
  // batched or on its way: nothing is dropped. False (and nothing changes) otherwise.
  bool close_if_accepted(uint64_t accepted);

  // The envelopes send() accepted (kQueued) so far. Once close() returned, the final count.
  uint64_t accepted();

 private:
  // Marks a flush armed and says after how long it is due.
  std::chrono::microseconds post_flush() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  Io& io_;
  const Clock& clock_;
  const std::chrono::nanoseconds room_timeout_;

  // Held for an append or a swap of the batch, by a sender and the flusher in turn, many times a
  // millisecond under load: a spin lock, which costs no system call when they meet.
  SpinLock mutex_;
  std::condition_variable_any batch_taken_;
  ChunkedBatch batch_ ABSL_GUARDED_BY(mutex_);
  bool flush_posted_ ABSL_GUARDED_BY(mutex_) = false;
  // A batch is being sent, by the flusher or by an idle link's sender.
  bool in_flight_ ABSL_GUARDED_BY(mutex_) = false;
  // The messages of a batch the peer's full queue refused, oldest first.
  std::deque<socket::Message> stalled_ ABSL_GUARDED_BY(mutex_);
  bool retry_scheduled_ ABSL_GUARDED_BY(mutex_) = false;
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t accepted_ ABSL_GUARDED_BY(mutex_) = 0;
  // When a sender last sent while nothing was batched, or the flusher last sent a batch.
  TimePoint last_send_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace bossa::transport
