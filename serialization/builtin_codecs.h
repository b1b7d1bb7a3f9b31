// Codecs for the built-in types, onto serialization/value.capnp:
//
//   bool                                   bool
//   int8_t .. int64_t                      int64   (decode also accepts uint64 if the value fits)
//   uint8_t .. uint64_t                    uint64  (decode also accepts int64 if the value fits)
//   float                                  float32 (decode also accepts float64 in float's range)
//   double                                 float64 (decode also accepts float32)
//   std::string                            text    (any bytes, embedded NULs included)
//   bossa::Bytes = std::vector<std::byte>  data
//   std::vector<T>                         list of T
//   std::tuple<Ts...>, std::pair<A, B>     tuple, whose arity must match exactly
//   std::optional<T>                       none when empty, else T's alternative
//
// An integer that does not fit its target type is an error; character types have no codec
// (encode text as std::string). Thread-safety: codecs are stateless.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "serialization/codec_base.h"

namespace bossa {

// Opaque bytes (Value alternative `data`), distinct from std::string (`text`).
using Bytes = std::vector<std::byte>;

template <>
struct Codec<bool> {
  static void encode(bool value, wire::Value::Builder out) { out.setBool(value); }
  static absl::Status decode(wire::Value::Reader in, bool& out) {
    if (in.which() != wire::Value::BOOL) return codec_detail::type_mismatch("bool", in);
    out = in.getBool();
    return absl::OkStatus();
  }
};

template <class T>
concept WireInteger =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
    !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
    !std::is_same_v<T, char32_t> && sizeof(T) <= 8;

template <WireInteger T>
struct Codec<T> {
  static void encode(T value, wire::Value::Builder out) {
    if constexpr (std::is_signed_v<T>) {
      out.setInt64(value);
    } else {
      out.setUint64(value);
    }
  }
  static absl::Status decode(wire::Value::Reader in, T& out) {
    switch (in.which()) {
      case wire::Value::INT64:
        return narrow(in.getInt64(), out);
      case wire::Value::UINT64:
        return narrow(in.getUint64(), out);
      default:
        return codec_detail::type_mismatch(name(), in);
    }
  }

 private:
  static std::string name() {
    return absl::StrCat(std::is_signed_v<T> ? "int" : "uint", 8 * sizeof(T));
  }
  template <class Wide>
  static absl::Status narrow(Wide value, T& out) {
    if (!std::in_range<T>(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("integer ", value, " out of range for ", name()));
    }
    out = static_cast<T>(value);
    return absl::OkStatus();
  }
};

template <>
struct Codec<float> {
  static void encode(float value, wire::Value::Builder out) { out.setFloat32(value); }
  static absl::Status decode(wire::Value::Reader in, float& out) {
    switch (in.which()) {
      case wire::Value::FLOAT32:
        out = in.getFloat32();
        return absl::OkStatus();
      case wire::Value::FLOAT64: {
        const double value = in.getFloat64();
        if (std::isfinite(value) && std::abs(value) > std::numeric_limits<float>::max()) {
          return absl::InvalidArgumentError(
              absl::StrCat("float64 ", value, " out of range for float32"));
        }
        out = static_cast<float>(value);
        return absl::OkStatus();
      }
      default:
        return codec_detail::type_mismatch("float32", in);
    }
  }
};

template <>
struct Codec<double> {
  static void encode(double value, wire::Value::Builder out) { out.setFloat64(value); }
  static absl::Status decode(wire::Value::Reader in, double& out) {
    switch (in.which()) {
      case wire::Value::FLOAT64:
        out = in.getFloat64();
        return absl::OkStatus();
      case wire::Value::FLOAT32:
        out = in.getFloat32();
        return absl::OkStatus();
      default:
        return codec_detail::type_mismatch("float64", in);
    }
  }
};

template <>
struct Codec<std::string> {
  static void encode(const std::string& value, wire::Value::Builder out) {
    out.setText(capnp::Text::Reader(value.data(), value.size()));
  }
  static absl::Status decode(wire::Value::Reader in, std::string& out) {
    if (in.which() != wire::Value::TEXT) return codec_detail::type_mismatch("text", in);
    capnp::Text::Reader text = in.getText();
    out.assign(text.begin(), text.size());
    return absl::OkStatus();
  }
};

template <>
struct Codec<Bytes> {
  static void encode(const Bytes& value, wire::Value::Builder out) {
    out.setData(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(value.data()), value.size()));
  }
  static absl::Status decode(wire::Value::Reader in, Bytes& out) {
    if (in.which() != wire::Value::DATA) return codec_detail::type_mismatch("data", in);
    capnp::Data::Reader data = in.getData();
    const auto* begin = reinterpret_cast<const std::byte*>(data.begin());
    out.assign(begin, begin + data.size());
    return absl::OkStatus();
  }
};

