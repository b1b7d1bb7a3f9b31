#include "serialization/codec.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serialization/codec_test.capnp.h"
#include "serialization/codec_testing.h"

namespace bossa {

// A user type with its own Codec: encoded as a (cents, currency) tuple.
struct Money {
  int64_t cents = 0;
  std::string currency;
  friend bool operator==(const Money&, const Money&) = default;
};

template <>
struct Codec<Money> {
  using Wire = std::tuple<int64_t, std::string>;
  static void encode(const Money& m, wire::Value::Builder out) {
    Codec<Wire>::encode(Wire{m.cents, m.currency}, out);
  }
  static absl::Status decode(wire::Value::Reader in, Money& out) {
    Wire w;
    if (absl::Status s = Codec<Wire>::decode(in, w); !s.ok()) return s;
    out = Money{std::get<0>(w), std::get<1>(std::move(w))};
    return absl::OkStatus();
  }
};

namespace {

using ::testing::HasSubstr;

template <class T>
class IntegerCodec : public ::testing::Test {};
using IntegerTypes =
    ::testing::Types<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>;
TYPED_TEST_SUITE(IntegerCodec, IntegerTypes);

TYPED_TEST(IntegerCodec, RoundTripsEdgeValues) {
  using L = std::numeric_limits<TypeParam>;
  for (TypeParam v : {L::min(), TypeParam(L::min() + 1), TypeParam(0), TypeParam(1),
                      TypeParam(L::max() - 1), L::max()}) {
    EXPECT_EQ(round_trip(v), v);
  }
}

TYPED_TEST(IntegerCodec, RejectsTextWithTheExpectedTypeNamed) {
  absl::Status s = decode_as<TypeParam>(std::string("12"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("expected "));
  EXPECT_THAT(s.message(), HasSubstr("int"));
  EXPECT_THAT(s.message(), HasSubstr(", got text"));
}

TEST(Codec, BoolRoundTrips) {
  EXPECT_TRUE(round_trip(true));
  EXPECT_FALSE(round_trip(false));
}

TEST(Codec, IntegerOutOfRangeIsAnError) {
  absl::Status s = decode_as<int8_t>(int64_t{300});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("integer 300 out of range for int8"));
  EXPECT_THAT(decode_as<uint32_t>(int32_t{-1}).message(),
              HasSubstr("integer -1 out of range for uint32"));
  EXPECT_THAT(decode_as<int64_t>(std::numeric_limits<uint64_t>::max()).message(),
              HasSubstr("out of range for int64"));
  EXPECT_THAT(decode_as<uint8_t>(uint64_t{256}).message(), HasSubstr("out of range for uint8"));
}

TEST(Codec, IntegersCrossSignednessWhenTheValueFits) {
  absl::StatusOr<std::string> bytes = encode(int64_t{200});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(decode<uint8_t>(*bytes).value_or(0), 200);
  bytes = encode(uint64_t{127});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(decode<int8_t>(*bytes).value_or(0), 127);
}

TEST(Codec, FloatsRoundTripBitForBitIncludingSpecialValues) {
  for (double v :
       {0.0, -0.0, 1.5, std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
        std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    const double back = round_trip(v);
    EXPECT_EQ(back, v);
    EXPECT_EQ(std::signbit(back), std::signbit(v));
  }
  EXPECT_TRUE(std::isnan(round_trip(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(round_trip(std::numeric_limits<float>::quiet_NaN())));
  for (float v : {0.0f, -0.0f, 0.1f, std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::denorm_min()}) {
    EXPECT_EQ(round_trip(v), v);
  }
}

TEST(Codec, FloatAcceptsFloat64WithinItsRangeOnly) {
  absl::StatusOr<std::string> bytes = encode(0.5);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(decode<float>(*bytes).value_or(0), 0.5f);
  EXPECT_THAT(decode_as<float>(1e300).message(), HasSubstr("out of range for float32"));
  EXPECT_THAT(decode_as<double>(int64_t{1}).message(), HasSubstr("expected float64, got int64"));
}

TEST(Codec, StringsRoundTripIncludingEmptyAndEmbeddedNuls) {
  EXPECT_EQ(round_trip(std::string()), "");
  const std::string nuls("a\0b\0\0c", 6);
  EXPECT_EQ(round_trip(nuls), nuls);
  const std::string big(100000, 'z');
  EXPECT_EQ(round_trip(big), big);
}

TEST(Codec, BytesRoundTripEveryByteValue) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::byte>(i));
  EXPECT_EQ(round_trip(all), all);
  EXPECT_EQ(round_trip(Bytes{}), Bytes{});
  EXPECT_THAT(decode_as<Bytes>(std::string("x")).message(), HasSubstr("expected data, got text"));
}

TEST(Codec, VectorsRoundTripEmptyNestedAndBool) {
  EXPECT_EQ(round_trip(std::vector<int32_t>{}), std::vector<int32_t>{});
  const std::vector<std::vector<int32_t>> nested{{}, {1}, {2, 3, 4}, {}};
  EXPECT_EQ(round_trip(nested), nested);
  const std::vector<bool> bools{true, false, true, true};
  EXPECT_EQ(round_trip(bools), bools);
  const std::vector<std::string> strings{"", "x", std::string("\0", 1)};
  EXPECT_EQ(round_trip(strings), strings);
}

TEST(Codec, TuplesAndPairsRoundTrip) {
  const std::tuple<int8_t, std::string, std::vector<double>, bool> t{-128, "t", {1.0, 2.5}, true};
  EXPECT_EQ(round_trip(t), t);
  const std::pair<uint64_t, Bytes> p{7, Bytes{std::byte{1}}};
  EXPECT_EQ(round_trip(p), p);
  EXPECT_EQ(round_trip(std::tuple<>{}), std::tuple<>{});
  const std::vector<std::pair<std::string, std::vector<int16_t>>> v{{"a", {1, -1}}, {"", {}}};
  EXPECT_EQ(round_trip(v), v);
}

TEST(Codec, TupleArityMustMatch) {
  absl::Status s = decode_as<std::tuple<int32_t, int32_t, int32_t>>(std::pair<int32_t, int32_t>{});
  EXPECT_THAT(s.message(), HasSubstr("expected tuple of 3 fields, got 2"));
  EXPECT_THAT(decode_as<std::tuple<int32_t>>(std::vector<int32_t>{1}).message(),
              HasSubstr("expected tuple, got list"));
}

TEST(Codec, ErrorsNameThePathToTheCulprit) {
  const std::vector<std::tuple<int32_t, int32_t>> v{{1, 2}, {3, 4}};
  absl::Status s = decode_as<std::vector<std::tuple<int32_t, std::string>>>(v);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "value: list element 0: tuple field 1: expected text, got int64");
}

TEST(Codec, UserCodecComposesInsideContainers) {
  const std::vector<Money> wallet{{150, "EUR"}, {-3, "BRL"}};
  EXPECT_EQ(round_trip(wallet), wallet);
}

TEST(Codec, CapnpStructsRoundTrip) {
  CapnpMessage<test::Point> p;
  p.builder().setX(-5);
  p.builder().setY(9);
  p.builder().setLabel("origin");
  auto tags = p.builder().initTags(2);
  tags.set(0, "a");
  tags.set(1, "b");

  CapnpMessage<test::Point> back = round_trip(p);
  EXPECT_EQ(back.reader().getX(), -5);
  EXPECT_EQ(back.reader().getY(), 9);
  EXPECT_EQ(back.reader().getLabel(), "origin");
  ASSERT_EQ(back.reader().getTags().size(), 2u);
  EXPECT_EQ(back.reader().getTags()[1], "b");

  auto in_tuple = round_trip(std::tuple<int32_t, CapnpMessage<test::Point>>{1, p});
  EXPECT_EQ(std::get<1>(in_tuple).reader().getLabel(), "origin");
  EXPECT_THAT(decode_as<CapnpMessage<test::Point>>(int32_t{1}).message(),
              HasSubstr("expected struct, got int64"));
}

TEST(Codec, CapnpMessageCopiesDeeply) {
  CapnpMessage<test::Point> a;
  a.builder().setX(1);
  CapnpMessage<test::Point> b = a;
  b.builder().setX(2);
  EXPECT_EQ(a.reader().getX(), 1);
  EXPECT_EQ(b.reader().getX(), 2);
}

TEST(Codec, NoneValueIsNotABool) {
  capnp::MallocMessageBuilder message;
  message.initRoot<wire::Value>();
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  auto bytes = words.asChars();
  absl::StatusOr<bool> b = decode<bool>(std::string_view(bytes.begin(), bytes.size()));
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.status().message(), HasSubstr("expected bool, got none"));
}

TEST(Codec, UnknownValueAlternativeIsNamed) {
  // Find the union discriminant: two encodings that differ only in it.
  std::string a = *encode(false);
  const std::string b = *encode(int64_t{0});
  ASSERT_EQ(a.size(), b.size());
  size_t diff = 0;
  int diffs = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) diff = i, ++diffs;
  }
  ASSERT_EQ(diffs, 1);
  a[diff] = 77;
  absl::StatusOr<bool> back = decode<bool>(a);
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("expected bool, got unknown alternative 77"));
}

