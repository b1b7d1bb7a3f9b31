// Frames and messages: what a socket sends and receives.
//
// A Frame is one contiguous run of octets. Frames up to kInlineCapacity octets live inside the
// Frame object (no allocation); larger ones live in a reference-counted block, so copying a Frame
// (as PUB does for every subscriber) shares the octets instead of copying them. Frame::adopt wraps
// memory the caller already owns, without copying (zero-copy send).
//
// A Message is one or more frames delivered whole or not at all (ZeroMQ's multipart message).
//
// Thread-safety: a Frame or Message is a value; distinct objects may be used from distinct threads
// even when they share a block (the count is atomic). Shared octets must not be written once
// shared.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <boost/container/small_vector.hpp>

namespace bossa::socket {

class Frame {
 public:
  static constexpr std::size_t kInlineCapacity = 40;
  using Deleter = void (*)(void* data, void* hint);

  Frame() noexcept : size_(0) {}
  // A frame of `size` octets, contents unspecified until written through data().
  explicit Frame(std::size_t size);
  Frame(const void* data, std::size_t size) : Frame(size) {
    if (size != 0) std::memcpy(this->data(), data, size);
  }
  explicit Frame(std::string_view s) : Frame(s.data(), s.size()) {}
  explicit Frame(const char* s) : Frame(std::string_view(s)) {}

  // Whether frames of 16 to 64 KiB take freed blocks of that range again (message.cc says why);
  // false under AddressSanitizer.
  static bool keeps_large_blocks() noexcept;

  // Takes `data` (of `size` octets) without copying; `deleter(data, hint)` runs when the last Frame
  // sharing it is destroyed. `deleter` may be null when the memory outlives every copy.
  static Frame adopt(void* data, std::size_t size, Deleter deleter, void* hint);

  Frame(const Frame& other) noexcept;
  Frame& operator=(const Frame& other) noexcept;
  Frame(Frame&& other) noexcept;
  Frame& operator=(Frame&& other) noexcept;
  ~Frame() { release(); }

  std::uint8_t* data() noexcept { return is_inline() ? inline_ : ext_.data; }
  const std::uint8_t* data() const noexcept { return is_inline() ? inline_ : ext_.data; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(data()), size_}; }
  std::string to_string() const { return std::string(view()); }

  friend bool operator==(const Frame& a, const Frame& b) { return a.view() == b.view(); }
  friend bool operator==(const Frame& a, std::string_view b) { return a.view() == b; }

 private:
  struct Block {
    std::atomic<std::uint32_t> refs;
    Deleter deleter;
    void* hint;
  };
  struct External {
    Block* block;
    std::uint8_t* data;
  };

  bool is_inline() const noexcept { return size_ <= kInlineCapacity; }
  void release() noexcept;
  void steal(Frame& other) noexcept;

  std::size_t size_;
  union {
    std::uint8_t inline_[kInlineCapacity];
    External ext_;
  };
};

class Message {
 public:
  using Frames = boost::container::small_vector<Frame, 1>;

  Message() = default;
  explicit Message(Frame f) { frames_.push_back(std::move(f)); }
  explicit Message(std::string_view single) { frames_.emplace_back(single); }
  Message(std::initializer_list<std::string_view> parts) {
    for (std::string_view p : parts) frames_.emplace_back(p);
  }

  std::size_t size() const { return frames_.size(); }
  bool empty() const { return frames_.empty(); }
  Frame& operator[](std::size_t i) { return frames_[i]; }
  const Frame& operator[](std::size_t i) const { return frames_[i]; }
  Frame& front() { return frames_.front(); }
  const Frame& front() const { return frames_.front(); }
  Frame& back() { return frames_.back(); }
  Frames::iterator begin() { return frames_.begin(); }
  Frames::iterator end() { return frames_.end(); }
  Frames::const_iterator begin() const { return frames_.begin(); }
  Frames::const_iterator end() const { return frames_.end(); }

  void push_back(Frame f) { frames_.push_back(std::move(f)); }
  void push_back(std::string_view s) { frames_.emplace_back(s); }
  void push_front(Frame f) { frames_.insert(frames_.begin(), std::move(f)); }
  Frame pop_front() {
    Frame f = std::move(frames_.front());
    frames_.erase(frames_.begin());
    return f;
  }
  void clear() { frames_.clear(); }

  // Total octets over all frames.
  std::size_t bytes() const;

  // The connection a received message came on: an id unique within its socket for the socket's
  // life (Socket::connected tells whether it is still open); 0 for a message not received.
  std::uint64_t pipe_id() const { return pipe_id_; }
  void set_pipe_id(std::uint64_t id) { pipe_id_ = id; }

  friend bool operator==(const Message& a, const Message& b) { return a.frames_ == b.frames_; }

 private:
  Frames frames_;
  std::uint64_t pipe_id_ = 0;
};

}  // namespace bossa::socket
