// The message types of the outside-clients example: a price lookup and its quote, registered as
// "outside.lookup" and "outside.quote". Their codecs write a tuple of the fields and name them
// (shape()), so a client outside the cluster writes them as JSON objects:
//
//   {"sku": "tea", "count": 3}   ->   {"sku": "tea", "count": 3, "total_cents": 1350}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "serialization/codec.h"
#include "serialization/value_shape.h"

namespace bossa::outside_example {

struct Lookup {
  std::string sku;
  int32_t count = 0;
};

struct Quote {
  std::string sku;
  int32_t count = 0;
  int64_t total_cents = 0;
};

}  // namespace bossa::outside_example

namespace bossa {

template <>
struct Codec<outside_example::Lookup> {
  using Wire = std::tuple<std::string, int32_t>;
  static void encode(const outside_example::Lookup& value, wire::Value::Builder out) {
    Codec<Wire>::encode(Wire{value.sku, value.count}, out);
  }
  static absl::Status decode(wire::Value::Reader in, outside_example::Lookup& out) {
    Wire wire;
    if (absl::Status status = Codec<Wire>::decode(in, wire); !status.ok()) return status;
    out = {std::get<0>(std::move(wire)), std::get<1>(wire)};
    return absl::OkStatus();
  }
  static std::optional<ValueShape> shape() { return record_shape<Wire>({"sku", "count"}); }
};

template <>
struct Codec<outside_example::Quote> {
  using Wire = std::tuple<std::string, int32_t, int64_t>;
  static void encode(const outside_example::Quote& value, wire::Value::Builder out) {
    Codec<Wire>::encode(Wire{value.sku, value.count, value.total_cents}, out);
  }
  static absl::Status decode(wire::Value::Reader in, outside_example::Quote& out) {
    Wire wire;
    if (absl::Status status = Codec<Wire>::decode(in, wire); !status.ok()) return status;
    out = {std::get<0>(std::move(wire)), std::get<1>(wire), std::get<2>(wire)};
    return absl::OkStatus();
  }
  static std::optional<ValueShape> shape() {
    return record_shape<Wire>({"sku", "count", "total_cents"});
  }
};

}  // namespace bossa
