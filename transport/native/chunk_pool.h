// Chunk buffers that come back: the memory of a batch chunk (chunked_batch.h) returns here once
// the socket has written it, and a later chunk fills it again. Freed, buffers of that size went
// back to the system and the next ones were faulted in again, a page at a time: about a tenth of
// a streaming sender's time.
//
//   std::string chunk = pool.take();                       // empty, often with a kept capacity
//   ... append envelopes ...
//   socket::Frame body = pool.frame_of(std::move(chunk));  // its buffer comes back once sent
//
// Thread-safety: every member may be called from any thread. Frames give their buffers back from
// whichever thread drops them last (the socket's I/O thread), also after the pool is gone.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/spin_lock.h"
#include "transport/socket/core/message.h"

namespace bossa::transport {

class ChunkPool {
 public:
  // Buffers kept at most: 4 MiB of 64 KiB chunks. Buffers larger than kKeptCapacity (a chunk
  // holding one large envelope) go back to the allocator.
  static constexpr size_t kMaxKept = 64;
  static constexpr size_t kKeptCapacity = 64 * 1024;

  ChunkPool();

  // An empty string, with a kept buffer's capacity if there is one.
  std::string take();
  // A frame that owns `chunk`'s octets without copying them and gives its buffer back to this
  // pool when the last copy of the frame is dropped.
  socket::Frame frame_of(std::string chunk);
  // Buffers kept now.
  size_t kept() const;
  // Lets go of the kept buffers (when the links that filled them have closed).
  void release();

 private:
  struct Kept {
    Kept() { buffers.reserve(kMaxKept); }  // so that giving one back never allocates
    // A spin lock: take() runs under a link's batch lock, where no thread should sleep.
    mutable SpinLock mutex;
    std::vector<std::string> buffers ABSL_GUARDED_BY(mutex);
  };
  std::shared_ptr<Kept> kept_;
};

}  // namespace bossa::transport
