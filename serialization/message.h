// Message: a type-erased, move-only value of one C++ type; TypeTag: a C++ type's name within
// one process.
//
// A Message owns one heap object of a concrete type T (allocated by make<T>) and remembers T's
// TypeTag; get_if<T>() gives the object back when the tag matches. CodecRegistry decodes payloads
// into Messages and encodes from them. Actors do not exchange Messages: a send constructs its
// payload in place in a MailboxElement (runtime/mailbox_element.h), which moves by pointer and
// carries the same TypeTag.
//
// TypeTag is the address of a per-type inline variable: not stable across processes, so the wire
// uses the registry's type ids instead.
//
// Thread-safety: a Message is a plain value; distinct Messages may be used from distinct threads,
// one Message needs external synchronisation. type_tag_of() is safe from any thread.
#pragma once

#include <type_traits>
#include <utility>

namespace bossa {

using TypeTag = const void*;

namespace detail {
template <class T>
inline constexpr char kTypeTagAnchor = 0;
}  // namespace detail

// The tag of std::decay_t<T>: equal for equal decayed types, distinct otherwise.
template <class T>
constexpr TypeTag type_tag_of() noexcept {
  return &detail::kTypeTagAnchor<std::decay_t<T>>;
}

class Message {
 public:
  // An empty message: empty() is true, tag() is nullptr, get_if<T>() returns nullptr.
  Message() noexcept = default;

  // Constructs a T from args (T(args...), or T{args...} for an aggregate) in one new heap
  // allocation. T must be a non-reference, non-cv object type; it is destroyed when the Message is
  // destroyed or assigned to.
  template <class T, class... Args>
  static Message make(Args&&... args) {
    static_assert(std::is_same_v<T, std::decay_t<T>>, "Message holds plain object types only");
    static_assert(!std::is_same_v<T, Message>, "a Message cannot hold a Message");
    T* value;
    if constexpr (std::is_constructible_v<T, Args&&...>) {
      value = new T(std::forward<Args>(args)...);
    } else {  // aggregates, for compilers without C++20 parenthesized aggregate init
      value = new T{std::forward<Args>(args)...};
    }
    return Message(value, type_tag_of<T>(), [](void* p) noexcept { delete static_cast<T*>(p); });
  }

  Message(Message&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        tag_(std::exchange(other.tag_, nullptr)),
        destroy_(std::exchange(other.destroy_, nullptr)) {}

  Message& operator=(Message&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      tag_ = std::exchange(other.tag_, nullptr);
      destroy_ = std::exchange(other.destroy_, nullptr);
    }
    return *this;
  }

  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  ~Message() { reset(); }

  // Destroys the held value, if any; the message becomes empty.
  void reset() noexcept {
    if (data_ != nullptr) destroy_(data_);
    data_ = nullptr;
    tag_ = nullptr;
    destroy_ = nullptr;
  }

  TypeTag tag() const noexcept { return tag_; }
  bool empty() const noexcept { return data_ == nullptr; }

  // True if the message holds a std::decay_t<T>.
  template <class T>
  bool is() const noexcept {
    return data_ != nullptr && tag_ == type_tag_of<T>();
  }

  // The held value if it is a std::decay_t<T>, else nullptr. The pointer stays valid until the
  // message is destroyed, reset, or moved from.
  template <class T>
  std::decay_t<T>* get_if() noexcept {
    return is<T>() ? static_cast<std::decay_t<T>*>(data_) : nullptr;
  }
  template <class T>
  const std::decay_t<T>* get_if() const noexcept {
    return is<T>() ? static_cast<const std::decay_t<T>*>(data_) : nullptr;
  }

  // The held object, whatever its type (nullptr when empty); interpret it only through tag().
  void* data() noexcept { return data_; }
  const void* data() const noexcept { return data_; }

 private:
  using Destroy = void (*)(void*) noexcept;

  Message(void* data, TypeTag tag, Destroy destroy) noexcept
      : data_(data), tag_(tag), destroy_(destroy) {}

  void* data_ = nullptr;
  TypeTag tag_ = nullptr;
  Destroy destroy_ = nullptr;
};

}  // namespace bossa
