#include "serialization/content/json_struct.h"

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace bossa::content {
namespace {

using nlohmann::json;
using Setter = absl::FunctionRef<void(const capnp::DynamicValue::Reader&)>;

absl::Status mismatch(absl::string_view expected, const json& got) {
  return absl::InvalidArgumentError(absl::StrCat("expected ", expected, ", got ", got.type_name()));
}

absl::Status in_field(const absl::Status& status, kj::StringPtr name) {
  return absl::Status(status.code(), absl::StrCat("field '", name.cStr(), "': ", status.message()));
}

absl::Status write_list(const json& item, capnp::ListSchema schema,
                        capnp::DynamicList::Builder out);

// Integers, floats, bools, text, data, enums: hands the value to `set`.
absl::Status write_scalar(const json& item, capnp::Type type, Setter set) {
  switch (type.which()) {
    case capnp::schema::Type::VOID:
      if (!item.is_null()) return mismatch("null", item);
      set(capnp::VOID);
      return absl::OkStatus();
    case capnp::schema::Type::BOOL:
      if (!item.is_boolean()) return mismatch("a boolean", item);
      set(item.get<bool>());
      return absl::OkStatus();
    case capnp::schema::Type::INT8:
    case capnp::schema::Type::INT16:
    case capnp::schema::Type::INT32:
    case capnp::schema::Type::INT64:
    case capnp::schema::Type::UINT8:
    case capnp::schema::Type::UINT16:
    case capnp::schema::Type::UINT32:
    case capnp::schema::Type::UINT64:
      // Cap'n Proto checks the range as it converts (kj::Exception when out of range).
      if (item.is_number_unsigned()) {
        set(item.get<uint64_t>());
      } else if (item.is_number_integer()) {
        set(item.get<int64_t>());
      } else {
        return mismatch("an integer", item);
      }
      return absl::OkStatus();
    case capnp::schema::Type::FLOAT32:
    case capnp::schema::Type::FLOAT64:
      if (!item.is_number()) return mismatch("a number", item);
      set(item.get<double>());
      return absl::OkStatus();
    case capnp::schema::Type::TEXT: {
      if (!item.is_string()) return mismatch("a string", item);
      const std::string& text = item.get_ref<const std::string&>();
      set(capnp::Text::Reader(text.data(), text.size()));
      return absl::OkStatus();
    }
    case capnp::schema::Type::DATA: {
      std::string bytes;
      if (!item.is_string()) return mismatch("a base64 string", item);
      if (!absl::Base64Unescape(item.get_ref<const std::string&>(), &bytes)) {
        return absl::InvalidArgumentError("expected base64");
      }
      set(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
      return absl::OkStatus();
    }
    case capnp::schema::Type::ENUM: {
      const capnp::EnumSchema schema = type.asEnum();
      if (item.is_number_unsigned()) {
        set(capnp::DynamicEnum(schema, static_cast<uint16_t>(item.get<uint64_t>())));
        return absl::OkStatus();
      }
      if (!item.is_string()) return mismatch("an enumerant name", item);
      KJ_IF_MAYBE (enumerant, schema.findEnumerantByName(item.get_ref<const std::string&>())) {
        set(capnp::DynamicEnum(*enumerant));
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(
          absl::StrCat("no enumerant '", item.get_ref<const std::string&>(), "'"));
    }
    default:
      return absl::InvalidArgumentError("a field of this type has no JSON form");
  }
}

absl::Status write_field(const json& item, capnp::StructSchema::Field field,
                         capnp::DynamicStruct::Builder out) {
  const capnp::Type type = field.getType();
  if (type.isStruct()) {
    if (!item.is_object()) return mismatch("an object", item);
    return write_struct(item, out.init(field).as<capnp::DynamicStruct>());
  }
  if (type.isList()) {
    if (!item.is_array()) return mismatch("an array", item);
    return write_list(
        item, type.asList(),
        out.init(field, static_cast<capnp::uint>(item.size())).as<capnp::DynamicList>());
  }
  return write_scalar(item, type,
                      [&](const capnp::DynamicValue::Reader& value) { out.set(field, value); });
}

absl::Status write_list(const json& item, capnp::ListSchema schema,
                        capnp::DynamicList::Builder out) {
  const capnp::Type element = schema.getElementType();
  for (capnp::uint i = 0; i < out.size(); ++i) {
    const json& entry = item[i];
    absl::Status status;
    if (element.isStruct()) {
      status = entry.is_object() ? write_struct(entry, out[i].as<capnp::DynamicStruct>())
                                 : mismatch("an object", entry);
    } else if (element.isList()) {
      status =
          entry.is_array()
              ? write_list(
                    entry, element.asList(),
                    out.init(i, static_cast<capnp::uint>(entry.size())).as<capnp::DynamicList>())
              : mismatch("an array", entry);
    } else {
      status = write_scalar(entry, element,
                            [&](const capnp::DynamicValue::Reader& value) { out.set(i, value); });
    }
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("element ", i, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

json read_dynamic(const capnp::DynamicValue::Reader& value);

json read_list(capnp::DynamicList::Reader list) {
  json array = json::array();
  for (capnp::DynamicValue::Reader element : list) array.push_back(read_dynamic(element));
  return array;
}

json read_dynamic(const capnp::DynamicValue::Reader& value) {
  switch (value.getType()) {
    case capnp::DynamicValue::BOOL:
      return value.as<bool>();
    case capnp::DynamicValue::INT:
      return value.as<int64_t>();
    case capnp::DynamicValue::UINT:
      return value.as<uint64_t>();
    case capnp::DynamicValue::FLOAT:
      return value.as<double>();
    case capnp::DynamicValue::TEXT: {
      capnp::Text::Reader text = value.as<capnp::Text>();
      return std::string(text.begin(), text.size());
    }
    case capnp::DynamicValue::DATA: {
      capnp::Data::Reader data = value.as<capnp::Data>();
      return absl::Base64Escape(
          absl::string_view(reinterpret_cast<const char*>(data.begin()), data.size()));
    }
    case capnp::DynamicValue::LIST:
      return read_list(value.as<capnp::DynamicList>());
    case capnp::DynamicValue::ENUM: {
      capnp::DynamicEnum e = value.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE (enumerant, e.getEnumerant()) {
        return std::string(enumerant->getProto().getName().cStr());
      }
      return e.getRaw();
    }
    case capnp::DynamicValue::STRUCT:
      return read_struct(value.as<capnp::DynamicStruct>());
    default:  // void, unknown, interfaces, AnyPointer
      return nullptr;
  }
}

void read_into(json& object, capnp::DynamicStruct::Reader in, capnp::StructSchema::Field field) {
  if (!in.has(field)) return;  // a null pointer
  object[field.getProto().getName().cStr()] = read_dynamic(in.get(field));
}

}  // namespace

absl::Status write_struct(const json& json_object, capnp::DynamicStruct::Builder out) {
  if (!json_object.is_object()) return mismatch("an object", json_object);
  const capnp::StructSchema schema = out.getSchema();
  for (const auto& [key, item] : json_object.items()) {
    KJ_IF_MAYBE (field, schema.findFieldByName(key)) {
      if (absl::Status status = write_field(item, *field, out); !status.ok()) {
        return in_field(status, field->getProto().getName());
      }
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("no field '", key, "' in struct ", schema.getUnqualifiedName().cStr()));
  }
  return absl::OkStatus();
}

json read_struct(capnp::DynamicStruct::Reader in) {
  json object = json::object();
  for (capnp::StructSchema::Field field : in.getSchema().getNonUnionFields()) {
    read_into(object, in, field);
  }
  KJ_IF_MAYBE (field, in.which()) {
    read_into(object, in, *field);
  }
  return object;
}

}  // namespace bossa::content
