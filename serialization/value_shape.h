// ValueShape: what a type's Value looks like, with the names a Value itself does not carry, so
// that a client's JSON can be written into a Value and back (serialization/content/).
//
//   std::optional<ValueShape> shape = shape_of<std::vector<std::optional<std::string>>>();
//   // kList of kOptional of kText
//
// Built-in codecs, std::optional, maps (a list of key-value tuples), enums, arrays, durations and
// Cap'n Proto structs (with their schema, whose field names JSON objects use) have a shape;
// variants have none. A user type with its own Codec<T> has one if the codec says so
// with a static function `std::optional<ValueShape> shape()`, typically a record: a tuple whose
// fields are named,
//
//   static std::optional<ValueShape> shape() {
//     return record_shape<std::tuple<int64_t, std::string>>({"cents", "currency"});
//   }
//
// Without it (or for a type registered with user functions) shape_of<T>() is nullopt: such a type
// travels between nodes but has no JSON form. Shapes are plain values; no shared state.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <capnp/schema.h>

#include "serialization/builtin_codecs.h"
#include "serialization/capnp_codec.h"
#include "serialization/std_codecs.h"

namespace bossa {

struct ValueShape {
  enum class Kind : uint8_t {
    kBool,
    kInt,   // any signed integer: Value int64
    kUint,  // any unsigned integer: Value uint64
    kFloat32,
    kFloat64,
    kText,      // std::string
    kData,      // bossa::Bytes
    kList,      // elements[0] is the element's shape
    kTuple,     // elements are the fields' shapes; field_names, if not empty, name them (a record)
    kOptional,  // elements[0] is the value's shape; empty is Value none
    kStruct,    // a Cap'n Proto struct of `schema`
  };
  Kind kind = Kind::kBool;
  uint8_t bits = 64;  // kInt, kUint: the integer's width
  std::vector<ValueShape> elements;
  std::vector<std::string> field_names;
  std::optional<capnp::StructSchema> schema;
};

template <class T>
std::optional<ValueShape> shape_of();

namespace shape_detail {

inline ValueShape leaf(ValueShape::Kind kind) {
  return ValueShape{kind, 64, {}, {}, {}};
}

template <class T>
struct ShapeOf {
  static std::optional<ValueShape> get() {
    if constexpr (requires {
                    { Codec<T>::shape() } -> std::convertible_to<std::optional<ValueShape>>;
                  }) {
      return Codec<T>::shape();
    } else {
      return std::nullopt;
    }
  }
};

template <WireInteger T>
struct ShapeOf<T> {
  static std::optional<ValueShape> get() {
    ValueShape shape = leaf(std::is_signed_v<T> ? ValueShape::Kind::kInt : ValueShape::Kind::kUint);
    shape.bits = 8 * sizeof(T);
    return shape;
  }
};

#define BOSSA_LEAF_SHAPE(type, kind)                                                \
  template <>                                                                       \
  struct ShapeOf<type> {                                                            \
    static std::optional<ValueShape> get() { return leaf(ValueShape::Kind::kind); } \
  }
BOSSA_LEAF_SHAPE(bool, kBool);
BOSSA_LEAF_SHAPE(float, kFloat32);
BOSSA_LEAF_SHAPE(double, kFloat64);
BOSSA_LEAF_SHAPE(std::string, kText);
BOSSA_LEAF_SHAPE(Bytes, kData);
#undef BOSSA_LEAF_SHAPE

// A shape of `kind` over the shapes of Ts; nullopt if one has none.
template <class... Ts>
std::optional<ValueShape> composite(ValueShape::Kind kind) {
  ValueShape shape{kind, 64, {}, {}, {}};
  bool complete = true;
  [[maybe_unused]] auto add = [&](std::optional<ValueShape> element) {
    if (element.has_value()) {
      shape.elements.push_back(*std::move(element));
    } else {
      complete = false;
    }
  };
  (add(shape_of<Ts>()), ...);
  if (!complete) return std::nullopt;
  return shape;
}

template <class T>
struct ShapeOf<std::vector<T>> {
  static std::optional<ValueShape> get() { return composite<T>(ValueShape::Kind::kList); }
};
template <class T>
struct ShapeOf<std::optional<T>> {
  static std::optional<ValueShape> get() { return composite<T>(ValueShape::Kind::kOptional); }
};
template <class... Ts>
struct ShapeOf<std::tuple<Ts...>> {
  static std::optional<ValueShape> get() { return composite<Ts...>(ValueShape::Kind::kTuple); }
};
template <class A, class B>
struct ShapeOf<std::pair<A, B>> {
  static std::optional<ValueShape> get() { return composite<A, B>(ValueShape::Kind::kTuple); }
};
template <class K, class V, class Compare, class Alloc>
struct ShapeOf<std::map<K, V, Compare, Alloc>> {
  static std::optional<ValueShape> get() {
    return composite<std::pair<K, V>>(ValueShape::Kind::kList);
  }
};
template <class K, class V, class Hash, class Equal, class Alloc>
struct ShapeOf<std::unordered_map<K, V, Hash, Equal, Alloc>> {
  static std::optional<ValueShape> get() {
    return composite<std::pair<K, V>>(ValueShape::Kind::kList);
  }
};
template <class T, size_t N>
struct ShapeOf<std::array<T, N>> {
  static std::optional<ValueShape> get() { return composite<T>(ValueShape::Kind::kList); }
};
template <class E>
requires std::is_enum_v<E>
struct ShapeOf<E> {
  static std::optional<ValueShape> get() { return shape_of<std::underlying_type_t<E>>(); }
};
template <class Rep, class Period>
struct ShapeOf<std::chrono::duration<Rep, Period>> {
  static std::optional<ValueShape> get() { return shape_of<Rep>(); }
};
template <class Schema>
struct ShapeOf<CapnpMessage<Schema>> {
  static std::optional<ValueShape> get() {
    return ValueShape{ValueShape::Kind::kStruct, 64, {}, {}, capnp::Schema::from<Schema>()};
  }
};

}  // namespace shape_detail

// The shape of T's Value; nullopt when T (or a type inside it) has none.
template <class T>
std::optional<ValueShape> shape_of() {
  return shape_detail::ShapeOf<T>::get();
}

// The shape of Tuple (a std::tuple or std::pair) with its fields named `names`, in order; for a
// user Codec<T> that writes its fields as that tuple. nullopt if a field has no shape or the
// number of names is not the arity.
template <class Tuple>
std::optional<ValueShape> record_shape(std::vector<std::string> names) {
  std::optional<ValueShape> shape = shape_of<Tuple>();
  if (!shape.has_value() || names.size() != std::tuple_size_v<Tuple>) return std::nullopt;
  shape->field_names = std::move(names);
  return shape;
}

}  // namespace bossa
