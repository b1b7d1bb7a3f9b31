// JSON objects as Cap'n Proto structs, by the struct's schema: each member names a field.
//
//   JSON                       Cap'n Proto field
//   true / false               Bool
//   number                     Int8..UInt64 (in range), Float32, Float64
//   string                     Text; Data as base64; an enum by enumerant name (or a number)
//   array                      List(T)
//   object                     a struct or a group
//   null                       Void
//
// write_struct takes untrusted JSON (already bounded by parse_json): an unknown member, a value
// of the wrong kind or out of range is InvalidArgument naming the field. Members left out keep
// their defaults; setting a union member selects it. Interface and AnyPointer fields have no JSON
// form. read_struct writes every non-union field (null pointers left out) and the union's
// active member. Either may throw kj::Exception on malformed Cap'n Proto data; the callers in
// this folder turn it into a Status. Free functions without shared state.
#pragma once

#include <capnp/dynamic.h>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace bossa::content {

absl::Status write_struct(const nlohmann::json& json, capnp::DynamicStruct::Builder out);

nlohmann::json read_struct(capnp::DynamicStruct::Reader in);

}  // namespace bossa::content
