#include "runtime/node/wire_types.h"

#include <mutex>

#include "absl/strings/str_cat.h"
#include "serialization/builtin_types.h"

namespace bossa {

absl::Status WireTypes::add_builtins() {
  return for_each_builtin_type(
      [this]<class T>(std::string name) { return add<T>(std::move(name)); });
}

absl::StatusOr<WirePayload> WireTypes::encode(const MailboxElement& element) const {
  const TypeCodec* codec;
  {
    std::lock_guard<SpinLock> lock(mutex_);
    auto it = encoders_.find(element.tag());
    codec = it == encoders_.end() ? nullptr : it->second;
  }
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
  const Decoder* decoder;
  {
    std::lock_guard<SpinLock> lock(mutex_);
    auto it = decoders_.find(type_id);
    if (it == decoders_.end()) {
      return absl::NotFoundError(
          absl::StrCat("no type is registered under wire type id ", absl::Hex(type_id)));
    }
    decoder = it->second.get();
  }
  return (*decoder)(bytes, limits, from, kind, correlation);
}

}  // namespace bossa
