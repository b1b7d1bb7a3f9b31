// CapnpMessage<Schema>: an owned Cap'n Proto struct of type Schema, and its Codec, so that any
// generated Cap'n Proto struct travels as a bossa message out of the box.
//
//   CapnpMessage<Point> p;
//   p.builder().setX(1);
//   absl::StatusOr<CapnpMessage<Point>> back = decode<CapnpMessage<Point>>(*encode(p));
//
// On the wire the struct is the `struct` alternative of a Value (the envelope's type id says which
// schema); decoding deep-copies it out of the received bytes under the DecodeLimits.
// Ownership: a CapnpMessage owns its arena; its builders and readers are views valid while it
// lives and is not assigned to. Copying deep-copies; a moved-from one may only be assigned to or
// destroyed. Thread-safety: none beyond that of a plain value.
#pragma once

#include <memory>

#include <capnp/message.h>

#include "serialization/codec_base.h"

namespace bossa {

template <class Schema>
class CapnpMessage {
 public:
  using Builder = typename Schema::Builder;
  using Reader = typename Schema::Reader;

  // A message holding a default (all-zero) Schema struct.
  CapnpMessage() : message_(std::make_unique<capnp::MallocMessageBuilder>()) {
    message_->initRoot<Schema>();
  }
  // A message holding a deep copy of `value`.
  explicit CapnpMessage(Reader value) : CapnpMessage() { set(value); }

  CapnpMessage(const CapnpMessage& other) : CapnpMessage(other.reader()) {}
  CapnpMessage& operator=(const CapnpMessage& other) {
    if (this != &other) *this = CapnpMessage(other);
    return *this;
  }
  CapnpMessage(CapnpMessage&&) noexcept = default;
  CapnpMessage& operator=(CapnpMessage&&) noexcept = default;

  Builder builder() { return message_->getRoot<Schema>(); }
  Reader reader() const { return message_->getRoot<Schema>().asReader(); }

  // Replaces the struct with a deep copy of `value`. Throws kj::Exception if `value` comes from a
  // malformed message.
  void set(Reader value) { message_->setRoot(value); }

 private:
  std::unique_ptr<capnp::MallocMessageBuilder> message_;
};

template <class Schema>
struct Codec<CapnpMessage<Schema>> {
  static void encode(const CapnpMessage<Schema>& value, wire::Value::Builder out) {
    out.initStruct().template setAs<Schema>(value.reader());
  }
  static absl::Status decode(wire::Value::Reader in, CapnpMessage<Schema>& out) {
    if (in.which() != wire::Value::STRUCT) return codec_detail::type_mismatch("struct", in);
    out.set(in.getStruct().template getAs<Schema>());
    return absl::OkStatus();
  }
};

}  // namespace bossa
