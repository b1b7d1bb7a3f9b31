// CodecRegistry: which C++ message types may leave a node, under which stable wire type ids, and
// how they turn into payload bytes and back.
//
// A type's wire type id is the FNV-1a 64 hash of the name it is registered under: a wire number,
// so every node registers a type under the same name, forever (docs/wire-protocol.md gives the
// hash and the built-in ids). A type registered with its Codec<T> travels as a Value, readable
// from any language with serialization/value.capnp, and keeps its ValueShape (value_shape.h) when
// it has one; one registered with a pair of user functions travels as whatever they produce.
// Registering one type twice, one name twice, or two names whose ids collide is an error.
//
// Thread-safety: every member may be called concurrently. Entries are never removed, so a
// TypeCodec pointer lives as long as the registry. Each node owns one; none is global.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "serialization/codec.h"
#include "serialization/decode_limits.h"
#include "serialization/message.h"
#include "serialization/value_shape.h"

namespace bossa {

// The FNV-1a 64 hash of `name`: the wire type id of a type registered under `name`.
uint64_t wire_type_id(std::string_view name) noexcept;

// One registered type, type-erased. Immutable once registered.
struct TypeCodec {
  std::string name;
  uint64_t wire_id = 0;
  TypeTag tag = nullptr;
  const std::type_info* type = nullptr;
  std::string cxx_name;  // the C++ type as written (base/demangle.h)
  // Encodes the object `value` points to, which must be of the registered type.
  std::function<absl::StatusOr<std::string>(const void* value)> encode;
  // Decodes untrusted bytes (at most limits.max_bytes, checked before the call) into a Message
  // holding the registered type.
  std::function<absl::StatusOr<Message>(std::string_view bytes, const DecodeLimits& limits)> decode;
  // What its Value looks like; nullopt for a type registered with user functions or without a
  // shape (it then has no JSON form).
  std::optional<ValueShape> shape;
  // True when its payload is a Value (registered with its Codec<T>), false for user functions.
  bool is_value = false;
};

// A payload ready for an envelope.
struct WirePayload {
  uint64_t type_id = 0;
  std::string bytes;
};

class CodecRegistry {
 public:
  CodecRegistry() = default;
  CodecRegistry(const CodecRegistry&) = delete;
  CodecRegistry& operator=(const CodecRegistry&) = delete;

  // Registers T under `name` with Codec<T>. AlreadyExists if T or the name (or its id) is taken;
  // InvalidArgument if the name is empty.
  template <HasCodec T>
  absl::Status add(std::string name) {
    auto codec = std::make_unique<TypeCodec>();
    codec->name = std::move(name);
    codec->tag = type_tag_of<T>();
    codec->type = &typeid(T);
    codec->shape = shape_of<T>();
    codec->is_value = true;
    codec->encode = [](const void* value) { return bossa::encode(*static_cast<const T*>(value)); };
    codec->decode = [](std::string_view bytes,
                       const DecodeLimits& limits) -> absl::StatusOr<Message> {
      absl::StatusOr<T> value = bossa::decode<T>(bytes, limits);
      if (!value.ok()) return value.status();
      return Message::make<T>(*std::move(value));
    };
    return add_erased(std::move(codec));
  }

  // Registers T under `name` with user functions. `decode` receives untrusted bytes no longer
  // than the caller's DecodeLimits::max_bytes and must not crash on them. Errors as above.
  template <class T>
  absl::Status add(std::string name, std::function<absl::StatusOr<std::string>(const T&)> encode,
                   std::function<absl::StatusOr<T>(std::string_view)> decode) {
    static_assert(std::is_same_v<T, std::decay_t<T>>, "register plain object types");
    if (!encode || !decode) {
      return absl::InvalidArgumentError(
          absl::StrCat("codec for type '", name, "' needs both an encoder and a decoder"));
    }
    auto codec = std::make_unique<TypeCodec>();
    codec->name = std::move(name);
    codec->tag = type_tag_of<T>();
    codec->type = &typeid(T);
    codec->encode = [encode = std::move(encode)](const void* value) {
      return encode(*static_cast<const T*>(value));
    };
    codec->decode = [decode = std::move(decode)](std::string_view bytes,
                                                 const DecodeLimits&) -> absl::StatusOr<Message> {
      absl::StatusOr<T> value = decode(bytes);
      if (!value.ok()) return value.status();
      return Message::make<T>(*std::move(value));
    };
    return add_erased(std::move(codec));
  }

  // Registers the built-in types under their names: "bool", "int8", "int16", "int32", "int64",
  // "uint8", "uint16", "uint32", "uint64", "float32", "float64", "string", "bytes".
  absl::Status add_builtins();

  // The entry for a C++ type or a wire id; nullptr if none.
  const TypeCodec* find(TypeTag tag) const;
  const TypeCodec* find_wire_id(uint64_t wire_id) const;
  template <class T>
  const TypeCodec* find() const {
    return find(type_tag_of<T>());
  }
  // Every registered type, in the order of registration.
  std::vector<const TypeCodec*> entries() const;

  // Encodes the value `message` holds. InvalidArgument if it is empty, NotFound if its type is
  // not registered, else whatever the type's encoder returns.
  absl::StatusOr<std::string> encode(const Message& message) const;
  // Same, with the wire type id the envelope must carry.
  absl::StatusOr<WirePayload> encode_with_id(const Message& message) const;

  // Decodes untrusted `bytes` as the type registered under `wire_id`. NotFound for an unknown id;
  // InvalidArgument if the bytes exceed limits.max_bytes or do not decode.
  absl::StatusOr<Message> decode(uint64_t wire_id, std::string_view bytes,
                                 const DecodeLimits& limits = {}) const;

 private:
  absl::Status add_erased(std::unique_ptr<TypeCodec> codec);

  mutable absl::Mutex mutex_;
  std::vector<std::unique_ptr<TypeCodec>> codecs_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<TypeTag, const TypeCodec*> by_tag_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<uint64_t, const TypeCodec*> by_wire_id_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace bossa
