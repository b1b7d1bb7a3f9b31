#include "transport/socket/core/message.h"

#include <new>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"

namespace bossa::socket {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kKeepBlocks = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kKeepBlocks = false;
#else
constexpr bool kKeepBlocks = true;
#endif
#else
constexpr bool kKeepBlocks = true;
#endif

// Frames of 16 to 64 KiB (the body of a large message as it is read in place, a batch of a
// bossa node's envelopes) get blocks of one size, and up to kMaxKeptBlocks freed ones are kept
// for the next: freed, blocks of that size went back to the system and the next ones were
// faulted in again a page at a time, on the thread that reads the socket. Not under
// AddressSanitizer, which must see every block come from the heap.
constexpr std::size_t kKeptMinOctets = 16 * 1024;
constexpr std::size_t kKeptMaxOctets = 64 * 1024 + 64;
constexpr std::size_t kMaxKeptBlocks = 64;

bool kept_size(std::size_t octets) {
  return kKeepBlocks && octets >= kKeptMinOctets && octets <= kKeptMaxOctets;
}

class KeptBlocks {
 public:
  KeptBlocks() { blocks_.reserve(kMaxKeptBlocks); }  // so that giving one back never allocates

  void* take(std::size_t bytes) {
    {
      MutexLock lock(mutex_);
      if (!blocks_.empty()) {
        void* block = blocks_.back();
        blocks_.pop_back();
        return block;
      }
    }
    return ::operator new(bytes);
  }
  void give_back(void* block) {
    {
      MutexLock lock(mutex_);
      if (blocks_.size() < kMaxKeptBlocks) {
        blocks_.push_back(block);
        return;
      }
    }
    ::operator delete(block);
  }

 private:
  Mutex mutex_;
  std::vector<void*> blocks_ ABSL_GUARDED_BY(mutex_);
};

// Never destroyed: frames may be freed while the process exits.
KeptBlocks& kept_blocks() {
  static KeptBlocks* const blocks = new KeptBlocks;
  return *blocks;
}

}  // namespace

bool Frame::keeps_large_blocks() noexcept {
  return kKeepBlocks;
}

Frame::Frame(std::size_t size) : size_(size) {
  if (is_inline()) return;
  // One allocation: the block header, then the octets.
  void* raw = kept_size(size) ? kept_blocks().take(sizeof(Block) + kKeptMaxOctets)
                              : ::operator new(sizeof(Block) + size);
  Block* block = new (raw) Block{{1}, nullptr, nullptr};
  ext_ = External{block, reinterpret_cast<std::uint8_t*>(block + 1)};
}

Frame Frame::adopt(void* data, std::size_t size, Deleter deleter, void* hint) {
  Frame f;
  if (size <= kInlineCapacity) {
    // Too small to be worth sharing: copy and release the caller's memory at once.
    f.size_ = size;
    if (size != 0) std::memcpy(f.inline_, data, size);
    if (deleter != nullptr) deleter(data, hint);
    return f;
  }
  f.size_ = size;
  // A null deleter becomes a no-op one: a null deleter marks bossa's own single-allocation blocks.
  if (deleter == nullptr) deleter = [](void*, void*) {};
  Block* block = new Block{{1}, deleter, hint};
  f.ext_ = External{block, static_cast<std::uint8_t*>(data)};
  return f;
}

Frame::Frame(const Frame& other) noexcept : size_(other.size_) {
  if (is_inline()) {
    std::memcpy(inline_, other.inline_, size_);
  } else {
    ext_ = other.ext_;
    ext_.block->refs.fetch_add(1, std::memory_order_relaxed);
  }
}

Frame& Frame::operator=(const Frame& other) noexcept {
  if (this != &other) {
    Frame copy(other);
    release();
    steal(copy);
  }
  return *this;
}

Frame::Frame(Frame&& other) noexcept : size_(0) {
  steal(other);
}

Frame& Frame::operator=(Frame&& other) noexcept {
  if (this != &other) {
    release();
    steal(other);
  }
  return *this;
}

void Frame::steal(Frame& other) noexcept {
  size_ = other.size_;
  if (is_inline()) {
    std::memcpy(inline_, other.inline_, size_);
  } else {
    ext_ = other.ext_;
  }
  other.size_ = 0;
}

void Frame::release() noexcept {
  if (is_inline()) return;
  Block* block = ext_.block;
  if (block->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (block->deleter != nullptr) {
    block->deleter(ext_.data, block->hint);
    delete block;
  } else {
    block->~Block();
    if (kept_size(size_)) {
      kept_blocks().give_back(block);
    } else {
      ::operator delete(block);
    }
  }
  size_ = 0;
}

std::size_t Message::bytes() const {
  std::size_t n = 0;
  for (const Frame& f : frames_) n += f.size();
  return n;
}

}  // namespace bossa::socket
