// Codec<Pid>: a pid inside a value (a field of a BOSSA_MESSAGE type, an element of a vector, an
// alternative of a variant), as the Value tuple (uint64 node, uint64 serial); its JSON form is
// {"node": N, "serial": S}. A pid sent on its own still travels as the type "bossa.pid", an
// envelope.capnp Pid (cluster/system_types.h). cluster/wire_types.h includes this header, so a
// program that sends messages between nodes has it.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include "absl/status/status.h"
#include "runtime/pid.h"
#include "serialization/codec.h"
#include "serialization/value_shape.h"

namespace bossa {

template <>
struct Codec<Pid> {
  using Wire = std::tuple<uint32_t, uint64_t>;
  static void encode(const Pid& pid, wire::Value::Builder out) {
    Codec<Wire>::encode(Wire{pid.node, pid.serial}, out);
  }
  static absl::Status decode(wire::Value::Reader in, Pid& out) {
    Wire wire;
    if (absl::Status status = Codec<Wire>::decode(in, wire); !status.ok()) return status;
    out = Pid{std::get<0>(wire), std::get<1>(wire)};
    return absl::OkStatus();
  }
  static std::optional<ValueShape> shape() { return record_shape<Wire>({"node", "serial"}); }
};

}  // namespace bossa
