#include "serialization/envelope.h"

#include <cstdint>
#include <random>
#include <string>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serialization/codec.h"
#include "serialization/envelope.capnp.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;

Envelope sample_envelope() {
  Envelope e;
  e.to = WirePid{7, 0xFFFFFFFFFFFFFFFFULL};
  e.from = WirePid{0xFFFFFFFFu, 1};
  e.kind = EnvelopeKind::kRequest;
  e.correlation_id = 0x0123456789ABCDEFULL;
  e.type_id = 42;
  e.to_name = "logger";
  e.payload = std::string("pay\0load", 8);
  return e;
}

std::string flat_bytes(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

TEST(Envelope, RoundTripsEveryField) {
  const Envelope e = sample_envelope();
  absl::StatusOr<Envelope> back = decode_envelope(encode_envelope(e));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, e);
}

TEST(Envelope, RoundTripsEveryKind) {
  for (uint8_t k = 0; k <= static_cast<uint8_t>(kLastEnvelopeKind); ++k) {
    Envelope e;
    e.kind = static_cast<EnvelopeKind>(k);
    absl::StatusOr<Envelope> back = decode_envelope(encode_envelope(e));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->kind, e.kind) << envelope_kind_name(e.kind);
  }
}

TEST(Envelope, RoundTripsEmptyAndLargePayloads) {
  Envelope e;
  absl::StatusOr<Envelope> back = decode_envelope(encode_envelope(e));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, e);

  e.payload.assign(1 << 20, '\xAB');
  back = decode_envelope(encode_envelope(e));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, e);
}

TEST(Envelope, CarriesAMessageAsAValueWrittenInPlace) {
  Envelope e = sample_envelope();
  e.payload.clear();
  std::string bytes;
  ASSERT_TRUE(encode_envelope(
                  e, [](wire::Value::Builder out) { Codec<std::string>::encode("in place", out); },
                  [&](std::string_view encoded) { bytes = encoded; })
                  .ok());
  bool read = false;
  absl::Status status = read_envelope(bytes, DecodeLimits{}, [&](const EnvelopeView& view) {
    read = true;
    EXPECT_EQ(view.to, e.to);
    EXPECT_EQ(view.from, e.from);
    EXPECT_EQ(view.kind, e.kind);
    EXPECT_EQ(view.correlation_id, e.correlation_id);
    EXPECT_EQ(view.type_id, e.type_id);
    EXPECT_EQ(view.to_name, e.to_name);
    EXPECT_TRUE(view.payload.empty());
    if (!view.value.has_value()) return absl::InternalError("no value");
    std::string text;
    return Codec<std::string>::decode(*view.value, text).ok() && text == "in place"
               ? absl::OkStatus()
               : absl::InternalError("another value");
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(read);

  // Decoded into an Envelope, the value becomes payload bytes that decode as it.
  absl::StatusOr<Envelope> back = decode_envelope(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(decode<std::string>(back->payload).value_or(""), "in place");

  // An envelope with payload bytes has no value.
  status = read_envelope(
      encode_envelope(sample_envelope()), DecodeLimits{}, [](const EnvelopeView& view) {
        return view.value.has_value() ? absl::InternalError("a value") : absl::OkStatus();
      });
  EXPECT_TRUE(status.ok()) << status;
}

TEST(Envelope, RejectsBothAPayloadAndAValue) {
  capnp::MallocMessageBuilder message;
  wire::Envelope::Builder root = message.initRoot<wire::Envelope>();
  const kj::byte bytes[] = {1, 2, 3};
  root.setPayload(capnp::Data::Reader(bytes, sizeof bytes));
  root.initValue().setInt64(1);
  absl::StatusOr<Envelope> decoded = decode_envelope(flat_bytes(message));
  EXPECT_TRUE(absl::IsInvalidArgument(decoded.status())) << decoded.status();
  EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("both a payload and a value"));
}

TEST(Envelope, AValueThatCannotBeWrittenIsAnErrorAndNothingIsWritten) {
  bool used = false;
  absl::Status status = encode_envelope(
      sample_envelope(),
      [](wire::Value::Builder) { KJ_FAIL_REQUIRE("list too long for Cap'n Proto"); },
      [&](std::string_view) { used = true; });
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("list too long"));
  EXPECT_FALSE(used);
}

TEST(Envelope, EncodesTheSameBytesInAndOutsideTheThreadsScratchSpace) {
  // The outer envelope is built in this thread's scratch space; one encoded while it is in use,
  // and one too large for it, are built on the heap.
  const Envelope small = sample_envelope();
  Envelope large = sample_envelope();
  large.payload.assign(64 * 1024, '\x5A');
  encode_envelope(small, [&](std::string_view outer) {
    encode_envelope(small, [&](std::string_view inner) { EXPECT_EQ(inner, outer); });
    std::string copy(outer);
    encode_envelope(large, [&](std::string_view bytes) {
      absl::StatusOr<Envelope> back = decode_envelope(bytes);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, large);
    });
    EXPECT_EQ(outer, copy) << "encoding others left these bytes alone";
  });
  absl::StatusOr<Envelope> back;
  encode_envelope(small, [&](std::string_view bytes) { back = decode_envelope(bytes); });
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, small);

  // An envelope with nothing set, built in the space a full one used: that space was zeroed again,
  // so its bytes are those of one built on fresh memory.
  Envelope full = sample_envelope();
  full.to_name = "a-registered-name-long-enough-to-take-several-words";
  full.payload.assign(200, '\x7F');
  encode_envelope(full, [](std::string_view) {});
  encode_envelope(Envelope{}, [&](std::string_view in_scratch) {
    encode_envelope(Envelope{}, [&](std::string_view on_heap) { EXPECT_EQ(in_scratch, on_heap); });
  });
}

