// Codecs for more standard types, onto serialization/value.capnp, built from the alternatives of
// builtin_codecs.h (no new wire alternative):
//
//   std::map<K, V>, std::unordered_map<K, V>   list of tuple (key, value); a key twice is an error
//   std::variant<Ts...>                        tuple (uint64 index of the alternative, its value)
//   std::monostate                             none (the empty alternative of a variant)
//   an enum E                                  its underlying integer (any value of that type)
//   std::array<T, N>                           list of exactly N
//   std::chrono::duration<Rep, Period>         its count of ticks, as Rep (int64, uint64 or float),
//                                              so every node must use the same duration type
//
// Decoding is as safe on untrusted bytes as the built-ins': sizes are checked against what the
// message holds before anything is reserved, and errors name the path to the culprit ("list
// element 2: tuple field 0: ..."). A variant that is valueless by exception cannot be encoded
// (kj::Exception, a Status from encode<T>()). Thread-safety: codecs are stateless.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>

#include <kj/debug.h>

#include "absl/strings/str_cat.h"
#include "serialization/builtin_codecs.h"

namespace bossa {
namespace codec_detail {

// Writes the entries of `map` as a list of (key, value) tuples.
template <class Map>
void encode_map(const Map& map, wire::Value::Builder out) {
  using K = typename Map::key_type;
  using V = typename Map::mapped_type;
  auto list = out.initList(checked_list_size(map.size()));
  capnp::uint i = 0;
  for (const auto& [key, value] : map) {
    auto entry = list[i++].initTuple(2);
    Codec<K>::encode(key, entry[0]);
    Codec<V>::encode(value, entry[1]);
  }
}

// Reads a list of (key, value) tuples into `out`; a key seen twice is an error.
template <class Map>
absl::Status decode_map(wire::Value::Reader in, Map& out) {
  using Entry = std::pair<typename Map::key_type, typename Map::mapped_type>;
  if (in.which() != wire::Value::LIST) return type_mismatch("list of key-value tuples", in);
  auto list = in.getList();
  for (capnp::uint i = 0; i < list.size(); ++i) {
    Entry entry{};
    if (absl::Status status = Codec<Entry>::decode(list[i], entry); !status.ok()) {
      return with_context(status, "list element", i);
    }
    if (!out.emplace(std::move(entry.first), std::move(entry.second)).second) {
      return with_context(absl::InvalidArgumentError("a key seen before"), "list element", i);
    }
  }
  return absl::OkStatus();
}

}  // namespace codec_detail

template <HasCodec K, HasCodec V, class Compare, class Alloc>
struct Codec<std::map<K, V, Compare, Alloc>> {
  static void encode(const std::map<K, V, Compare, Alloc>& value, wire::Value::Builder out) {
    codec_detail::encode_map(value, out);
  }
  static absl::Status decode(wire::Value::Reader in, std::map<K, V, Compare, Alloc>& out) {
    return codec_detail::decode_map(in, out);
  }
};

template <HasCodec K, HasCodec V, class Hash, class Equal, class Alloc>
struct Codec<std::unordered_map<K, V, Hash, Equal, Alloc>> {
  static void encode(const std::unordered_map<K, V, Hash, Equal, Alloc>& value,
                     wire::Value::Builder out) {
    codec_detail::encode_map(value, out);
  }
  static absl::Status decode(wire::Value::Reader in,
                             std::unordered_map<K, V, Hash, Equal, Alloc>& out) {
    return codec_detail::decode_map(in, out);
  }
};

template <>
struct Codec<std::monostate> {
  static void encode(std::monostate, wire::Value::Builder out) { out.setNone(); }
  static absl::Status decode(wire::Value::Reader in, std::monostate&) {
    if (in.which() != wire::Value::NONE) return codec_detail::type_mismatch("none", in);
    return absl::OkStatus();
  }
};

template <HasCodec... Ts>
struct Codec<std::variant<Ts...>> {
  using Variant = std::variant<Ts...>;

