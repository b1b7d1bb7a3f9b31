// The codecs of std_codecs.h: round trips, and what each refuses from untrusted bytes.
#include "serialization/std_codecs.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serialization/codec.h"
#include "serialization/codec_testing.h"
#include "serialization/value_shape.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;

enum class Color : uint8_t { kRed = 1, kGreen = 2 };
enum Level : int16_t { kLow = -1, kHigh = 1 };

TEST(StdCodecs, MapsRoundTripEmptyAndNested) {
  const std::map<std::string, int32_t> prices = {{"tea", 450}, {"cake", 300}};
  EXPECT_EQ(round_trip(prices), prices);
  EXPECT_TRUE(round_trip(std::map<int64_t, std::string>{}).empty());
  const std::unordered_map<int64_t, std::vector<std::string>> groups = {{1, {"a", "b"}}, {2, {}}};
  EXPECT_EQ(round_trip(groups), groups);
}

TEST(StdCodecs, AMapIsAListOfKeyValueTuplesEitherKindOfMapReads) {
  const std::vector<std::tuple<std::string, int32_t>> entries = {{"a", 1}, {"b", 2}};
  absl::StatusOr<std::string> bytes = encode(entries);
  ASSERT_TRUE(bytes.ok());
  absl::StatusOr<std::map<std::string, int32_t>> ordered =
      decode<std::map<std::string, int32_t>>(*bytes);
  ASSERT_TRUE(ordered.ok()) << ordered.status();
  EXPECT_EQ(ordered->at("b"), 2);
  absl::StatusOr<std::unordered_map<std::string, int32_t>> hashed =
      decode<std::unordered_map<std::string, int32_t>>(*bytes);
  ASSERT_TRUE(hashed.ok()) << hashed.status();
  EXPECT_EQ(hashed->size(), 2u);
}

TEST(StdCodecs, AKeyTwiceIsRefused) {
  const std::vector<std::pair<std::string, int32_t>> twice = {{"a", 1}, {"b", 2}, {"a", 3}};
  absl::Status status = decode_as<std::map<std::string, int32_t>>(twice);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("list element 2: a key seen before"));
  using Hashed = std::unordered_map<std::string, int32_t>;
  using Ordered = std::map<std::string, int32_t>;
  EXPECT_FALSE(decode_as<Hashed>(twice).ok());
  EXPECT_THAT(decode_as<Ordered>(std::vector<std::string>{"a"}).message(),
              HasSubstr("list element 0: expected tuple, got text"));
}

TEST(StdCodecs, VariantsRoundTripEachAlternative) {
  using V = std::variant<std::monostate, int64_t, std::string, std::vector<double>>;
  EXPECT_EQ(round_trip(V{}), V{});
  EXPECT_EQ(round_trip(V{int64_t{-7}}), V{int64_t{-7}});
  EXPECT_EQ(round_trip(V{std::string("x")}), V{std::string("x")});
  EXPECT_EQ(round_trip(V{std::vector<double>{1.5}}), V{std::vector<double>{1.5}});
  // Two alternatives of one type stay apart by index.
  using Same = std::variant<int32_t, int32_t>;
  EXPECT_EQ(round_trip(Same{std::in_place_index<1>, 4}).index(), 1u);
}

TEST(StdCodecs, AVariantRefusesAnIndexPastItsAlternativesAndAWrongValue) {
  using V = std::variant<int64_t, std::string>;
  absl::Status past = decode_as<V>(std::tuple<uint64_t, int64_t>{2, 0});
  EXPECT_TRUE(absl::IsInvalidArgument(past));
  EXPECT_THAT(past.message(), HasSubstr("variant alternative 2 out of range"));
  EXPECT_THAT(decode_as<V>(std::tuple<uint64_t, int64_t>{1, 5}).message(),
              HasSubstr("tuple field 1: expected text, got int64"));
  EXPECT_THAT(decode_as<V>(std::tuple<uint64_t>{0}).message(),
              HasSubstr("expected tuple of 2 fields"));
  EXPECT_THAT(decode_as<V>(int64_t{0}).message(), HasSubstr("expected tuple, got int64"));
}

TEST(StdCodecs, EnumsTravelAsTheirUnderlyingIntegers) {
  EXPECT_EQ(round_trip(Color::kGreen), Color::kGreen);
  EXPECT_EQ(round_trip(kLow), kLow);
  absl::StatusOr<std::string> bytes = encode(Color::kRed);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(decode<uint8_t>(*bytes).value(), 1);
  EXPECT_THAT(decode_as<Color>(int64_t{300}).message(), HasSubstr("out of range for uint8"));
}

TEST(StdCodecs, ArraysRoundTripAndRefuseAnotherLength) {
  const std::array<std::string, 3> three = {"a", "", "c"};
  EXPECT_EQ(round_trip(three), three);
  EXPECT_EQ(round_trip(std::array<int32_t, 0>{}).size(), 0u);
  absl::Status longer = decode_as<std::array<int32_t, 2>>(std::vector<int32_t>{1, 2, 3});
  EXPECT_TRUE(absl::IsInvalidArgument(longer));
  EXPECT_THAT(longer.message(), HasSubstr("expected list of 2 elements, got 3"));
}

TEST(StdCodecs, DurationsTravelAsTheirCountOfTicks) {
  EXPECT_EQ(round_trip(std::chrono::milliseconds(-1500)), std::chrono::milliseconds(-1500));
  EXPECT_EQ(round_trip(std::chrono::nanoseconds::max()), std::chrono::nanoseconds::max());
  const std::chrono::duration<double> half(0.5);
  EXPECT_EQ(round_trip(half), half);
  absl::StatusOr<std::string> bytes = encode(std::chrono::seconds(90));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(decode<int64_t>(*bytes).value(), 90);
}

TEST(StdCodecs, ShapesDescribeEveryTypeButVariants) {
  std::optional<ValueShape> map = shape_of<std::map<std::string, int32_t>>();
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(map->kind, ValueShape::Kind::kList);
  EXPECT_EQ(map->elements.at(0).kind, ValueShape::Kind::kTuple);
  std::optional<ValueShape> color = shape_of<Color>();
  ASSERT_TRUE(color.has_value());
  EXPECT_EQ(color->kind, ValueShape::Kind::kUint);
  EXPECT_EQ(color->bits, 8);
  EXPECT_EQ((shape_of<std::array<double, 2>>()->kind), ValueShape::Kind::kList);
  EXPECT_EQ(shape_of<std::chrono::milliseconds>()->kind, ValueShape::Kind::kInt);
  EXPECT_FALSE((shape_of<std::variant<int32_t, std::string>>().has_value()));
}

}  // namespace
}  // namespace bossa
