// JSON as a bossa Value (serialization/value.capnp), by the ValueShape of the registered type:
//
//   ValueShape                         JSON
//   bool                               true / false
//   int, uint                          an integer in the type's range
//   float32, float64                   a number
//   text (std::string)                 a string
//   data (bossa::Bytes)                a string of base64
//   list (std::vector)                 an array
//   tuple (std::tuple, std::pair)      an array of exactly its arity; a record (a tuple with field
//                                      names) also as an object of those names, where a missing
//                                      optional field is empty
//   optional (std::optional)           null when empty, else the value
//   struct (a Cap'n Proto struct)      an object of its fields (json_struct.h)
//
// write_value takes untrusted JSON (bounded by parse_json) and writes `out`; read_value is its
// inverse, writing a record as an object. Both return InvalidArgument with the path to what did
// not match ("list element 2: field 'sku': expected a string, got number"); either may throw
// kj::Exception on malformed Cap'n Proto data or sizes past its limits, which the callers in this
// folder turn into a Status. Free functions without shared state.
#pragma once

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "serialization/value.capnp.h"
#include "serialization/value_shape.h"

namespace bossa::content {

absl::Status write_value(const nlohmann::json& json, const ValueShape& shape,
                         wire::Value::Builder out);

absl::StatusOr<nlohmann::json> read_value(wire::Value::Reader value, const ValueShape& shape);

}  // namespace bossa::content
