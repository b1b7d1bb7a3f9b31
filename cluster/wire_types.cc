#include "cluster/wire_types.h"

#include <atomic>

#include <kj/exception.h>

#include "absl/strings/str_cat.h"
#include "base/demangle.h"
#include "serialization/builtin_types.h"

namespace bossa {
namespace {

std::atomic<uint64_t> next_instance{1};

}  // namespace

thread_local WireTypes::LastLookup WireTypes::last_lookup_;

WireTypes::WireTypes() : instance_(next_instance.fetch_add(1, std::memory_order_relaxed)) {}

absl::Status WireTypes::add_builtins() {
  return for_each_builtin_type(
      [this]<class T>(std::string name) { return add<T>(std::move(name)); });
}

absl::StatusOr<WirePayload> WireTypes::encode(const MailboxElement& element) const {
  const TypeCodec* codec;
  {
    MutexLock lock(mutex_);
    auto it = encoders_.find(element.tag());
    codec = it == encoders_.end() ? nullptr : it->second;
  }
  if (codec == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("message of type ", demangled_name(element.type()),
                     " cannot leave the node: no codec is registered for it (register it on "
                     "every node with Node::register_type)"));
  }
  absl::StatusOr<std::string> bytes = codec->encode(const_cast<MailboxElement&>(element).payload());
  if (!bytes.ok()) return bytes.status();
  return WirePayload{codec->wire_id, *std::move(bytes)};
}

std::optional<WireTypes::ValueWriter> WireTypes::value_writer(const MailboxElement& element) const {
  LastLookup& last = last_lookup_;
  if (last.writer_owner == instance_ && last.writer_tag == element.tag()) return last.writer;
  MutexLock lock(mutex_);
  auto it = value_writers_.find(element.tag());
  if (it == value_writers_.end()) return std::nullopt;
  last.writer_owner = instance_;
  last.writer_tag = element.tag();
  last.writer = it->second;
  return it->second;
}

absl::StatusOr<ElementPtr> WireTypes::decode(uint64_t type_id, wire::Value::Reader value, Pid from,
                                             MessageKind kind, uint64_t correlation) const {
  LastLookup& last = last_lookup_;
  ValueReader reader =
      last.reader_owner == instance_ && last.reader_type_id == type_id ? last.reader : nullptr;
  if (reader == nullptr) {
    MutexLock lock(mutex_);
    auto it = value_readers_.find(type_id);
    if (it != value_readers_.end()) {
      reader = it->second;
      last.reader_owner = instance_;
      last.reader_type_id = type_id;
      last.reader = reader;
    } else if (!decoders_.contains(type_id)) {
      return absl::NotFoundError(
          absl::StrCat("no type is registered under wire type id ", absl::Hex(type_id)));
    }
  }
  if (reader == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("the type under wire type id ",
                                                   absl::Hex(type_id),
                                                   " has user codec functions: it travels as "
                                                   "payload bytes, not as a value"));
  }
  try {
    return reader(value, from, kind, correlation);
  } catch (const kj::Exception& e) {  // a malformed pointer or a limit, met while reading it
    return absl::InvalidArgumentError(absl::StrCat("value: ", e.getDescription().cStr()));
  }
}

absl::StatusOr<ElementPtr> WireTypes::decode(uint64_t type_id, std::string_view bytes, Pid from,
                                             MessageKind kind, uint64_t correlation,
                                             const DecodeLimits& limits) const {
  const Decoder* decoder;
  {
    MutexLock lock(mutex_);
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
