// Codec<T>: the customization point that maps a C++ type to a bossa Value
// (serialization/value.capnp). A specialization provides two static functions:
//
//   static void encode(const T& value, wire::Value::Builder out);  // `out` freshly initialised
//   static absl::Status decode(wire::Value::Reader in, T& out);    // `out` default-constructed
//
// decode returns InvalidArgument naming the mismatch ("expected text, got int64"). Either may throw
// kj::Exception (a value over a Cap'n Proto size limit, malformed data); encode<T>() and
// decode<T>() turn it into a Status. Built-ins are in builtin_codecs.h, Cap'n Proto structs in
// capnp_codec.h; a user type specializes bossa::Codec<T> the same way (it then composes inside
// vectors and tuples), or registers encode/decode functions with a CodecRegistry.
//
// Thread-safety: codecs are stateless.
#pragma once

#include <concepts>
#include <cstddef>
#include <string>

#include <capnp/common.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "serialization/value.capnp.h"

namespace bossa {

template <class T>
struct Codec;

// True when Codec<T> is specialized with the two functions above.
template <class T>
concept HasCodec = requires(const T& value, T& out, wire::Value::Builder builder,
                            wire::Value::Reader reader) {
  Codec<T>::encode(value, builder);
  { Codec<T>::decode(reader, out) } -> std::same_as<absl::Status>;
};

namespace codec_detail {

// "bool", "int64", ... "list", "tuple", "struct"; "unknown alternative N" past the schema's end.
std::string name_of(wire::Value::Reader value);

// InvalidArgument "expected <expected>, got <name_of(got)>".
absl::Status type_mismatch(absl::string_view expected, wire::Value::Reader got);

// `status` with "<context>: " prepended to its message, keeping its code.
absl::Status with_context(const absl::Status& status, absl::string_view context, size_t index);

// `size` as a Cap'n Proto list length; throws kj::Exception if the list would be too long.
capnp::uint checked_list_size(size_t size);

}  // namespace codec_detail
}  // namespace bossa
