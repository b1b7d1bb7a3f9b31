#include "serialization/content/body.h"

#include <cstdint>
#include <string>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serialization/codec.h"
#include "serialization/codec_test.capnp.h"

namespace bossa::content {
namespace {

using ::testing::HasSubstr;
using Point = CapnpMessage<test::Point>;

struct Opaque {
  std::string text;
};

class BodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(types_.add_builtins().ok());
    ASSERT_TRUE(types_.add<Point>("test.point").ok());
    ASSERT_TRUE((types_.add<std::tuple<int32_t, std::string>>("test.pair").ok()));
    ASSERT_TRUE(
        types_
            .add<Opaque>(
                "test.opaque",
                [](const Opaque& o) -> absl::StatusOr<std::string> { return o.text; },
                [](std::string_view b) -> absl::StatusOr<Opaque> { return Opaque{std::string(b)}; })
            .ok());
  }

  absl::StatusOr<WirePayload> in(std::string_view content_type, std::string_view body) {
    return payload_from_body(types_, content_type, body, limits_);
  }
  template <class T>
  T decoded(const absl::StatusOr<WirePayload>& payload, std::string_view name) {
    EXPECT_TRUE(payload.ok()) << payload.status();
    if (!payload.ok()) return T{};
    EXPECT_EQ(payload->type_id, wire_type_id(name));
    absl::StatusOr<T> value = decode<T>(payload->bytes);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *std::move(value) : T{};
  }
  template <class T>
  Body out(const T& value, std::string_view request_type) {
    const TypeCodec* codec = types_.find<T>();
    absl::StatusOr<std::string> bytes = codec->encode(&value);
    absl::StatusOr<Body> body =
        body_from_payload(types_, WirePayload{codec->wire_id, *bytes}, request_type, limits_);
    EXPECT_TRUE(body.ok()) << body.status();
    return body.ok() ? *std::move(body) : Body{};
  }

  CodecRegistry types_;
  DecodeLimits limits_;
};

TEST_F(BodyTest, TextIsAString) {
  EXPECT_EQ(decoded<std::string>(in("text/plain; charset=utf-8", "hi"), "string"), "hi");
}

TEST_F(BodyTest, OctetsAreBytesOrTheOwnBytesOfAUserCodecType) {
  EXPECT_EQ(decoded<Bytes>(in("application/octet-stream", "ab"), "bytes"),
            (Bytes{std::byte{'a'}, std::byte{'b'}}));
  absl::StatusOr<WirePayload> opaque = in("application/octet-stream; type=test.opaque", "raw");
  ASSERT_TRUE(opaque.ok()) << opaque.status();
  EXPECT_EQ(opaque->type_id, wire_type_id("test.opaque"));
  EXPECT_EQ(opaque->bytes, "raw");
}

TEST_F(BodyTest, JsonNamesItsTypeOrIsTakenByItsKind) {
  EXPECT_EQ(decoded<int64_t>(in("application/json", "42"), "int64"), 42);
  EXPECT_EQ(decoded<std::string>(in("application/json", "\"x\""), "string"), "x");
  EXPECT_EQ(decoded<double>(in("application/json", "0.5"), "float64"), 0.5);
  EXPECT_EQ(decoded<int32_t>(in("application/json; type=int32", "42"), "int32"), 42);
  using Pair = std::tuple<int32_t, std::string>;
  EXPECT_EQ(decoded<Pair>(in("application/json; type=test.pair", "[1, \"a\"]"), "test.pair"),
            (Pair{1, "a"}));
  Point point =
      decoded<Point>(in("application/json; type=test.point", R"({"x": 1})"), "test.point");
  EXPECT_EQ(point.reader().getX(), 1);
}

TEST_F(BodyTest, ValueBodiesPassThroughUnderTheirType) {
  const std::string value = *encode(int64_t{9});
  EXPECT_EQ(decoded<int64_t>(in("application/vnd.bossa.value", value), "int64"), 9);
  EXPECT_EQ(decoded<int16_t>(in("application/vnd.bossa.value; type=int16", value), "int16"), 9);
}