template <HasCodec T>
struct Codec<std::vector<T>> {
  static void encode(const std::vector<T>& value, wire::Value::Builder out) {
    auto list = out.initList(codec_detail::checked_list_size(value.size()));
    capnp::uint i = 0;
    for (auto&& element : value) Codec<T>::encode(element, list[i++]);
  }
  static absl::Status decode(wire::Value::Reader in, std::vector<T>& out) {
    if (in.which() != wire::Value::LIST) return codec_detail::type_mismatch("list", in);
    auto list = in.getList();
    // A forged length cannot make us allocate ahead of validated elements beyond this.
    constexpr capnp::uint kMaxReserve = 1 << 16;
    out.reserve(std::min(list.size(), kMaxReserve));
    for (capnp::uint i = 0; i < list.size(); ++i) {
      T element{};
      if (absl::Status status = Codec<T>::decode(list[i], element); !status.ok()) {
        return codec_detail::with_context(status, "list element", i);
      }
      out.push_back(std::move(element));
    }
    return absl::OkStatus();
  }
};

namespace codec_detail {

template <class Tuple, size_t... I>
void encode_tuple([[maybe_unused]] const Tuple& value, wire::Value::Builder out,
                  std::index_sequence<I...>) {
  [[maybe_unused]] auto fields = out.initTuple(sizeof...(I));
  (Codec<std::tuple_element_t<I, Tuple>>::encode(std::get<I>(value), fields[I]), ...);
}

template <class Tuple, size_t... I>
absl::Status decode_tuple(wire::Value::Reader in, [[maybe_unused]] Tuple& out,
                          std::index_sequence<I...>) {
  if (in.which() != wire::Value::TUPLE) return type_mismatch("tuple", in);
  auto fields = in.getTuple();
  if (fields.size() != sizeof...(I)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected tuple of ", sizeof...(I), " fields, got ", fields.size()));
  }
  absl::Status status;
  // Stops at the first failing field (&& short-circuits the fold).
  static_cast<void>(
      ((status = Codec<std::tuple_element_t<I, Tuple>>::decode(fields[I], std::get<I>(out)),
        status.ok() ? true : (status = with_context(status, "tuple field", I), false)) &&
       ...));
  return status;
}

}  // namespace codec_detail

template <HasCodec... Ts>
struct Codec<std::tuple<Ts...>> {
  static void encode(const std::tuple<Ts...>& value, wire::Value::Builder out) {
    codec_detail::encode_tuple(value, out, std::index_sequence_for<Ts...>{});
  }
  static absl::Status decode(wire::Value::Reader in, std::tuple<Ts...>& out) {
    return codec_detail::decode_tuple(in, out, std::index_sequence_for<Ts...>{});
  }
};

template <HasCodec A, HasCodec B>
struct Codec<std::pair<A, B>> {
  static void encode(const std::pair<A, B>& value, wire::Value::Builder out) {
    codec_detail::encode_tuple(value, out, std::index_sequence<0, 1>{});
  }
  static absl::Status decode(wire::Value::Reader in, std::pair<A, B>& out) {
    return codec_detail::decode_tuple(in, out, std::index_sequence<0, 1>{});
  }
};

template <HasCodec T>
struct Codec<std::optional<T>> {
  static void encode(const std::optional<T>& value, wire::Value::Builder out) {
    if (value.has_value()) {
      Codec<T>::encode(*value, out);
    } else {
      out.setNone();
    }
  }
  static absl::Status decode(wire::Value::Reader in, std::optional<T>& out) {
    if (in.which() == wire::Value::NONE) {
      out.reset();
      return absl::OkStatus();
    }
    T value{};
    if (absl::Status status = Codec<T>::decode(in, value); !status.ok()) return status;
    out = std::move(value);
    return absl::OkStatus();
  }
};

}  // namespace bossa
