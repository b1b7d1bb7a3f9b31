#include "serialization/codec_registry.h"

#include "base/demangle.h"
#include "serialization/builtin_types.h"

#include <cstdint>
#include <string>

namespace bossa {

uint64_t wire_type_id(std::string_view name) noexcept {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

absl::Status CodecRegistry::add_erased(std::unique_ptr<TypeCodec> codec) {
  if (codec->name.empty()) return absl::InvalidArgumentError("type name must not be empty");
  codec->wire_id = wire_type_id(codec->name);
  codec->cxx_name = demangled_name(*codec->type);
  absl::MutexLock lock(&mutex_);
  if (auto it = by_tag_.find(codec->tag); it != by_tag_.end()) {
    return absl::AlreadyExistsError(
        absl::StrCat("cannot register type '", codec->name, "': C++ type ", codec->cxx_name,
                     " is already registered as '", it->second->name, "'"));
  }
  if (auto it = by_wire_id_.find(codec->wire_id); it != by_wire_id_.end()) {
    if (it->second->name == codec->name) {
      return absl::AlreadyExistsError(
          absl::StrCat("type name '", codec->name, "' is already registered"));
    }
    return absl::AlreadyExistsError(absl::StrCat("type name '", codec->name, "' has wire id 0x",
                                                 absl::Hex(codec->wire_id), ", already used by '",
                                                 it->second->name, "'"));
  }
  const TypeCodec* entry = codec.get();
  codecs_.push_back(std::move(codec));
  by_tag_.emplace(entry->tag, entry);
  by_wire_id_.emplace(entry->wire_id, entry);
  return absl::OkStatus();
}

absl::Status CodecRegistry::add_builtins() {
  return for_each_builtin_type(
      [this]<class T>(std::string name) { return add<T>(std::move(name)); });
}

const TypeCodec* CodecRegistry::find(TypeTag tag) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto it = by_tag_.find(tag);
  return it == by_tag_.end() ? nullptr : it->second;
}

std::vector<const TypeCodec*> CodecRegistry::entries() const {
  absl::ReaderMutexLock lock(&mutex_);
  std::vector<const TypeCodec*> entries;
  entries.reserve(codecs_.size());
  for (const auto& codec : codecs_) entries.push_back(codec.get());
  return entries;
}

const TypeCodec* CodecRegistry::find_wire_id(uint64_t wire_id) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto it = by_wire_id_.find(wire_id);
  return it == by_wire_id_.end() ? nullptr : it->second;
}

absl::StatusOr<std::string> CodecRegistry::encode(const Message& message) const {
  absl::StatusOr<WirePayload> payload = encode_with_id(message);
  if (!payload.ok()) return payload.status();
  return std::move(payload->bytes);
}

absl::StatusOr<WirePayload> CodecRegistry::encode_with_id(const Message& message) const {
  if (message.empty()) return absl::InvalidArgumentError("cannot encode an empty message");
  const TypeCodec* codec = find(message.tag());
  if (codec == nullptr) {
    return absl::NotFoundError("no codec registered for the message's C++ type");
  }
  absl::StatusOr<std::string> bytes = codec->encode(message.data());
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(),
                        absl::StrCat("encoding '", codec->name, "': ", bytes.status().message()));
  }
  return WirePayload{codec->wire_id, *std::move(bytes)};
}

absl::StatusOr<Message> CodecRegistry::decode(uint64_t wire_id, std::string_view bytes,
                                              const DecodeLimits& limits) const {
  const TypeCodec* codec = find_wire_id(wire_id);
  if (codec == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no codec registered for wire type id 0x", absl::Hex(wire_id)));
  }
  if (bytes.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("decoding '", codec->name, "': payload of ",
                                                   bytes.size(), " bytes exceeds the limit of ",
                                                   limits.max_bytes, " bytes"));
  }
  absl::StatusOr<Message> message = codec->decode(bytes, limits);
  if (!message.ok()) {
    return absl::Status(message.status().code(),
                        absl::StrCat("decoding '", codec->name, "': ", message.status().message()));
  }
  return message;
}

}  // namespace bossa
