#include "serialization/content/json_value.h"

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serialization/codec.h"
#include "serialization/codec_test.capnp.h"
#include "serialization/content/json_text.h"

namespace bossa {

// A user type whose codec names its fields: JSON writes it as an object.
struct Order {
  std::string sku;
  int32_t count = 0;
  std::optional<std::string> note;
  friend bool operator==(const Order&, const Order&) = default;
};

template <>
struct Codec<Order> {
  using Wire = std::tuple<std::string, int32_t, std::optional<std::string>>;
  static void encode(const Order& o, wire::Value::Builder out) {
    Codec<Wire>::encode(Wire{o.sku, o.count, o.note}, out);
  }
  static absl::Status decode(wire::Value::Reader in, Order& out) {
    Wire w;
    if (absl::Status s = Codec<Wire>::decode(in, w); !s.ok()) return s;
    out = Order{std::get<0>(w), std::get<1>(w), std::get<2>(w)};
    return absl::OkStatus();
  }
  static std::optional<ValueShape> shape() { return record_shape<Wire>({"sku", "count", "note"}); }
};

namespace content {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// `text` parsed, written as a T's Value and decoded as a T.
template <class T>
absl::StatusOr<T> from_json(std::string_view text) {
  absl::StatusOr<json> parsed = parse_json(text, DecodeLimits{});
  if (!parsed.ok()) return parsed.status();
  absl::Status written;
  absl::StatusOr<std::string> bytes = codec_detail::encode_value(
      [&](wire::Value::Builder out) { written = write_value(*parsed, *shape_of<T>(), out); });
  if (!bytes.ok()) return bytes.status();
  if (!written.ok()) return written;
  return decode<T>(*bytes);
}

// `value` encoded and read back as compact JSON text.
template <class T>
std::string to_json(const T& value) {
  absl::StatusOr<std::string> bytes = encode(value);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  std::string text;
  absl::Status read =
      codec_detail::decode_value(*bytes, DecodeLimits{}, [&](wire::Value::Reader in) {
        absl::StatusOr<json> out = read_value(in, *shape_of<T>());
        if (!out.ok()) return out.status();
        text = dump_json(*out);
        return absl::OkStatus();
      });
  EXPECT_TRUE(read.ok()) << read;
  return text;
}

TEST(JsonValue, MapsScalarsBothWays) {
  EXPECT_EQ(*from_json<int32_t>("-7"), -7);
  EXPECT_EQ(*from_json<uint64_t>("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(*from_json<double>("2.5"), 2.5);
  EXPECT_EQ(*from_json<float>("3"), 3.0f);
  EXPECT_EQ(*from_json<bool>("true"), true);
  EXPECT_EQ(*from_json<std::string>("\"caf\\u00e9\""), "caf\xc3\xa9");
  EXPECT_EQ(to_json(int64_t{-7}), "-7");
  EXPECT_EQ(to_json(uint8_t{200}), "200");
  EXPECT_EQ(to_json(2.5), "2.5");
  EXPECT_EQ(to_json(std::string("a\"b")), "\"a\\\"b\"");
}

TEST(JsonValue, WritesBytesAsBase64) {
  const Bytes bytes{std::byte{0}, std::byte{0xff}, std::byte{'a'}};
  EXPECT_EQ(to_json(bytes), "\"AP9h\"");
  EXPECT_EQ(*from_json<Bytes>("\"AP9h\""), bytes);
  EXPECT_THAT(from_json<Bytes>("\"not base64!\"").status().message(), HasSubstr("base64"));
}

TEST(JsonValue, MapsArraysToVectorsAndTuples) {
  using Pair = std::pair<std::string, std::vector<int16_t>>;
  EXPECT_EQ(*from_json<std::vector<int32_t>>("[1,2,3]"), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(*from_json<Pair>("[\"a\",[4,5]]"), (Pair{"a", {4, 5}}));
  EXPECT_EQ(to_json(Pair{"a", {4, 5}}), "[\"a\",[4,5]]");
  EXPECT_THAT(from_json<Pair>("[\"a\"]").status().message(),
              HasSubstr("expected an array of 2 elements, got 1"));
}

TEST(JsonValue, MapsNullToAnEmptyOptional) {
  using Maybe = std::vector<std::optional<int32_t>>;
  EXPECT_EQ(*from_json<Maybe>("[null,4]"), (Maybe{std::nullopt, 4}));
  EXPECT_EQ(to_json(Maybe{std::nullopt, 4}), "[null,4]");
}

TEST(JsonValue, MapsObjectsToRecordsByFieldName) {
  EXPECT_EQ(*from_json<Order>(R"({"count": 2, "sku": "x-1", "note": "gift"})"),
            (Order{"x-1", 2, "gift"}));
  EXPECT_EQ(*from_json<Order>(R"({"sku": "x-1", "count": 2})"), (Order{"x-1", 2, std::nullopt}));
  EXPECT_EQ(*from_json<Order>(R"(["x-1", 2, null])"), (Order{"x-1", 2, std::nullopt}));
  EXPECT_EQ(to_json(Order{"x-1", 2, std::nullopt}), R"({"count":2,"note":null,"sku":"x-1"})");
}

TEST(JsonValue, RefusesRecordsWithUnknownOrMissingFields) {
  EXPECT_THAT(from_json<Order>(R"({"sku": "x", "count": 1, "colour": 2})").status().message(),
              HasSubstr("no field 'colour'"));
  EXPECT_THAT(from_json<Order>(R"({"sku": "x"})").status().message(),
              HasSubstr("missing field 'count'"));
}

TEST(JsonValue, MapsObjectsToCapnProtoStructsByFieldName) {
  using Point = CapnpMessage<test::Point>;
  absl::StatusOr<Point> point =
      from_json<Point>(R"({"x": 3, "y": -4, "label": "p", "tags": ["a", "b"]})");
  ASSERT_TRUE(point.ok()) << point.status();
  EXPECT_EQ(point->reader().getX(), 3);
  EXPECT_EQ(point->reader().getY(), -4);
  EXPECT_EQ(point->reader().getTags().size(), 2u);
  EXPECT_EQ(to_json(*point), R"({"label":"p","tags":["a","b"],"x":3,"y":-4})");
  EXPECT_THAT(from_json<Point>(R"({"z": 1})").status().message(), HasSubstr("no field 'z'"));
  EXPECT_THAT(from_json<Point>(R"({"x": "3"})").status().message(),
              HasSubstr("field 'x': expected an integer, got string"));
  EXPECT_FALSE(from_json<Point>(R"({"x": 4294967296})").ok());  // past Int32
}

TEST(JsonValue, NamesThePathToAMismatch) {
  absl::Status status = from_json<std::vector<Order>>(R"([{"sku": "a", "count": 1},
                                                          {"sku": 5, "count": 1}])")
                            .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("list element 1: field 'sku': expected a string, got number"));
}

TEST(JsonValue, RefusesIntegersOutOfRange) {
  EXPECT_FALSE(from_json<int8_t>("300").ok());
  EXPECT_THAT(from_json<uint32_t>("-1").status().message(), HasSubstr("out of range"));
  EXPECT_THAT(from_json<int64_t>("18446744073709551615").status().message(),
              HasSubstr("out of range"));
  EXPECT_THAT(from_json<int32_t>("1.5").status().message(), HasSubstr("expected an integer"));
}

TEST(JsonValue, TypesWithoutAShapeHaveNone) {
  struct Opaque {};
  EXPECT_FALSE(shape_of<Opaque>().has_value());
  EXPECT_FALSE(shape_of<std::vector<Opaque>>().has_value());
  EXPECT_TRUE(shape_of<Order>().has_value());
}

TEST(JsonText, RefusesTextOverTheSizeLimit) {
  DecodeLimits limits;
  limits.max_bytes = 8;
  EXPECT_THAT(parse_json("[1,2,3,4,5]", limits).status().message(),
              HasSubstr("exceeds the limit of 8"));
}

TEST(JsonText, RefusesNestingOverTheDepthLimitWithoutRecursing) {
  DecodeLimits limits;
  limits.nesting_limit = 4;
  EXPECT_TRUE(parse_json("[[[[1]]]]", limits).ok());
  EXPECT_THAT(parse_json("[[[[[1]]]]]", limits).status().message(), HasSubstr("deeper"));
  // Far deeper than any stack would take if the parser recursed.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_FALSE(parse_json(deep, DecodeLimits{}).ok());
}

TEST(JsonText, RefusesMalformedTextWithoutThrowing) {
  for (std::string_view bad : {"", "{", "[1,]", "nul", "\"\\ud800\"", "1 2", "\"\xff\""}) {
    absl::StatusOr<json> parsed = parse_json(bad, DecodeLimits{});
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(JsonText, ReplacesInvalidUtf8WhenWriting) {
  EXPECT_EQ(dump_json(json(std::string("a\xff"))), "\"a\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace content
}  // namespace bossa
