#include "runtime/node/wire_types.h"

#include <mutex>

#include "absl/strings/str_cat.h"

namespace bossa {

absl::Status WireTypes::add_builtins() {
  absl::Status added = codecs_.add_builtins();
  if (!added.ok()) return added;
  remember<bool>();
  remember<int8_t>();
  remember<int16_t>();
  remember<int32_t>();
  remember<int64_t>();
  remember<uint8_t>();
  remember<uint16_t>();
  remember<uint32_t>();
  remember<uint64_t>();
  remember<float>();
  remember<double>();
  remember<std::string>();
  remember<Bytes>();
  return absl::OkStatus();
}

absl::StatusOr<WirePayload> WireTypes::encode(const MailboxElement& element) const {
  const TypeCodec* codec = codecs_.find(element.tag());
  if (codec == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("message of type ", element.type().name(),
                     " cannot leave the node: no codec is registered for it (register it on "
                     "every node with Node::register_type)"));
  }
  absl::StatusOr<std::string> bytes = codec->encode(const_cast<MailboxElement&>(element).payload());
  if (!bytes.ok()) return bytes.status();
  return WirePayload{codec->wire_id, *std::move(bytes)};
}

absl::StatusOr<ElementPtr> WireTypes::decode(uint64_t type_id, std::string_view bytes, Pid from,
                                             MessageKind kind, uint64_t correlation,
                                             const DecodeLimits& limits) const {
  MakeElement make;
  {
    std::lock_guard<SpinLock> lock(mutex_);
    auto it = makers_.find(type_id);
    if (it == makers_.end()) {
      return absl::NotFoundError(
          absl::StrCat("no type is registered under wire type id ", absl::Hex(type_id)));
    }
    make = it->second;
  }
  absl::StatusOr<Message> message = codecs_.decode(type_id, bytes, limits);
  if (!message.ok()) return message.status();
  return make(*message, from, kind, correlation);
}

}  // namespace bossa