TEST(Codec, RejectsEveryTruncation) {
  const std::string bytes = *encode(std::tuple<std::string, std::vector<int32_t>>{"abc", {1, 2}});
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto back = decode<std::tuple<std::string, std::vector<int32_t>>>(bytes.substr(0, n));
    EXPECT_FALSE(back.ok()) << "prefix of " << n << " bytes";
  }
}

TEST(Codec, RandomBytesNeverCrash) {
  using T = std::tuple<int64_t, std::string, std::vector<std::vector<double>>, Bytes>;
  const std::string valid = *encode(T{1, "s", {{1.0}, {}}, Bytes(3)});
  std::mt19937_64 rng(42);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid;
    for (int flips = 1 + rng() % 3; flips > 0; --flips) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    absl::StatusOr<T> back = decode<T>(bytes);
    if (back.ok()) {
      ++accepted;
      EXPECT_EQ(round_trip(*back), *back);
    } else {
      EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_GT(accepted, 0);
}

template <int N>
struct Nested {
  using type = std::vector<typename Nested<N - 1>::type>;
};
template <>
struct Nested<0> {
  using type = int64_t;
};

TEST(Codec, DeepNestingBombIsRejectedByTheNestingLimit) {
  // 1000 lists, each holding the next: far deeper than any reader should follow.
  capnp::MallocMessageBuilder message;
  wire::Value::Builder v = message.initRoot<wire::Value>();
  for (int depth = 0; depth < 1000; ++depth) v = v.initList(1)[0];
  v.setInt64(1);
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  auto chars = words.asChars();
  const std::string_view bytes(chars.begin(), chars.size());

  // 12 vectors cost 24 levels, past a nesting limit of 16.
  absl::StatusOr<Nested<12>::type> deep =
      decode<Nested<12>::type>(bytes, DecodeLimits{.nesting_limit = 16});
  ASSERT_FALSE(deep.ok());
  EXPECT_THAT(deep.status().message(), HasSubstr("too deeply-nested"));

  // A shallower type stops at the first level that is not what it expects.
  EXPECT_THAT(decode<Nested<3>::type>(bytes).status().message(),
              HasSubstr("expected int64, got list"));
}

TEST(Codec, TraversalLimitBombIsRejected) {
  const std::vector<int64_t> many(100000, 7);
  absl::Status s =
      decode_as<std::vector<int64_t>>(many, DecodeLimits{.traversal_limit_words = 10000});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("traversal limit"));
  EXPECT_TRUE(decode_as<std::vector<int64_t>>(many).ok());
}

}  // namespace
}  // namespace bossa
