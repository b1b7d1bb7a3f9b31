// WireTypes: the message types that may cross nodes, and how a received payload becomes a
// mailbox element again.
//
// It wraps the node's CodecRegistry (serialization/codec_registry.h: names, wire type ids, the
// codecs) and adds, per type, the step the registry cannot know: building a MailboxElement of
// the decoded type. Every type registered here can be sent to, requested from and replied to by
// actors on other nodes; every node must register a type under the same name.
//
//   wire_types.add<Order>("shop.order");                    // with Codec<Order>
//   wire_types.add<Blob>("shop.blob", encode_blob, decode_blob);
//
// Thread-safety: add() and the lookups may run concurrently; entries are never removed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "runtime/mailbox_element.h"
#include "runtime/spin_lock.h"
#include "serialization/codec_registry.h"

namespace bossa {

class WireTypes {
 public:
  WireTypes() = default;
  WireTypes(const WireTypes&) = delete;
  WireTypes& operator=(const WireTypes&) = delete;

  CodecRegistry& codecs() noexcept { return codecs_; }
  const CodecRegistry& codecs() const noexcept { return codecs_; }

  // Registers T under `name` with Codec<T>; errors as CodecRegistry::add.
  template <HasCodec T>
  absl::Status add(std::string name) {
    absl::Status added = codecs_.add<T>(std::move(name));
    if (added.ok()) remember<T>();
    return added;
  }
  // Registers T under `name` with user functions; errors as CodecRegistry::add.
  template <class T>
  absl::Status add(std::string name, std::function<absl::StatusOr<std::string>(const T&)> encode,
                   std::function<absl::StatusOr<T>(std::string_view)> decode) {
    absl::Status added = codecs_.add<T>(std::move(name), std::move(encode), std::move(decode));
    if (added.ok()) remember<T>();
    return added;
  }
  // Registers the built-in types (CodecRegistry::add_builtins).
  absl::Status add_builtins();

  // The payload of `element` in wire form. FailedPrecondition naming the C++ type if it has no
  // codec here.
  absl::StatusOr<WirePayload> encode(const MailboxElement& element) const;

  // Decodes untrusted payload bytes of wire type `type_id` into an element with the given header.
  // NotFound for an unknown type id, InvalidArgument for bytes that do not decode.
  absl::StatusOr<ElementPtr> decode(uint64_t type_id, std::string_view bytes, Pid from,
                                    MessageKind kind, uint64_t correlation,
                                    const DecodeLimits& limits) const;

 private:
  using MakeElement = ElementPtr (*)(Message&, Pid, MessageKind, uint64_t);

  template <class T>
  void remember() {
    const TypeCodec* codec = codecs_.find<T>();
    std::lock_guard<SpinLock> lock(mutex_);
    makers_.emplace(codec->wire_id, [](Message& m, Pid from, MessageKind kind, uint64_t corr) {
      return make_element<T>(from, kind, corr, std::move(*m.get_if<T>()));
    });
  }

  CodecRegistry codecs_;
  mutable SpinLock mutex_;
  absl::flat_hash_map<uint64_t, MakeElement> makers_;  // by wire type id; guarded by mutex_
};

}  // namespace bossa
