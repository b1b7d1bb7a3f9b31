#include "transport/socket/core/message.h"

#include <new>

namespace bossa::socket {

Frame::Frame(std::size_t size) : size_(size) {
  if (is_inline()) return;
  // One allocation: the block header, then the octets.
  void* raw = ::operator new(sizeof(Block) + size);
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
    ::operator delete(block);
  }
  size_ = 0;
}

std::size_t Message::bytes() const {
  std::size_t n = 0;
  for (const Frame& f : frames_) n += f.size();
  return n;
}

}  // namespace bossa::socket