TEST(Envelope, EncodesAsOneFlatSegmentWithItsSizeInTheHeader) {
  const std::string bytes = encode_envelope(sample_envelope());
  ASSERT_GE(bytes.size(), 8u);
  ASSERT_EQ(bytes.size() % 8, 0u);
  EXPECT_EQ(bytes.substr(0, 4), std::string(4, '\0'));  // one segment
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint32_t words = b[4] | b[5] << 8 | b[6] << 16 | uint32_t{b[7]} << 24;
  EXPECT_EQ(words * 8 + 8, bytes.size());
}

TEST(Envelope, KindNumbersMatchTheSchema) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<wire::Envelope>();
  root.setKind(wire::Kind::REPLY);
  absl::StatusOr<Envelope> back = decode_envelope(flat_bytes(message));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->kind, EnvelopeKind::kReply);
  EXPECT_EQ(static_cast<int>(EnvelopeKind::kReply), 8);
}

TEST(Envelope, DecodesMultiSegmentMessages) {
  // A one-word first segment forces every object into a segment of its own.
  capnp::MallocMessageBuilder message(1, capnp::AllocationStrategy::FIXED_SIZE);
  auto root = message.initRoot<wire::Envelope>();
  root.initTo().setSerial(99);
  root.setToName("multi");
  root.setPayload(capnp::Data::Reader(reinterpret_cast<const kj::byte*>("abc"), 3));
  ASSERT_GT(message.getSegmentsForOutput().size(), 1u);
  absl::StatusOr<Envelope> back = decode_envelope(flat_bytes(message));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->to.serial, 99u);
  EXPECT_EQ(back->to_name, "multi");
  EXPECT_EQ(back->payload, "abc");
}

TEST(Envelope, DecodesFromUnalignedMemory) {
  const Envelope e = sample_envelope();
  const std::string buffer = "x" + encode_envelope(e);
  absl::StatusOr<Envelope> back = decode_envelope(std::string_view(buffer).substr(1));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, e);
}

