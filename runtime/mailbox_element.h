// MailboxElement: one message on its way to an actor, with its header.
//
// An element is one allocation: a 48-byte header followed by the payload, a T constructed in place
// at payload_offset<T>() (48 for every T aligned to 16 or less). It is allocated by the sender,
// moved through the mailbox by pointer, and destroyed by the receiver after its handler ran;
// nothing is copied or serialized between actors of one node. What is known per payload type
// (its tag, its type_info, where it lives, how to destroy it) sits in one static ElementOps table
// per type, so the header carries a single pointer for all of it.
//
// `next` belongs to whichever queue holds the element; the rest is written before the element is
// published and only read afterwards (kind is rewritten by the receiving actor alone).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <typeinfo>
#include <utility>

#include "runtime/element_memory.h"
#include "runtime/pid.h"
#include "serialization/message.h"

namespace bossa {

// What an element means to the receiving actor. kUser and kRequest reach the actor's handlers;
// kReply completes a request; kExit is an exit signal sent with exit(pid, reason); kLinkExit is
// the exit signal of a linked actor that stopped; kTimeout is the runtime's own timer tick.
enum class MessageKind : uint8_t { kUser, kRequest, kReply, kExit, kLinkExit, kTimeout };

class MailboxElement;

// Per payload type: identity and lifetime of the payload that follows a header.
struct ElementOps {
  TypeTag tag;
  const std::type_info* type;
  uint32_t payload_offset;
  void (*destroy)(MailboxElement*) noexcept;  // destroys the payload and frees the element
};

class MailboxElement {
 public:
  MailboxElement(const MailboxElement&) = delete;
  MailboxElement& operator=(const MailboxElement&) = delete;

  TypeTag tag() const noexcept { return ops_->tag; }
  // The payload's C++ type, for diagnostics (dead letters, unexpected replies).
  const std::type_info& type() const noexcept { return *ops_->type; }
  void* payload() noexcept { return reinterpret_cast<std::byte*>(this) + ops_->payload_offset; }

  template <class T>
  bool is() const noexcept {
    return tag() == type_tag_of<T>();
  }
  template <class T>
  T* get_if() noexcept {
    return is<T>() ? static_cast<T*>(payload()) : nullptr;
  }

  MailboxElement* next = nullptr;
  Pid from;
  uint64_t correlation_id = 0;  // pairs a kRequest with its kReply; a kTimeout with its cause
  MessageKind kind = MessageKind::kUser;

  // Constructs the header of an element whose payload `ops` describes; see make_element.
  MailboxElement(const ElementOps* ops, Pid from_pid, MessageKind message_kind,
                 uint64_t correlation) noexcept
      : from(from_pid), correlation_id(correlation), kind(message_kind), ops_(ops) {}

 private:
  friend struct ElementDeleter;
  template <class T>
  friend void destroy_element(MailboxElement* e) noexcept;

  ~MailboxElement() = default;

  const ElementOps* ops_;
};

struct ElementDeleter {
  void operator()(MailboxElement* e) const noexcept { e->ops_->destroy(e); }
};

using ElementPtr = std::unique_ptr<MailboxElement, ElementDeleter>;

// Where a T starts after the header.
template <class T>
constexpr uint32_t payload_offset() noexcept {
  constexpr size_t align =
      alignof(T) > alignof(MailboxElement) ? alignof(T) : alignof(MailboxElement);
  return static_cast<uint32_t>((sizeof(MailboxElement) + align - 1) / align * align);
}

template <class T>
inline constexpr size_t element_alignment = alignof(T) > alignof(MailboxElement)
                                                ? alignof(T)
                                                : alignof(MailboxElement);

namespace detail {

// Small elements come from element_memory (recycled between threads), others from operator new;
// a T that needs more than the default alignment takes the aligned overloads.
template <class T>
void* allocate_element() {
  constexpr size_t size = payload_offset<T>() + sizeof(T);
  if constexpr (element_alignment < T >> __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    return ::operator new(size, std::align_val_t(element_alignment<T>));
  } else if constexpr (size <= element_memory::kMaxCachedBytes) {
    return element_memory::allocate(size);
  } else {
    return ::operator new(size);
  }
}

template <class T>
void free_element(void* memory) noexcept {
  constexpr size_t size = payload_offset<T>() + sizeof(T);
  if constexpr (element_alignment < T >> __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    ::operator delete(memory, size, std::align_val_t(element_alignment<T>));
  } else if constexpr (size <= element_memory::kMaxCachedBytes) {
    element_memory::release(memory, size);
  } else {
    ::operator delete(memory, size);
  }
}

}  // namespace detail

template <class T>
void destroy_element(MailboxElement* e) noexcept {
  static_cast<T*>(e->payload())->~T();
  e->~MailboxElement();
  detail::free_element<T>(e);
}

template <class T>
inline constexpr ElementOps element_ops{type_tag_of<T>(), &typeid(T), payload_offset<T>(),
                                        &destroy_element<T>};

// Builds an element holding a T made from args (braces for aggregates).
template <class T, class... Args>
ElementPtr make_element(Pid from, MessageKind kind, uint64_t correlation, Args&&... args) {
  static_assert(std::is_same_v<T, std::decay_t<T>>, "elements hold plain object types");
  void* memory = detail::allocate_element<T>();
  auto* header = static_cast<std::byte*>(memory);
  try {
    if constexpr (std::is_aggregate_v<T>) {
      ::new (header + payload_offset<T>()) T{std::forward<Args>(args)...};
    } else {
      ::new (header + payload_offset<T>()) T(std::forward<Args>(args)...);
    }
  } catch (...) {
    detail::free_element<T>(memory);
    throw;
  }
  return ElementPtr(::new (memory) MailboxElement(&element_ops<T>, from, kind, correlation));
}

}  // namespace bossa
