#include "serialization/codec_registry.h"

#include <atomic>
#include <charconv>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serialization/codec_test.capnp.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;

struct Celsius {
  int64_t degrees = 0;
};

absl::StatusOr<std::string> encode_celsius(const Celsius& c) {
  return std::to_string(c.degrees) + "C";
}

absl::StatusOr<Celsius> decode_celsius(std::string_view bytes) {
  Celsius c;
  auto [end, ec] = std::from_chars(bytes.data(), bytes.data() + bytes.size(), c.degrees);
  if (ec != std::errc() || std::string_view(end, bytes.data() + bytes.size() - end) != "C") {
    return absl::InvalidArgumentError("not a temperature");
  }
  return c;
}

template <int N>
struct Distinct {
  int value = N;
};

TEST(WireTypeId, IsFnv1a64OfTheName) {
  EXPECT_EQ(wire_type_id(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(wire_type_id("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(wire_type_id("foobar"), 0x85944171f73967e8ULL);
}

TEST(CodecRegistry, BuiltinsRoundTripThroughMessages) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add_builtins().ok());
  absl::StatusOr<WirePayload> payload = registry.encode_with_id(Message::make<int32_t>(-123456));
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(payload->type_id, wire_type_id("int32"));
  absl::StatusOr<Message> back = registry.decode(payload->type_id, payload->bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_NE(back->get_if<int32_t>(), nullptr);
  EXPECT_EQ(*back->get_if<int32_t>(), -123456);

  for (const char* name : {"bool", "int8", "int16", "int64", "uint8", "uint16", "uint32", "uint64",
                           "float32", "float64", "string", "bytes"}) {
    const TypeCodec* codec = registry.find_wire_id(wire_type_id(name));
    ASSERT_NE(codec, nullptr) << name;
    EXPECT_EQ(codec->name, name);
  }
  EXPECT_EQ(registry.find<std::string>()->name, "string");
  EXPECT_EQ(registry.find<Bytes>()->name, "bytes");
}

TEST(CodecRegistry, BuiltinPayloadsAreValues) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add_builtins().ok());
  absl::StatusOr<std::string> bytes = registry.encode(Message::make<std::string>("hi"));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(decode<std::string>(*bytes).value_or(""), "hi");
}

TEST(CodecRegistry, CapnpStructsAndContainersRegisterWithTheirCodec) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add<CapnpMessage<test::Point>>("test.Point").ok());
  ASSERT_TRUE(registry.add<std::vector<std::string>>("strings").ok());
  CapnpMessage<test::Point> p;
  p.builder().setY(3);
  absl::StatusOr<WirePayload> payload =
      registry.encode_with_id(Message::make<CapnpMessage<test::Point>>(std::move(p)));
  ASSERT_TRUE(payload.ok()) << payload.status();
  absl::StatusOr<Message> back = registry.decode(payload->type_id, payload->bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_TRUE(back->is<CapnpMessage<test::Point>>());
  EXPECT_EQ(back->get_if<CapnpMessage<test::Point>>()->reader().getY(), 3);
}

TEST(CodecRegistry, UserCodecRoundTrips) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add<Celsius>("weather.Celsius", encode_celsius, decode_celsius).ok());
  absl::StatusOr<WirePayload> payload = registry.encode_with_id(Message::make<Celsius>(-40));
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(payload->bytes, "-40C");
  EXPECT_EQ(payload->type_id, wire_type_id("weather.Celsius"));
  absl::StatusOr<Message> back = registry.decode(payload->type_id, payload->bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->get_if<Celsius>()->degrees, -40);

  absl::StatusOr<Message> bad = registry.decode(payload->type_id, "warm");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "decoding 'weather.Celsius': not a temperature");
}

TEST(CodecRegistry, UserDecoderNeverSeesBytesOverTheLimit) {
  CodecRegistry registry;
  int calls = 0;
  ASSERT_TRUE(registry
                  .add<Celsius>("weather.Celsius", encode_celsius,
                                [&](std::string_view bytes) {
                                  ++calls;
                                  return decode_celsius(bytes);
                                })
                  .ok());
  absl::StatusOr<Message> back = registry.decode(
      wire_type_id("weather.Celsius"), std::string(100, '1') + "C", DecodeLimits{.max_bytes = 16});
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("exceeds the limit of 16 bytes"));
  EXPECT_EQ(calls, 0);
}

TEST(CodecRegistry, RejectsDuplicateTypesAndNames) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add<int32_t>("int32").ok());
  absl::Status same_type = registry.add<int32_t>("other");
  EXPECT_EQ(same_type.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(same_type.message(), HasSubstr("already registered as 'int32'"));
  absl::Status same_name = registry.add<int64_t>("int32");
  EXPECT_EQ(same_name.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(same_name.message(), HasSubstr("'int32' is already registered"));
  EXPECT_EQ(registry.add<int64_t>("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.add_builtins().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.add<Celsius>("c", nullptr, decode_celsius).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CodecRegistry, ReportsUnregisteredEmptyAndUnknown) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add_builtins().ok());
  EXPECT_EQ(registry.encode(Message::make<Celsius>()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry.encode(Message()).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Message> unknown = registry.decode(0x1234, "");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("0x1234"));
  EXPECT_EQ(registry.find<Celsius>(), nullptr);
}

TEST(CodecRegistry, WrongPayloadForTheTypeIdIsAnError) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add_builtins().ok());
  absl::StatusOr<std::string> text = encode(std::string("seven"));
  ASSERT_TRUE(text.ok());
  absl::StatusOr<Message> back = registry.decode(wire_type_id("int32"), *text);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().message(), "decoding 'int32': value: expected int32, got text");
  EXPECT_FALSE(registry.decode(wire_type_id("int32"), "garbage!").ok());
}

TEST(CodecRegistry, ConcurrentRegistrationAndLookupAreSafe) {
  CodecRegistry registry;
  ASSERT_TRUE(registry.add_builtins().ok());
  std::atomic<int> failures{0};
  auto lookups = [&] {
    for (int i = 0; i < 2000; ++i) {
      if (registry.find<int32_t>() == nullptr) ++failures;
      if (!registry.encode(Message::make<int32_t>(i)).ok()) ++failures;
    }
  };
  auto registration = [&]<int N>() {
    auto enc = [](const Distinct<N>&) -> absl::StatusOr<std::string> { return std::string(); };
    auto dec = [](std::string_view) -> absl::StatusOr<Distinct<N>> { return Distinct<N>(); };
    if (!registry.add<Distinct<N>>("distinct" + std::to_string(N), enc, dec).ok()) ++failures;
  };
  std::vector<std::thread> threads;
  threads.emplace_back(lookups);
  threads.emplace_back(lookups);
  threads.emplace_back([&] { registration.template operator()<1>(); });
  threads.emplace_back([&] { registration.template operator()<2>(); });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_NE(registry.find<Distinct<1>>(), nullptr);
  ASSERT_NE(registry.find<Distinct<2>>(), nullptr);
  EXPECT_EQ(registry.find<Distinct<1>>()->name, "distinct1");
  EXPECT_EQ(registry.find<Distinct<2>>()->name, "distinct2");
}

}  // namespace
}  // namespace bossa
