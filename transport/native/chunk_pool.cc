#include "transport/native/chunk_pool.h"

#include <utility>

#include "base/mutex.h"

namespace bossa::transport {

ChunkPool::ChunkPool() : kept_(std::make_shared<Kept>()) {}

std::string ChunkPool::take() {
  MutexLock lock(kept_->mutex);
  if (kept_->buffers.empty()) return std::string();
  std::string buffer = std::move(kept_->buffers.back());
  kept_->buffers.pop_back();
  return buffer;
}

socket::Frame ChunkPool::frame_of(std::string chunk) {
  // What the frame owns: the chunk, and the pool its buffer goes back to.
  struct Loan {
    std::string chunk;
    std::shared_ptr<Kept> owner;
  };
  auto* loan = new Loan{std::move(chunk), kept_};
  return socket::Frame::adopt(
      loan->chunk.data(), loan->chunk.size(),
      [](void*, void* hint) {
        std::unique_ptr<Loan> returned(static_cast<Loan*>(hint));
        if (returned->chunk.capacity() < kKeptCapacity ||
            returned->chunk.capacity() > 2 * kKeptCapacity) {
          return;
        }
        returned->chunk.clear();
        MutexLock lock(returned->owner->mutex);
        if (returned->owner->buffers.size() < kMaxKept) {
          returned->owner->buffers.push_back(std::move(returned->chunk));
        }
      },
      loan);
}

void ChunkPool::release() {
  std::vector<std::string> released;
  released.reserve(kMaxKept);  // so that the pool's own never needs to grow again
  {
    MutexLock lock(kept_->mutex);
    released.swap(kept_->buffers);
  }
}

size_t ChunkPool::kept() const {
  MutexLock lock(kept_->mutex);
  return kept_->buffers.size();
}

}  // namespace bossa::transport