  static void encode(const Variant& value, wire::Value::Builder out) {
    KJ_REQUIRE(!value.valueless_by_exception(), "a valueless variant has no encoding");
    auto fields = out.initTuple(2);
    fields[0].setUint64(value.index());
    std::visit(
        [&](const auto& alternative) {
          Codec<std::decay_t<decltype(alternative)>>::encode(alternative, fields[1]);
        },
        value);
  }

  static absl::Status decode(wire::Value::Reader in, Variant& out) {
    if (in.which() != wire::Value::TUPLE) return codec_detail::type_mismatch("tuple", in);
    auto fields = in.getTuple();
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected tuple of 2 fields (index, value), got ", fields.size()));
    }
    uint64_t index = 0;
    if (absl::Status status = Codec<uint64_t>::decode(fields[0], index); !status.ok()) {
      return codec_detail::with_context(status, "tuple field", 0);
    }
    if (index >= sizeof...(Ts)) {
      return absl::InvalidArgumentError(
          absl::StrCat("variant alternative ", index, " out of range: it has ", sizeof...(Ts)));
    }
    absl::Status status = kDecoders[index](fields[1], out);
    return status.ok() ? status : codec_detail::with_context(status, "tuple field", 1);
  }

 private:
  template <size_t I>
  static absl::Status decode_alternative(wire::Value::Reader in, Variant& out) {
    std::variant_alternative_t<I, Variant> value{};
    absl::Status status = Codec<std::variant_alternative_t<I, Variant>>::decode(in, value);
    if (status.ok()) out.template emplace<I>(std::move(value));
    return status;
  }
  template <size_t... I>
  static constexpr auto decoders(std::index_sequence<I...>) {
    return std::array<absl::Status (*)(wire::Value::Reader, Variant&), sizeof...(I)>{
        &decode_alternative<I>...};
  }
  static constexpr auto kDecoders = decoders(std::index_sequence_for<Ts...>{});
};

template <class E>
requires std::is_enum_v<E> && HasCodec<std::underlying_type_t<E>>
struct Codec<E> {
  using Underlying = std::underlying_type_t<E>;
  static void encode(E value, wire::Value::Builder out) {
    Codec<Underlying>::encode(static_cast<Underlying>(value), out);
  }
  static absl::Status decode(wire::Value::Reader in, E& out) {
    Underlying value{};
    if (absl::Status status = Codec<Underlying>::decode(in, value); !status.ok()) return status;
    out = static_cast<E>(value);
    return absl::OkStatus();
  }
};

template <HasCodec T, size_t N>
struct Codec<std::array<T, N>> {
  static void encode(const std::array<T, N>& value, wire::Value::Builder out) {
    auto list = out.initList(codec_detail::checked_list_size(N));
    for (capnp::uint i = 0; i < N; ++i) Codec<T>::encode(value[i], list[i]);
  }
  static absl::Status decode(wire::Value::Reader in, std::array<T, N>& out) {
    if (in.which() != wire::Value::LIST) return codec_detail::type_mismatch("list", in);
    auto list = in.getList();
    if (list.size() != N) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected list of ", N, " elements, got ", list.size()));
    }
    for (capnp::uint i = 0; i < N; ++i) {
      if (absl::Status status = Codec<T>::decode(list[i], out[i]); !status.ok()) {
        return codec_detail::with_context(status, "list element", i);
      }
    }
    return absl::OkStatus();
  }
};

template <HasCodec Rep, class Period>
requires std::is_arithmetic_v<Rep>
struct Codec<std::chrono::duration<Rep, Period>> {
  static void encode(const std::chrono::duration<Rep, Period>& value, wire::Value::Builder out) {
    Codec<Rep>::encode(value.count(), out);
  }
  static absl::Status decode(wire::Value::Reader in, std::chrono::duration<Rep, Period>& out) {
    Rep count{};
    if (absl::Status status = Codec<Rep>::decode(in, count); !status.ok()) return status;
    out = std::chrono::duration<Rep, Period>(count);
    return absl::OkStatus();
  }
};

}  // namespace bossa
