// The built-in wire types and their names, listed once: CodecRegistry::add_builtins and the
// node's WireTypes both register exactly these. The names are wire names (their FNV-1a ids go on
// the wire, see codec_registry.h) and never change.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "serialization/builtin_codecs.h"

namespace bossa {

// Calls add.template operator()<T>(name) for every built-in type T; the first error wins.
template <class Add>
absl::Status for_each_builtin_type(Add&& add) {
  absl::Status status;
  status.Update(add.template operator()<bool>("bool"));
  status.Update(add.template operator()<int8_t>("int8"));
  status.Update(add.template operator()<int16_t>("int16"));
  status.Update(add.template operator()<int32_t>("int32"));
  status.Update(add.template operator()<int64_t>("int64"));
  status.Update(add.template operator()<uint8_t>("uint8"));
  status.Update(add.template operator()<uint16_t>("uint16"));
  status.Update(add.template operator()<uint32_t>("uint32"));
  status.Update(add.template operator()<uint64_t>("uint64"));
  status.Update(add.template operator()<float>("float32"));
  status.Update(add.template operator()<double>("float64"));
  status.Update(add.template operator()<std::string>("string"));
  status.Update(add.template operator()<Bytes>("bytes"));
  return status;
}

}  // namespace bossa
