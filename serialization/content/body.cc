#include "serialization/content/body.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "serialization/codec.h"
#include "serialization/content/content_type.h"
#include "serialization/content/json_text.h"
#include "serialization/content/json_value.h"

namespace bossa::content {
namespace {

using nlohmann::json;

absl::Status too_big(std::string_view what, size_t size, const DecodeLimits& limits) {
  return absl::InvalidArgumentError(
      absl::StrCat(as_absl(what), " of ", size, " bytes exceeds the limit of ", limits.max_bytes));
}

absl::StatusOr<const TypeCodec*> named_type(const CodecRegistry& types, std::string_view name) {
  const TypeCodec* codec = types.find_wire_id(wire_type_id(name));
  if (codec == nullptr || codec->name != name) {
    return absl::NotFoundError(absl::StrCat("no type is registered as '", as_absl(name), "'"));
  }
  return codec;
}

// The built-in type a body of this kind stands for when no type is named; nullopt if none does.
std::optional<std::string_view> kind_of(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "bool";
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return "uint64";
  }
  if (value.is_number_integer()) return "int64";
  if (value.is_number_float()) return "float64";
  return std::nullopt;
}

std::optional<std::string_view> kind_of(wire::Value::Reader value) {
  switch (value.which()) {
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
      return "string";
    case wire::Value::DATA:
      return "bytes";
    default:
      return std::nullopt;
  }
}

absl::Status needs_type(std::string_view media) {
  return absl::InvalidArgumentError(absl::StrCat("this body needs its type named: ", as_absl(media),
                                                 "; type=<a registered type name>"));
}

absl::StatusOr<WirePayload> from_json(const CodecRegistry& types, const ContentType& type,
                                      std::string_view body, const DecodeLimits& limits) {
  absl::StatusOr<json> parsed = parse_json(body, limits);
  if (!parsed.ok()) return parsed.status();
  std::string_view name = type.type;
  if (name.empty()) {
    std::optional<std::string_view> kind = kind_of(*parsed);
    if (!kind.has_value()) return needs_type(kJson);
    name = *kind;
  }
  absl::StatusOr<const TypeCodec*> codec = named_type(types, name);
  if (!codec.ok()) return codec.status();
  if (!(*codec)->shape.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("type '", (*codec)->name, "' has no JSON form (its codec gives no shape)"));
  }
  absl::Status written;
  absl::StatusOr<std::string> value = codec_detail::encode_value(
      [&](wire::Value::Builder out) { written = write_value(*parsed, *(*codec)->shape, out); });
  if (!value.ok()) return value.status();
  if (!written.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON for type '", (*codec)->name, "': ", written.message()));
  }
  return WirePayload{(*codec)->wire_id, *std::move(value)};
}

