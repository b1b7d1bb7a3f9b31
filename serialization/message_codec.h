// BOSSA_MESSAGE: a struct's codec and wire name in one line.
//
//   namespace shop {
//   struct Order {
//     int64_t id = 0;
//     std::map<std::string, int32_t> items;
//     std::optional<std::string> note;
//   };
//   }  // namespace shop
//   BOSSA_MESSAGE(shop::Order, id, items, note);   // at global scope, after the struct
//   BOSSA_MESSAGE(shop::Close);                     // a struct with no fields: a signal
//
//   node.register_type<shop::Order>();              // on every node: wire name "shop::Order"
//
// It specializes bossa::Codec for the type: the listed fields, in order, travel as a Value tuple
// (serialization/value.capnp), each with its own codec, so a client in any language reads it with
// value.capnp alone; a field left out of the list keeps its default when a message is decoded.
// The type has a JSON form (serialization/value_shape.h) whose object keys are the field names,
// when every field has one. Its wire name is the type as written in the macro: write it the same
// way in every program of the cluster, or register the type under a name of its own
// (`register_type<shop::Order>("shop.order")`). Appending a field changes the wire format (the
// tuple's arity is checked): give the new version a new name. None to 32 fields; a field is a
// member with a codec (a built-in, a standard type of std_codecs.h, bossa::Pid with
// runtime/pid_codec.h, a Cap'n Proto message, another BOSSA_MESSAGE type). The type must be
// default-constructible. Errors name the field: "field 'items': list element 1: ...".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "serialization/codec.h"
#include "serialization/value_shape.h"

namespace bossa::message_detail {

// Writes the fields `fields` (a tuple of references) as a Value tuple.
template <class Fields, size_t... I>
void encode_fields(const Fields& fields, wire::Value::Builder out, std::index_sequence<I...>) {
  [[maybe_unused]] auto tuple = out.initTuple(sizeof...(I));
  (Codec<std::remove_cvref_t<std::tuple_element_t<I, Fields>>>::encode(std::get<I>(fields),
                                                                       tuple[I]),
   ...);
}

// Reads a Value tuple into the fields `fields` refers to; errors name the field.
template <class Fields, size_t... I>
absl::Status decode_fields(wire::Value::Reader in, const Fields& fields,
                           const std::vector<std::string>& names, std::index_sequence<I...>) {
  if (in.which() != wire::Value::TUPLE) return codec_detail::type_mismatch("tuple", in);
  auto tuple = in.getTuple();
  if (tuple.size() != sizeof...(I)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected tuple of ", sizeof...(I), " fields, got ", tuple.size()));
  }
  absl::Status status;
  [[maybe_unused]] auto field = [&](auto& target, capnp::uint i) {
    status = Codec<std::remove_cvref_t<decltype(target)>>::decode(tuple[i], target);
    if (!status.ok()) {
      status =
          absl::Status(status.code(), absl::StrCat("field '", names[i], "': ", status.message()));
    }
    return status.ok();
  };
  static_cast<void>((field(std::get<I>(fields), I) && ...));
  return status;
}

// The plain types of a tuple of references.
template <class Fields>
struct Plain;
template <class... Ts>
struct Plain<std::tuple<Ts...>> {
  using type = std::tuple<std::remove_cvref_t<Ts>...>;
};

// "a, b, c" (the macro's field list, stringized) -> {"a", "b", "c"}; "" -> {}.
std::vector<std::string> split_field_names(std::string_view list);

}  // namespace bossa::message_detail

#define BOSSA_MESSAGE(Type, ...)                                                                  \
  template <>                                                                                     \
  struct bossa::Codec<Type> {                                                                     \
    static constexpr std::string_view wire_name = #Type;                                          \
    static auto fields([[maybe_unused]] const Type& value) {                                      \
      return std::forward_as_tuple(BOSSA_DETAIL_FIELDS(value, __VA_ARGS__));                      \
    }                                                                                             \
    static auto fields([[maybe_unused]] Type& value) {                                            \
      return std::tie(BOSSA_DETAIL_FIELDS(value, __VA_ARGS__));                                   \
    }                                                                                             \
    using Fields = decltype(std::tie(BOSSA_DETAIL_FIELDS(std::declval<Type&>(), __VA_ARGS__)));   \
    static const std::vector<std::string>& field_names() {                                        \
      static const std::vector<std::string> names =                                               \
          ::bossa::message_detail::split_field_names(#__VA_ARGS__);                               \
      return names;                                                                               \
    }                                                                                             \
    static void encode(const Type& value, ::bossa::wire::Value::Builder out) {                    \
      ::bossa::message_detail::encode_fields(                                                     \
          fields(value), out, std::make_index_sequence<std::tuple_size_v<Fields>>{});             \
    }                                                                                             \
    static ::absl::Status decode(::bossa::wire::Value::Reader in, Type& out) {                    \
      return ::bossa::message_detail::decode_fields(                                              \
          in, fields(out), field_names(), std::make_index_sequence<std::tuple_size_v<Fields>>{}); \
    }                                                                                             \
    static std::optional<::bossa::ValueShape> shape() {                                           \
      return ::bossa::record_shape<typename ::bossa::message_detail::Plain<Fields>::type>(        \
          field_names());                                                                         \
    }                                                                                             \
  }

// BOSSA_DETAIL_FIELDS(v, a, b, c) -> v.a, v.b, v.c; BOSSA_DETAIL_FIELDS(v) -> nothing. Each step
// of the list is held back by one scan (BOSSA_DETAIL_FIELD_AGAIN before the parentheses), and
// BOSSA_DETAIL_EXPAND rescans the result 32 times: at most 32 fields.
#define BOSSA_DETAIL_FIELDS(value, ...) \
  __VA_OPT__(BOSSA_DETAIL_EXPAND(BOSSA_DETAIL_FIELD(value, __VA_ARGS__)))
#define BOSSA_DETAIL_FIELD(value, first, ...) \
  value.first __VA_OPT__(, BOSSA_DETAIL_FIELD_AGAIN BOSSA_DETAIL_PARENS(value, __VA_ARGS__))
#define BOSSA_DETAIL_FIELD_AGAIN() BOSSA_DETAIL_FIELD
#define BOSSA_DETAIL_PARENS ()
#define BOSSA_DETAIL_EXPAND(...) BOSSA_DETAIL_EXPAND2(BOSSA_DETAIL_EXPAND2(__VA_ARGS__))
#define BOSSA_DETAIL_EXPAND2(...) BOSSA_DETAIL_EXPAND4(BOSSA_DETAIL_EXPAND4(__VA_ARGS__))
#define BOSSA_DETAIL_EXPAND4(...) BOSSA_DETAIL_EXPAND8(BOSSA_DETAIL_EXPAND8(__VA_ARGS__))
#define BOSSA_DETAIL_EXPAND8(...) BOSSA_DETAIL_EXPAND16(BOSSA_DETAIL_EXPAND16(__VA_ARGS__))
#define BOSSA_DETAIL_EXPAND16(...) BOSSA_DETAIL_EXPAND32(BOSSA_DETAIL_EXPAND32(__VA_ARGS__))
#define BOSSA_DETAIL_EXPAND32(...) __VA_ARGS__
