// WireTypes: the message types that may cross nodes, and how a received payload becomes a
// mailbox element again.
//
// It wraps the node's CodecRegistry (serialization/codec_registry.h: names, wire type ids, the
// codecs) and adds, per type, what the registry cannot know: decoding a payload straight into a
// MailboxElement of its type (one allocation, no type-erased Message in between). Every type
// registered here can be sent to, requested from and replied to by actors on other nodes; every
// node must register a type under the same name.
//
//   wire_types.add<Order>("shop.order");                    // with Codec<Order>
//   wire_types.add<Blob>("shop.blob", encode_blob, decode_blob);
//
// Thread-safety: add() and the lookups may run concurrently; entries are never removed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/mutex.h"
#include "base/spin_lock.h"
#include "runtime/mailbox_element.h"
#include "runtime/pid_codec.h"
#include "serialization/codec.h"
#include "serialization/codec_registry.h"

namespace bossa {

class WireTypes {
 public:
  WireTypes();
  WireTypes(const WireTypes&) = delete;
  WireTypes& operator=(const WireTypes&) = delete;

  CodecRegistry& codecs() noexcept { return codecs_; }
  const CodecRegistry& codecs() const noexcept { return codecs_; }

  // Registers T under `name` with Codec<T>; errors as CodecRegistry::add.
  template <HasCodec T>
  absl::Status add(std::string name) {
    absl::Status added = codecs_.add<T>(std::move(name));
    if (added.ok()) {
      remember<T>([](std::string_view bytes, const DecodeLimits& limits) {
        return bossa::decode<T>(bytes, limits);
      });
      remember_value<T>();
    }
    return added;
  }
  // Registers T under `name` with user functions; errors as CodecRegistry::add.
  template <class T>
  absl::Status add(std::string name, std::function<absl::StatusOr<std::string>(const T&)> encode,
                   std::function<absl::StatusOr<T>(std::string_view)> decode) {
    absl::Status added = codecs_.add<T>(std::move(name), std::move(encode), decode);
    if (added.ok()) {
      remember<T>([decode = std::move(decode)](std::string_view bytes,
                                               const DecodeLimits& limits) -> absl::StatusOr<T> {
        if (bytes.size() > limits.max_bytes) {
          return absl::InvalidArgumentError(absl::StrCat(
              "payload of ", bytes.size(), " bytes exceeds the limit of ", limits.max_bytes));
        }
        return decode(bytes);
      });
    }
    return added;
  }
  // Registers the built-in types (CodecRegistry::add_builtins).
  absl::Status add_builtins();

  // The payload of `element` in wire form. FailedPrecondition naming the C++ type if it has no
  // codec here.
  absl::StatusOr<WirePayload> encode(const MailboxElement& element) const;

  // Decodes untrusted payload bytes of wire type `type_id` straight into an element with the
  // given header. NotFound for an unknown type id, InvalidArgument for bytes that do not decode.
  absl::StatusOr<ElementPtr> decode(uint64_t type_id, std::string_view bytes, Pid from,
                                    MessageKind kind, uint64_t correlation,
                                    const DecodeLimits& limits) const;

  // How a type registered with its Codec<T> travels in an envelope's value, written in place (one
  // Cap'n Proto message for the envelope and the message): its wire type id and its writer.
  struct ValueWriter {
    uint64_t type_id;
    void (*write)(const void* payload, wire::Value::Builder out);
  };
  // The element's ValueWriter; nullopt for a type with user codec functions (which make bytes) or
  // none.
  std::optional<ValueWriter> value_writer(const MailboxElement& element) const;
  // Decodes an untrusted value of wire type `type_id` (read under the envelope's limits) into an
  // element. NotFound for an unknown type id, InvalidArgument for a type that does not travel as a
  // value or a value that does not decode.
  absl::StatusOr<ElementPtr> decode(uint64_t type_id, wire::Value::Reader value, Pid from,
                                    MessageKind kind, uint64_t correlation) const;

 private:
  using Decoder =
      std::function<absl::StatusOr<ElementPtr>(std::string_view bytes, const DecodeLimits& limits,
                                               Pid from, MessageKind kind, uint64_t correlation)>;

  template <class T, class DecodeValue>
  void remember(DecodeValue decode_value) {
    const TypeCodec* codec = codecs_.find<T>();
    auto decoder = std::make_unique<const Decoder>(
        [decode_value = std::move(decode_value)](
            std::string_view bytes, const DecodeLimits& limits, Pid from, MessageKind kind,
            uint64_t correlation) -> absl::StatusOr<ElementPtr> {
          absl::StatusOr<T> value = decode_value(bytes, limits);
          if (!value.ok()) return value.status();
          return make_element<T>(from, kind, correlation, *std::move(value));
        });
    MutexLock lock(mutex_);
    decoders_.emplace(codec->wire_id, std::move(decoder));
    encoders_.emplace(codec->tag, codec);
  }

  using ValueReader = absl::StatusOr<ElementPtr> (*)(wire::Value::Reader value, Pid from,
                                                     MessageKind kind, uint64_t correlation);

  template <HasCodec T>
  void remember_value() {
    const TypeCodec* codec = codecs_.find<T>();
    ValueWriter writer{codec->wire_id, [](const void* payload, wire::Value::Builder out) {
                         Codec<T>::encode(*static_cast<const T*>(payload), out);
                       }};
    ValueReader reader = [](wire::Value::Reader value, Pid from, MessageKind kind,
                            uint64_t correlation) -> absl::StatusOr<ElementPtr> {
      T decoded{};
      if (absl::Status read = Codec<T>::decode(value, decoded); !read.ok()) {
        return absl::Status(read.code(), absl::StrCat("value: ", read.message()));
      }
      return make_element<T>(from, kind, correlation, std::move(decoded));
    };
    MutexLock lock(mutex_);
    value_writers_.emplace(codec->tag, writer);
    value_readers_.emplace(codec->wire_id, reader);
  }

  // A thread's last value writer and value reader found, so that a run of messages of one type
  // skips the lock and the maps. Entries are never removed, so what was found stays right while
  // its WireTypes lives; `owner` says which one that is.
  struct LastLookup {
    uint64_t writer_owner = 0;
    TypeTag writer_tag = nullptr;
    ValueWriter writer{};
    uint64_t reader_owner = 0;
    uint64_t reader_type_id = 0;
    ValueReader reader = nullptr;
  };
  static thread_local LastLookup last_lookup_;

  const uint64_t instance_;  // unique in the process, for last_lookup_
  CodecRegistry codecs_;
  mutable SpinLock mutex_;
  // Both never lose an entry, so what they point to stays where it is. The registry has the same
  // codecs behind an absl::Mutex; these are the hot path's own copies, behind a spin lock.
  absl::flat_hash_map<uint64_t, std::unique_ptr<const Decoder>> decoders_
      ABSL_GUARDED_BY(mutex_);  // by wire type id
  absl::flat_hash_map<TypeTag, const TypeCodec*> encoders_ ABSL_GUARDED_BY(mutex_);  // by C++ type
  absl::flat_hash_map<TypeTag, ValueWriter> value_writers_ ABSL_GUARDED_BY(mutex_);  // by C++ type
  absl::flat_hash_map<uint64_t, ValueReader> value_readers_
      ABSL_GUARDED_BY(mutex_);  // by wire type id
};

}  // namespace bossa
