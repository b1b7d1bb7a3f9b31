// Encoding and decoding of single values as bossa Value payloads (serialization/value.capnp).
//
//   absl::StatusOr<std::string> bytes = bossa::encode(std::tuple<int32_t, std::string>{7, "x"});
//   auto back = bossa::decode<std::tuple<int32_t, std::string>>(*bytes);
//
// The bytes are one Cap'n Proto message, flat format (see serialization/envelope.h), whose root is
// a Value. Which C++ types have codecs: builtin_codecs.h, std_codecs.h, capnp_codec.h, codec_base.h
// (user types), message_codec.h (BOSSA_MESSAGE).
//
// decode() is safe on untrusted bytes: it applies the DecodeLimits, never crashes, and returns
// InvalidArgument saying what was wrong, with the path to the culprit for nested values
// ("value: list element 3: tuple field 1: expected text, got int64").
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "serialization/builtin_codecs.h"
#include "serialization/capnp_codec.h"
#include "serialization/codec_base.h"
#include "serialization/decode_limits.h"
#include "serialization/std_codecs.h"

namespace bossa {
namespace codec_detail {

// Builds a message whose root Value `fill` writes; a kj::Exception from `fill` becomes a Status.
absl::StatusOr<std::string> encode_value(absl::FunctionRef<void(wire::Value::Builder)> fill);

// Reads the root Value of `bytes` under `limits` and hands it to `read`.
absl::Status decode_value(std::string_view bytes, const DecodeLimits& limits,
                          absl::FunctionRef<absl::Status(wire::Value::Reader)> read);

}  // namespace codec_detail

// Encodes `value`. Fails only if a string, byte array or list exceeds Cap'n Proto's size limits
// (512 MiB blobs, 2^29 - 1 list elements).
template <HasCodec T>
absl::StatusOr<std::string> encode(const T& value) {
  return codec_detail::encode_value(
      [&](wire::Value::Builder root) { Codec<T>::encode(value, root); });
}

// Decodes a T from `bytes` under `limits`.
template <HasCodec T>
absl::StatusOr<T> decode(std::string_view bytes, const DecodeLimits& limits = {}) {
  T value{};
  absl::Status status = codec_detail::decode_value(
      bytes, limits, [&](wire::Value::Reader root) { return Codec<T>::decode(root, value); });
  if (!status.ok()) return status;
  return value;
}

}  // namespace bossa