absl::StatusOr<WirePayload> from_value(const CodecRegistry& types, const ContentType& type,
                                       std::string_view body, const DecodeLimits& limits) {
  std::string_view name = type.type;
  if (name.empty()) {
    std::optional<std::string_view> kind;
    absl::Status read = codec_detail::decode_value(body, limits, [&](wire::Value::Reader value) {
      kind = kind_of(value);
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    if (!kind.has_value()) return needs_type(kValue);
    name = *kind;
  }
  absl::StatusOr<const TypeCodec*> codec = named_type(types, name);
  if (!codec.ok()) return codec.status();
  if (!(*codec)->is_value) {
    return absl::InvalidArgumentError(absl::StrCat("type '", (*codec)->name,
                                                   "' does not travel as a Value; send it as ",
                                                   as_absl(kOctets), "; type=", (*codec)->name));
  }
  return WirePayload{(*codec)->wire_id, std::string(body)};
}

absl::StatusOr<WirePayload> from_builtin(const CodecRegistry& types, std::string_view name,
                                         absl::StatusOr<std::string> value) {
  if (!value.ok()) return value.status();
  absl::StatusOr<const TypeCodec*> codec = named_type(types, name);
  if (!codec.ok()) return codec.status();
  return WirePayload{(*codec)->wire_id, *std::move(value)};
}

absl::StatusOr<WirePayload> from_octets(const CodecRegistry& types, const ContentType& type,
                                        std::string_view body) {
  if (!type.type.empty() && type.type != "bytes") {
    absl::StatusOr<const TypeCodec*> codec = named_type(types, type.type);
    if (!codec.ok()) return codec.status();
    if ((*codec)->is_value) {
      return absl::InvalidArgumentError(absl::StrCat("type '", (*codec)->name,
                                                     "' travels as a Value; send it as ",
                                                     as_absl(kValue), " or ", as_absl(kJson)));
    }
    return WirePayload{(*codec)->wire_id, std::string(body)};
  }
  const auto* begin = reinterpret_cast<const std::byte*>(body.data());
  return from_builtin(types, "bytes", encode(Bytes(begin, begin + body.size())));
}

// The reply as JSON, Value, text or bytes; see the header.
enum class Form { kJson, kValue, kText, kOctets };

Form reply_form(const TypeCodec& codec, const ContentType& request) {
  if (!codec.is_value) return Form::kOctets;
  if (request.media == kValue) return Form::kValue;
  if (request.media != kJson) {
    if (codec.tag == type_tag_of<std::string>()) return Form::kText;
    if (codec.tag == type_tag_of<Bytes>()) return Form::kOctets;
  }
  return codec.shape.has_value() ? Form::kJson : Form::kValue;
}

absl::StatusOr<Body> json_body(const TypeCodec& codec, const WirePayload& payload,
                               const DecodeLimits& limits) {
  json out;
  absl::Status read = codec_detail::decode_value(
      payload.bytes, limits, [&](wire::Value::Reader value) -> absl::Status {
        absl::StatusOr<json> converted = read_value(value, *codec.shape);
        if (!converted.ok()) return converted.status();
        out = *std::move(converted);
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  return Body{format_content_type(kJson, codec.name), dump_json(out)};
}

}  // namespace

absl::StatusOr<WirePayload> payload_from_body(const CodecRegistry& types,
                                              std::string_view content_type, std::string_view body,
                                              const DecodeLimits& limits) {
  if (body.size() > limits.max_bytes) return too_big("body", body.size(), limits);
  const ContentType type = parse_content_type(content_type);
  if (type.media == kJson) return from_json(types, type, body, limits);
  if (type.media == kValue) return from_value(types, type, body, limits);
  if (type.media.empty() || type.media == kOctets) return from_octets(types, type, body);
  if (absl::StartsWith(type.media, "text/")) {
    if (!type.type.empty() && type.type != "string") {
      return absl::InvalidArgumentError(
          absl::StrCat("a text body is a string; send type '", type.type, "' as ", as_absl(kJson)));
    }
    return from_builtin(types, "string", encode(std::string(body)));
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported content type '", type.media,
                                                 "'; use ", as_absl(kText), ", ", as_absl(kOctets),
                                                 ", ", as_absl(kValue), " or ", as_absl(kJson)));
}

absl::StatusOr<Body> body_from_payload(const CodecRegistry& types, const WirePayload& payload,
                                       std::string_view request_content_type,
                                       const DecodeLimits& limits) {
  const TypeCodec* codec = types.find_wire_id(payload.type_id);
  if (codec == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no type is registered with wire id 0x", absl::Hex(payload.type_id)));
  }
  switch (reply_form(*codec, parse_content_type(request_content_type))) {
    case Form::kJson:
      return json_body(*codec, payload, limits);
    case Form::kValue:
      return Body{format_content_type(kValue, codec->name), payload.bytes};
    case Form::kText: {
      absl::StatusOr<std::string> text = decode<std::string>(payload.bytes, limits);
      if (!text.ok()) return text.status();
      return Body{std::string(kText), *std::move(text)};
    }
    case Form::kOctets:
      break;
  }
  if (codec->tag == type_tag_of<Bytes>()) {
    absl::StatusOr<Bytes> bytes = decode<Bytes>(payload.bytes, limits);
    if (!bytes.ok()) return bytes.status();
    const auto* begin = reinterpret_cast<const char*>(bytes->data());
    return Body{std::string(kOctets), std::string(begin, begin + bytes->size())};
  }
  return Body{format_content_type(kOctets, codec->name), payload.bytes};
}

}  // namespace bossa::content
