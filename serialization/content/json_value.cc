#include "serialization/content/json_value.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "serialization/codec_base.h"
#include "serialization/content/json_struct.h"

namespace bossa::content {
namespace {

using nlohmann::json;
using Kind = ValueShape::Kind;

absl::Status mismatch(absl::string_view expected, const json& got) {
  return absl::InvalidArgumentError(absl::StrCat("expected ", expected, ", got ", got.type_name()));
}

absl::Status within(const absl::Status& status, absl::string_view where) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(where, ": ", status.message()));
}

absl::Status out_of_range(const json& json, uint8_t bits, bool is_signed) {
  return absl::InvalidArgumentError(absl::StrCat("integer ", json.dump(), " out of range for ",
                                                 is_signed ? "int" : "uint", bits));
}

absl::Status write_integer(const json& json, const ValueShape& shape, wire::Value::Builder out) {
  if (!json.is_number_integer()) return mismatch("an integer", json);
  const bool is_signed = shape.kind == Kind::kInt;
  const int bits = std::clamp<int>(shape.bits, 8, 64);
  if (json.is_number_unsigned()) {
    const uint64_t value = json.get<uint64_t>();
    const uint64_t max = is_signed ? (uint64_t{1} << (bits - 1)) - 1
                                   : (bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1);
    if (value > max) return out_of_range(json, shape.bits, is_signed);
    if (is_signed) {
      out.setInt64(static_cast<int64_t>(value));
    } else {
      out.setUint64(value);
    }
    return absl::OkStatus();
  }
  const int64_t value = json.get<int64_t>();  // negative: is_number_unsigned() was false
  const int64_t min = bits == 64 ? INT64_MIN : -(int64_t{1} << (bits - 1));
  if (!is_signed || value < min) return out_of_range(json, shape.bits, is_signed);
  out.setInt64(value);
  return absl::OkStatus();
}

