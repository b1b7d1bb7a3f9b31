#include "serialization/content/content_type.h"

#include <string_view>

#include <gtest/gtest.h>

namespace bossa::content {
namespace {

TEST(ContentType, ReadsTheMediaTypeAndTheTypeParameter) {
  ContentType parsed = parse_content_type("application/json; type=shop.lookup");
  EXPECT_EQ(parsed.media, "application/json");
  EXPECT_EQ(parsed.type, "shop.lookup");
}

TEST(ContentType, LowersTheMediaTypeButKeepsTheTypeNameAsWritten) {
  ContentType parsed = parse_content_type("  Application/JSON ;TYPE=\"Shop.Lookup\" ");
  EXPECT_EQ(parsed.media, "application/json");
  EXPECT_EQ(parsed.type, "Shop.Lookup");
}

TEST(ContentType, IgnoresOtherAndMalformedParameters) {
  ContentType parsed = parse_content_type("text/plain; charset=utf-8; junk; =x;;");
  EXPECT_EQ(parsed.media, "text/plain");
  EXPECT_EQ(parsed.type, "");
}

TEST(ContentType, AnEmptyHeaderHasNoMediaType) {
  EXPECT_EQ(parse_content_type("").media, "");
  EXPECT_EQ(parse_content_type(";type=x").type, "x");
}

TEST(ContentType, AnAbsentHeaderHasNoMediaType) {
  const ContentType parsed = parse_content_type(std::string_view());
  EXPECT_EQ(parsed.media, "");
  EXPECT_EQ(parsed.type, "");
}

TEST(ContentType, FormatsWithTheTypeOnlyWhenThereIsOne) {
  EXPECT_EQ(format_content_type(kJson, "int32"), "application/json; type=int32");
  EXPECT_EQ(format_content_type(kText, ""), "text/plain");
}

}  // namespace
}  // namespace bossa::content
