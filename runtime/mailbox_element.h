// MailboxElement: one message on its way to an actor, with its header.
//
// An element is allocated once by the sender, holding the payload inline (TypedElement<T>), moved
// through the mailbox by pointer, and destroyed by the receiver after its handler ran. Nothing is
// copied or serialized between actors of one node. `next` belongs to whichever queue holds the
// element; everything else is written before the element is published and read-only afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <typeinfo>
#include <utility>

#include "runtime/pid.h"
#include "serialization/message.h"

namespace bossa {

// What an element means to the receiving actor. kUser and kRequest reach the actor's handlers;
// kReply completes a request; kExit is an exit signal; kTimeout is the runtime's own timer tick.
enum class MessageKind : uint8_t { kUser, kRequest, kReply, kExit, kTimeout };

class MailboxElement {
 public:
  MailboxElement(const MailboxElement&) = delete;
  MailboxElement& operator=(const MailboxElement&) = delete;
  virtual ~MailboxElement() = default;

  // The payload's C++ type, for diagnostics (dead letters, unexpected replies).
  virtual const std::type_info& type() const noexcept = 0;

  template <class T>
  bool is() const noexcept {
    return tag == type_tag_of<T>();
  }
  template <class T>
  T* get_if() noexcept {
    return is<T>() ? static_cast<T*>(payload) : nullptr;
  }

  MailboxElement* next = nullptr;
  Pid from;
  uint64_t correlation_id = 0;  // pairs a kRequest with its kReply; a kTimeout with its cause
  MessageKind kind = MessageKind::kUser;
  TypeTag tag = nullptr;    // type_tag_of<payload type>()
  void* payload = nullptr;  // the payload object, owned by this element

 protected:
  MailboxElement(Pid from_pid, MessageKind message_kind, uint64_t correlation)
      : from(from_pid), correlation_id(correlation), kind(message_kind) {}
};

using ElementPtr = std::unique_ptr<MailboxElement>;

template <class T>
class TypedElement final : public MailboxElement {
 public:
  template <class... Args>
  TypedElement(Pid from_pid, MessageKind message_kind, uint64_t correlation, Args&&... args)
      : MailboxElement(from_pid, message_kind, correlation), value_(std::forward<Args>(args)...) {
    tag = type_tag_of<T>();
    payload = &value_;
  }

  const std::type_info& type() const noexcept override { return typeid(T); }

 private:
  T value_;
};

// Builds an element holding a T made from args.
template <class T, class... Args>
ElementPtr make_element(Pid from, MessageKind kind, uint64_t correlation, Args&&... args) {
  return std::make_unique<TypedElement<T>>(from, kind, correlation, std::forward<Args>(args)...);
}

}  // namespace bossa
