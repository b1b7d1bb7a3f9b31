// BOSSA_MESSAGE: the codec it writes, its wire name, its shape, and the wire form it shares with a
// tuple of the fields.
#include "serialization/message_codec.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace shop {

enum class Size : uint8_t { kSmall, kLarge };

struct Line {
  std::string sku;
  int32_t count = 0;
  friend bool operator==(const Line&, const Line&) = default;
};

struct Order {
  int64_t id = 0;
  std::vector<Line> lines;
  std::map<std::string, Size> sizes;
  std::optional<std::string> note;
  std::variant<int64_t, std::string> customer;
  int32_t not_sent = 7;  // left out of the macro
  friend bool operator==(const Order&, const Order&) = default;
};

struct Close {};  // a signal: a message with no fields

}  // namespace shop

BOSSA_MESSAGE(shop::Line, sku, count);
BOSSA_MESSAGE(shop::Order, id, lines, sizes, note, customer);
BOSSA_MESSAGE(shop::Close);

namespace bossa {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

shop::Order an_order() {
  shop::Order order;
  order.id = 42;
  order.lines = {{"tea", 3}, {"cake", 1}};
  order.sizes = {{"tea", shop::Size::kLarge}};
  order.note = "by the window";
  order.customer = std::string("ada");
  return order;
}

TEST(BossaMessage, RoundTripsTheListedFieldsAndLeavesTheOthersAtTheirDefault) {
  shop::Order order = an_order();
  order.not_sent = 99;
  absl::StatusOr<std::string> bytes = encode(order);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<shop::Order> back = decode<shop::Order>(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->not_sent, 7);
  back->not_sent = 99;
  EXPECT_EQ(*back, order);
}

TEST(BossaMessage, TheWireFormIsTheTupleOfTheFields) {
  absl::StatusOr<std::string> as_struct = encode(shop::Line{"tea", 3});
  absl::StatusOr<std::string> as_tuple = encode(std::tuple<std::string, int32_t>{"tea", 3});
  ASSERT_TRUE(as_struct.ok() && as_tuple.ok());
  EXPECT_EQ(*as_struct, *as_tuple);
  absl::StatusOr<shop::Line> line = decode<shop::Line>(*as_tuple);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, (shop::Line{"tea", 3}));
}

TEST(BossaMessage, ErrorsNameTheField) {
  absl::StatusOr<std::string> bytes = encode(std::tuple<std::string, std::string>{"tea", "3"});
  ASSERT_TRUE(bytes.ok());
  absl::Status status = decode<shop::Line>(*bytes).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("field 'count': expected int32, got text"));
  bytes = encode(std::tuple<std::string>{"tea"});
  ASSERT_TRUE(bytes.ok());
  EXPECT_THAT(decode<shop::Line>(*bytes).status().message(),
              HasSubstr("expected tuple of 2 fields, got 1"));
}

TEST(BossaMessage, GivesTheTypeItsWireNameAndANamedShape) {
  EXPECT_EQ(Codec<shop::Order>::wire_name, "shop::Order");
  EXPECT_THAT(Codec<shop::Order>::field_names(),
              ElementsAre("id", "lines", "sizes", "note", "customer"));
  std::optional<ValueShape> line = shape_of<shop::Line>();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->kind, ValueShape::Kind::kTuple);
  EXPECT_THAT(line->field_names, ElementsAre("sku", "count"));
  // A variant field has no shape, so neither has the order.
  EXPECT_FALSE(shape_of<shop::Order>().has_value());
  EXPECT_TRUE((shape_of<std::vector<shop::Line>>().has_value()));
}

TEST(BossaMessage, AStructWithNoFieldsTravelsAsTheEmptyTuple) {
  absl::StatusOr<std::string> as_struct = encode(shop::Close{});
  absl::StatusOr<std::string> as_tuple = encode(std::tuple<>{});
  ASSERT_TRUE(as_struct.ok() && as_tuple.ok());
  EXPECT_EQ(*as_struct, *as_tuple);
  EXPECT_TRUE(decode<shop::Close>(*as_tuple).ok());
  EXPECT_EQ(Codec<shop::Close>::wire_name, "shop::Close");
  EXPECT_TRUE(Codec<shop::Close>::field_names().empty());
  std::optional<ValueShape> shape = shape_of<shop::Close>();
  ASSERT_TRUE(shape.has_value());
  EXPECT_TRUE(shape->field_names.empty());
  absl::StatusOr<std::string> one = encode(std::tuple<std::string>{"tea"});
  ASSERT_TRUE(one.ok());
  EXPECT_THAT(decode<shop::Close>(*one).status().message(),
              HasSubstr("expected tuple of 0 fields, got 1"));
}

}  // namespace
}  // namespace bossa