TEST(Envelope, RejectsUnknownKind) {
  Envelope e;
  e.kind = static_cast<EnvelopeKind>(42);
  absl::StatusOr<Envelope> back = decode_envelope(encode_envelope(e));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(), HasSubstr("unknown kind 42"));
}

TEST(Envelope, RejectsEmptyInput) {
  absl::StatusOr<Envelope> back = decode_envelope("");
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("empty"));
}

TEST(Envelope, RejectsEveryTruncation) {
  const std::string bytes = encode_envelope(sample_envelope());
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<Envelope> back = decode_envelope(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(back.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  }
  absl::StatusOr<Envelope> back = decode_envelope(std::string_view(bytes).substr(0, 16));
  EXPECT_THAT(back.status().message(), HasSubstr("truncated"));
}

TEST(Envelope, RejectsInputThatIsNotWholeWords) {
  const std::string bytes = encode_envelope(sample_envelope()) + "abc";
  absl::StatusOr<Envelope> back = decode_envelope(bytes);
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("not a whole number of 8-byte words"));
}

TEST(Envelope, RejectsTrailingBytes) {
  const std::string bytes = encode_envelope(sample_envelope()) + std::string(8, '\0');
  absl::StatusOr<Envelope> back = decode_envelope(bytes);
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("8 trailing bytes"));
}

TEST(Envelope, RejectsOversizedInputBeforeParsing) {
  const std::string bytes = encode_envelope(sample_envelope());
  absl::StatusOr<Envelope> back = decode_envelope(bytes, DecodeLimits{.max_bytes = 64});
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("exceeds the limit of 64 bytes"));
}

TEST(Envelope, RejectsAbsurdSegmentCount) {
  std::string bytes(16, '\0');
  bytes[0] = bytes[1] = bytes[2] = bytes[3] = '\xFF';
  absl::StatusOr<Envelope> back = decode_envelope(bytes);
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("segments, more than the 512 allowed"));
}

TEST(Envelope, RejectsOutOfBoundsRootPointer) {
  // One segment of one word: a struct pointer whose target lies 1000 words past the segment.
  std::string bytes(16, '\0');
  bytes[4] = 1;
  bytes[8] = static_cast<char>((1000 << 2) & 0xFF);
  bytes[9] = static_cast<char>((1000 << 2) >> 8);
  bytes[12] = 1;  // data section: one word
  absl::StatusOr<Envelope> back = decode_envelope(bytes);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(back.status().message(), HasSubstr("envelope: malformed Cap'n Proto message"));
}

TEST(Envelope, TraversalLimitBombIsRejected) {
  Envelope e;
  e.payload.assign(64 * 1024, 'p');
  absl::StatusOr<Envelope> back =
      decode_envelope(encode_envelope(e), DecodeLimits{.traversal_limit_words = 1024});
  ASSERT_FALSE(back.ok());
  EXPECT_THAT(back.status().message(), HasSubstr("traversal limit"));
}

TEST(Envelope, RandomBytesNeverCrashAndAnyAcceptedInputRoundTrips) {
  std::mt19937_64 rng(20261126);
  const std::string valid = encode_envelope(sample_envelope());
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(rng() % 96);
      for (char& c : bytes) c = static_cast<char>(rng());
    } else {
      // Flip a few bytes of a valid envelope so that framing usually survives.
      bytes = valid;
      for (int flips = 1 + rng() % 4; flips > 0; --flips) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
    }
    absl::StatusOr<Envelope> back = decode_envelope(bytes);
    if (!back.ok()) {
      EXPECT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_FALSE(back.status().message().empty());
      continue;
    }
    ++accepted;
    absl::StatusOr<Envelope> again = decode_envelope(encode_envelope(*back));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *back);
  }
  EXPECT_GT(accepted, 0);  // mutations of data fields keep an envelope valid
}

}  // namespace
}  // namespace bossa