absl::Status write_tuple(const json& json, const ValueShape& shape, wire::Value::Builder out) {
  const size_t arity = shape.elements.size();
  if (json.is_array()) {
    if (json.size() != arity) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected an array of ", arity, " elements, got ", json.size()));
    }
    auto fields = out.initTuple(static_cast<capnp::uint>(arity));
    for (size_t i = 0; i < arity; ++i) {
      absl::Status status = write_value(json[i], shape.elements[i], fields[i]);
      if (!status.ok()) return within(status, absl::StrCat("element ", i));
    }
    return absl::OkStatus();
  }
  if (shape.field_names.empty() || !json.is_object()) {
    return mismatch(shape.field_names.empty() ? "an array" : "an object or an array", json);
  }
  for (const auto& [key, item] : json.items()) {
    bool known = false;
    for (const std::string& name : shape.field_names) known = known || name == key;
    if (!known) return absl::InvalidArgumentError(absl::StrCat("no field '", key, "'"));
  }
  auto fields = out.initTuple(static_cast<capnp::uint>(arity));
  for (size_t i = 0; i < arity; ++i) {
    const std::string& name = shape.field_names[i];
    auto item = json.find(name);
    if (item == json.end()) {
      if (shape.elements[i].kind != Kind::kOptional) {
        return absl::InvalidArgumentError(absl::StrCat("missing field '", name, "'"));
      }
      fields[i].setNone();
      continue;
    }
    absl::Status status = write_value(*item, shape.elements[i], fields[i]);
    if (!status.ok()) return within(status, absl::StrCat("field '", name, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<json> read_tuple(wire::Value::Reader value, const ValueShape& shape) {
  if (value.which() != wire::Value::TUPLE) return codec_detail::type_mismatch("tuple", value);
  auto fields = value.getTuple();
  if (fields.size() != shape.elements.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected tuple of ", shape.elements.size(), " fields, got ", fields.size()));
  }
  const bool named = shape.field_names.size() == shape.elements.size();
  json out = named ? json::object() : json::array();
  for (capnp::uint i = 0; i < fields.size(); ++i) {
    absl::StatusOr<json> field = read_value(fields[i], shape.elements[i]);
    if (!field.ok()) return within(field.status(), absl::StrCat("tuple field ", i));
    if (named) {
      out[shape.field_names[i]] = *std::move(field);
    } else {
      out.push_back(*std::move(field));
    }
  }
  return out;
}

}  // namespace

absl::Status write_value(const json& json, const ValueShape& shape, wire::Value::Builder out) {
  switch (shape.kind) {
    case Kind::kBool:
      if (!json.is_boolean()) return mismatch("a boolean", json);
      out.setBool(json.get<bool>());
      return absl::OkStatus();
    case Kind::kInt:
    case Kind::kUint:
      return write_integer(json, shape, out);
    case Kind::kFloat32:
    case Kind::kFloat64:
      // float64 for both: the float32 codec takes it when in range.
      if (!json.is_number()) return mismatch("a number", json);
      out.setFloat64(json.get<double>());
      return absl::OkStatus();
    case Kind::kText: {
      if (!json.is_string()) return mismatch("a string", json);
      const std::string& text = json.get_ref<const std::string&>();
      out.setText(capnp::Text::Reader(text.data(), text.size()));
      return absl::OkStatus();
    }
    case Kind::kData: {
      if (!json.is_string()) return mismatch("a base64 string", json);
      std::string bytes;
      if (!absl::Base64Unescape(json.get_ref<const std::string&>(), &bytes)) {
        return absl::InvalidArgumentError("expected base64");
      }
      out.setData(
          capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
      return absl::OkStatus();
    }
    case Kind::kList: {
      if (!json.is_array() || shape.elements.empty()) return mismatch("an array", json);
      auto list = out.initList(codec_detail::checked_list_size(json.size()));
      for (size_t i = 0; i < json.size(); ++i) {
        absl::Status status = write_value(json[i], shape.elements[0], list[i]);
        if (!status.ok()) return within(status, absl::StrCat("list element ", i));
      }
      return absl::OkStatus();
    }
    case Kind::kTuple:
      return write_tuple(json, shape, out);
    case Kind::kOptional:
      if (json.is_null()) {
        out.setNone();
        return absl::OkStatus();
      }
      if (shape.elements.empty()) return mismatch("null", json);
      return write_value(json, shape.elements[0], out);
    case Kind::kStruct:
      if (!json.is_object() || !shape.schema.has_value()) return mismatch("an object", json);
      return write_struct(json, out.initStruct().initAs<capnp::DynamicStruct>(*shape.schema));
  }
  return absl::InternalError("unknown value shape");
}

absl::StatusOr<json> read_value(wire::Value::Reader value, const ValueShape& shape) {
  switch (shape.kind) {
    case Kind::kBool:
      if (value.which() != wire::Value::BOOL) return codec_detail::type_mismatch("bool", value);
      return json(value.getBool());
    case Kind::kInt:
    case Kind::kUint:
      if (value.which() == wire::Value::INT64) return json(value.getInt64());
      if (value.which() == wire::Value::UINT64) return json(value.getUint64());
      return codec_detail::type_mismatch("integer", value);
    case Kind::kFloat32:
    case Kind::kFloat64:
      if (value.which() == wire::Value::FLOAT64) return json(value.getFloat64());
      if (value.which() == wire::Value::FLOAT32) return json(double{value.getFloat32()});
      return codec_detail::type_mismatch("float", value);
    case Kind::kText: {
      if (value.which() != wire::Value::TEXT) return codec_detail::type_mismatch("text", value);
      capnp::Text::Reader text = value.getText();
      return json(std::string(text.begin(), text.size()));
    }
    case Kind::kData: {
      if (value.which() != wire::Value::DATA) return codec_detail::type_mismatch("data", value);
      capnp::Data::Reader data = value.getData();
      return json(absl::Base64Escape(
          absl::string_view(reinterpret_cast<const char*>(data.begin()), data.size())));
    }
    case Kind::kList: {
      if (value.which() != wire::Value::LIST || shape.elements.empty()) {
        return codec_detail::type_mismatch("list", value);
      }
      json out = json::array();
      auto list = value.getList();
      for (capnp::uint i = 0; i < list.size(); ++i) {
        absl::StatusOr<json> element = read_value(list[i], shape.elements[0]);
        if (!element.ok()) return within(element.status(), absl::StrCat("list element ", i));
        out.push_back(*std::move(element));
      }
      return out;
    }
    case Kind::kTuple:
      return read_tuple(value, shape);
    case Kind::kOptional:
      if (value.which() == wire::Value::NONE) return json(nullptr);
      if (shape.elements.empty()) return codec_detail::type_mismatch("none", value);
      return read_value(value, shape.elements[0]);
    case Kind::kStruct:
      if (value.which() != wire::Value::STRUCT || !shape.schema.has_value()) {
        return codec_detail::type_mismatch("struct", value);
      }
      return read_struct(value.getStruct().getAs<capnp::DynamicStruct>(*shape.schema));
  }
  return absl::InternalError("unknown value shape");
}

}  // namespace bossa::content
