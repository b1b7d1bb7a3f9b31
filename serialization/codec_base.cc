#include "serialization/codec_base.h"

#include <string>

#include <capnp/message.h>
#include <kj/debug.h>

#include "absl/strings/str_cat.h"
#include "serialization/capnp_frame.h"
#include "serialization/codec.h"

namespace bossa::codec_detail {

std::string name_of(wire::Value::Reader value) {
  switch (value.which()) {
    case wire::Value::NONE:
      return "none";
    case wire::Value::BOOL:
      return "bool";
    case wire::Value::INT64:
      return "int64";
    case wire::Value::UINT64:
      return "uint64";
    case wire::Value::FLOAT32:
      return "float32";
    case wire::Value::FLOAT64:
      return "float64";
    case wire::Value::TEXT:
      return "text";
    case wire::Value::DATA:
      return "data";
    case wire::Value::LIST:
      return "list";
    case wire::Value::TUPLE:
      return "tuple";
    case wire::Value::STRUCT:
      return "struct";
  }
  return absl::StrCat("unknown alternative ", static_cast<uint16_t>(value.which()));
}

absl::Status type_mismatch(absl::string_view expected, wire::Value::Reader got) {
  return absl::InvalidArgumentError(absl::StrCat("expected ", expected, ", got ", name_of(got)));
}

absl::Status with_context(const absl::Status& status, absl::string_view context, size_t index) {
  return absl::Status(status.code(), absl::StrCat(context, " ", index, ": ", status.message()));
}

capnp::uint checked_list_size(size_t size) {
  constexpr size_t kMaxListElements = (size_t{1} << 29) - 1;
  KJ_REQUIRE(size <= kMaxListElements, "list too long for Cap'n Proto", size);
  return static_cast<capnp::uint>(size);
}

absl::StatusOr<std::string> encode_value(absl::FunctionRef<void(wire::Value::Builder)> fill) {
  // Most values are a few words; larger ones grow the arena as needed.
  constexpr size_t kFirstSegmentWords = 64;
  capnp_frame::ScratchBuilder builder(kFirstSegmentWords);
  capnp::MallocMessageBuilder& message = builder.message();
  try {
    fill(message.initRoot<wire::Value>());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("value cannot be encoded: ", e.getDescription().cStr()));
  }
  return capnp_frame::write(message);
}

absl::Status decode_value(std::string_view bytes, const DecodeLimits& limits,
                          absl::FunctionRef<absl::Status(wire::Value::Reader)> read) {
  return capnp_frame::read(bytes, limits, "value", [&](capnp::MessageReader& message) {
    return read(message.getRoot<wire::Value>());
  });
}

}  // namespace bossa::codec_detail