TEST_F(BodyTest, RefusesBadBodiesWithAReason) {
  struct Case {
    std::string content_type;
    std::string body;
    absl::StatusCode code;
    std::string says;
  };
  const Case cases[] = {
      {"application/json", "[1,2]", absl::StatusCode::kInvalidArgument, "needs its type named"},
      {"application/json", "{", absl::StatusCode::kInvalidArgument, "malformed JSON"},
      {"application/json; type=nope", "1", absl::StatusCode::kNotFound, "no type is registered"},
      {"application/json; type=test.opaque", "1", absl::StatusCode::kInvalidArgument,
       "no JSON form"},
      {"application/json; type=int8", "1000", absl::StatusCode::kInvalidArgument, "out of range"},
      {"application/json; type=test.pair", "[1]", absl::StatusCode::kInvalidArgument,
       "type 'test.pair'"},
      {"application/vnd.bossa.value", "garbage!", absl::StatusCode::kInvalidArgument, "value"},
      {"application/vnd.bossa.value; type=test.opaque", "", absl::StatusCode::kInvalidArgument,
       "does not travel as a Value"},
      {"application/octet-stream; type=int32", "", absl::StatusCode::kInvalidArgument,
       "travels as a Value"},
      {"text/plain; type=int32", "1", absl::StatusCode::kInvalidArgument, "a text body"},
      {"image/png", "", absl::StatusCode::kInvalidArgument, "unsupported content type"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<WirePayload> payload = in(c.content_type, c.body);
    EXPECT_EQ(payload.status().code(), c.code) << c.content_type << " " << payload.status();
    EXPECT_THAT(payload.status().message(), HasSubstr(c.says)) << c.content_type;
  }
}

TEST_F(BodyTest, RefusesBodiesOverTheLimitsBeforeParsing) {
  limits_.max_bytes = 16;
  EXPECT_THAT(in("text/plain", std::string(17, 'x')).status().message(),
              HasSubstr("exceeds the limit"));
  limits_ = DecodeLimits{};
  limits_.nesting_limit = 3;
  EXPECT_THAT(in("application/json; type=test.pair", "[[[[1]]]]").status().message(),
              HasSubstr("deeper"));
}

TEST_F(BodyTest, RepliesInTheFormOfTheRequest) {
  using Pair = std::tuple<int32_t, std::string>;
  Body json = out(Pair{1, "a"}, "application/json; type=test.pair");
  EXPECT_EQ(json.content_type, "application/json; type=test.pair");
  EXPECT_EQ(json.bytes, "[1,\"a\"]");
  Body value = out(int32_t{5}, "application/vnd.bossa.value");
  EXPECT_EQ(value.content_type, "application/vnd.bossa.value; type=int32");
  EXPECT_EQ(*decode<int32_t>(value.bytes), 5);
  Body text = out(std::string("hi"), "text/plain");
  EXPECT_EQ(text.content_type, "text/plain");
  EXPECT_EQ(text.bytes, "hi");
  Body json_text = out(std::string("hi"), "application/json");
  EXPECT_EQ(json_text.bytes, "\"hi\"");
  Body octets = out(Bytes{std::byte{1}}, "application/octet-stream");
  EXPECT_EQ(octets.content_type, "application/octet-stream");
  EXPECT_EQ(octets.bytes, std::string(1, '\x01'));
  Body number_for_text = out(int32_t{5}, "text/plain");
  EXPECT_EQ(number_for_text.content_type, "application/json; type=int32");
  EXPECT_EQ(number_for_text.bytes, "5");
  Body opaque = out(Opaque{"raw"}, "application/json");
  EXPECT_EQ(opaque.content_type, "application/octet-stream; type=test.opaque");
  EXPECT_EQ(opaque.bytes, "raw");
}

}  // namespace
}  // namespace bossa::content
