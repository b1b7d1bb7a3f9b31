// The envelope's two fast paths against Cap'n Proto's own builder and reader: the thread's reused
// builder (serialization/reused_envelope.h) must write the bytes a fresh build writes, and the
// direct reader (serialization/direct_envelope_reader.h) must read what it accepts as Cap'n
// Proto's reader reads it.
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "serialization/codec.h"
#include "serialization/direct_envelope_reader.h"
#include "serialization/envelope.capnp.h"
#include "serialization/envelope.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;
using ValueWriter = std::function<void(wire::Value::Builder)>;

std::string flat_bytes(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// What encode_envelope writes without its reused builder: a fresh message, fields in order, whose
// first segment is the 1023 words of capnp_frame's ScratchBuilder space.
std::string fresh_build(const Envelope& e, const ValueWriter& write_value) {
  std::vector<capnp::word> first_segment(1023);
  std::memset(first_segment.data(), 0, first_segment.size() * sizeof(capnp::word));
  capnp::MallocMessageBuilder message(kj::arrayPtr(first_segment.data(), first_segment.size()));
  wire::Envelope::Builder root = message.initRoot<wire::Envelope>();
  wire::Pid::Builder to = root.initTo();
  to.setNode(e.to.node);
  to.setSerial(e.to.serial);
  wire::Pid::Builder from = root.initFrom();
  from.setNode(e.from.node);
  from.setSerial(e.from.serial);
  root.setKind(static_cast<wire::Kind>(e.kind));
  root.setCorrelationId(e.correlation_id);
  root.setTypeId(e.type_id);
  if (!e.to_name.empty()) root.setToName(e.to_name);
  write_value(root.initValue());
  return flat_bytes(message);
}

std::string encoded(const Envelope& e, const ValueWriter& write_value) {
  std::string bytes;
  absl::Status status = encode_envelope(e, write_value, [&](std::string_view out) { bytes = out; });
  EXPECT_TRUE(status.ok()) << status;
  return bytes;
}

template <class T>
ValueWriter writes(T value) {
  return [value](wire::Value::Builder out) { Codec<T>::encode(value, out); };
}

Envelope to_pid(uint64_t serial, EnvelopeKind kind = EnvelopeKind::kUser) {
  return Envelope{.to = WirePid{3, serial},
                  .from = WirePid{9, serial * 7 + 1},
                  .kind = kind,
                  .correlation_id = serial % 3 == 0 ? serial * 11 : 0,
                  .type_id = 0xC0DE0000 + serial,
                  .to_name = {},
                  .payload = {}};
}

TEST(ReusedEnvelope, WritesTheBytesOfAFreshBuildWhateverCameBefore) {
  // Values of every shape in turn, so that each one follows values that left other bits, other
  // union members and other pointers behind.
  const std::vector<ValueWriter> values = {
      writes<int64_t>(-1),
      writes<bool>(true),
      writes<std::string>("text after a number"),
      writes<int64_t>(42),
      writes<double>(2.5),
      writes<Bytes>(Bytes{}),  // a zero-length list: a pointer that takes no space
      writes<bool>(false),
      writes<std::vector<int32_t>>({1, 2, 3}),
      writes<uint64_t>(std::numeric_limits<uint64_t>::max()),
      writes<std::tuple<int64_t, std::string>>({7, "seven"}),
      writes<float>(0.5f),
      [](wire::Value::Builder out) { out.setNone(); },
      writes<int64_t>(0),
  };
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < values.size(); ++i) {
      const Envelope e = to_pid(i + 1, i % 2 ? EnvelopeKind::kRequest : EnvelopeKind::kUser);
      EXPECT_EQ(encoded(e, values[i]), fresh_build(e, values[i])) << "value " << i;
    }
  }
}

TEST(ReusedEnvelope, LargerValuesSpillWhereAFreshBuildsDoAndTheNextMessageIsLaidOutAnew) {
  // 5 KiB fits the first segment; 9 KiB and 64 KiB take a second one.
  for (size_t size : {5 * 1024, 9 * 1024, 64 * 1024}) {
    const std::string large(size, 'L');
    const std::string bytes = encoded(to_pid(1), writes<std::string>(large));
    EXPECT_EQ(bytes, fresh_build(to_pid(1), writes<std::string>(large))) << size << " bytes";
    bool read = false;
    absl::Status status = read_envelope(bytes, DecodeLimits{}, [&](const EnvelopeView& view) {
      std::string text;
      EXPECT_TRUE(view.value && Codec<std::string>::decode(*view.value, text).ok());
      EXPECT_EQ(text, large);
      read = true;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_TRUE(read);
    EXPECT_EQ(encoded(to_pid(2), writes<int64_t>(5)), fresh_build(to_pid(2), writes<int64_t>(5)));
  }
}

TEST(ReusedEnvelope, NamedAndNestedEnvelopesAreBuiltFreshWithTheSameBytes) {
  Envelope named = to_pid(4);
  named.to_name = "registered.name";
  EXPECT_EQ(encoded(named, writes<int64_t>(8)), fresh_build(named, writes<int64_t>(8)));

  // One envelope encoded while the thread's builder holds another: the outer bytes stay intact.
  const Envelope outer = to_pid(5);
  absl::Status status = encode_envelope(outer, writes<int64_t>(1), [&](std::string_view bytes) {
    const std::string before(bytes);
    EXPECT_EQ(encoded(to_pid(6), writes<int64_t>(2)), fresh_build(to_pid(6), writes<int64_t>(2)));
    EXPECT_EQ(bytes, before);
    EXPECT_EQ(bytes, fresh_build(outer, writes<int64_t>(1)));
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ReusedEnvelope, AValueThatThrowsLeavesTheBuilderUsable) {
  bool used = false;
  absl::Status status = encode_envelope(
      to_pid(1),
      [](wire::Value::Builder out) {
        out.setText("half written");
        KJ_FAIL_REQUIRE("list too long for Cap'n Proto");
      },
      [&](std::string_view) { used = true; });
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("list too long"));
  EXPECT_FALSE(used);
  EXPECT_EQ(encoded(to_pid(2), writes<bool>(true)), fresh_build(to_pid(2), writes<bool>(true)));

  // Nor one whose bytes' user throws after a value that grew the message.
  EXPECT_THROW((void)encode_envelope(to_pid(3), writes<std::string>("grows the segment"),
                                     [](std::string_view) { throw std::runtime_error("gone"); }),
               std::runtime_error);
  EXPECT_EQ(encoded(to_pid(4), writes<int64_t>(9)), fresh_build(to_pid(4), writes<int64_t>(9)));
}

// Everything a view says, in a form that compares: a value as the flat bytes of a copy of it.
struct ViewContents {
  WirePid to;
  WirePid from;
  EnvelopeKind kind;
  uint64_t correlation_id;
  uint64_t type_id;
  std::string to_name;
  std::string payload;
  std::optional<std::string> value;

  friend bool operator==(const ViewContents&, const ViewContents&) = default;
};

ViewContents contents_of(const EnvelopeView& view) {
  ViewContents contents{view.to,
                        view.from,
                        view.kind,
                        view.correlation_id,
                        view.type_id,
                        std::string(view.to_name),
                        std::string(view.payload),
                        std::nullopt};
  if (view.value) {
    capnp::MallocMessageBuilder copy;
    copy.setRoot(*view.value);
    contents.value = flat_bytes(copy);
  }
  return contents;
}

// Envelope bytes in word-aligned memory, as a transport hands them over.
class Aligned {
 public:
  explicit Aligned(std::string_view bytes) : words_((bytes.size() + 7) / 8) {
    std::memcpy(words_.data(), bytes.data(), bytes.size());
    size_ = bytes.size();
  }
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(words_.data()), size_);
  }

 private:
  std::vector<uint64_t> words_;
  size_t size_;
};

// Whether the direct reader took `bytes`; if it did, Cap'n Proto's reader must accept them too
// and see the same envelope.
bool direct_reader_agrees(std::string_view bytes, const DecodeLimits& limits = {}) {
  std::optional<ViewContents> direct;
  std::optional<absl::Status> read =
      direct_envelope_reader::read(bytes, limits, [&](const EnvelopeView& view) {
        direct = contents_of(view);
        return absl::OkStatus();
      });
  if (!read.has_value()) return false;
  EXPECT_TRUE(read->ok()) << *read;
  std::optional<ViewContents> capnp;
  absl::Status status = read_envelope_with_capnp(bytes, limits, [&](const EnvelopeView& view) {
    capnp = contents_of(view);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << "the direct reader took what Cap'n Proto refuses: " << status;
  EXPECT_EQ(direct, capnp);
  return true;
}

// What a node sends most: scalars, exit reasons and other payload bytes, to pids.
std::vector<std::string> envelopes_bossa_writes() {
  Envelope with_payload = to_pid(12, EnvelopeKind::kExit);
  with_payload.payload = std::string("reason\0bytes", 12);
  return {encoded(to_pid(10), writes<int64_t>(-123456789)),
          encoded(to_pid(11, EnvelopeKind::kReply), writes<double>(1.25)),
          encode_envelope(with_payload), encode_envelope(Envelope{}),
          encoded(to_pid(13), [](wire::Value::Builder out) { out.setNone(); })};
}

TEST(DirectEnvelopeReader, TakesWhatBossaWritesToPids) {
  for (const std::string& bytes : envelopes_bossa_writes()) {
    EXPECT_TRUE(direct_reader_agrees(Aligned(bytes).view()));
  }
}

TEST(DirectEnvelopeReader, LeavesEverythingElseToCapnProto) {
  // A name, a value with a pointer, unaligned memory, limits too tight to be sure of.
  Envelope named = to_pid(1);
  named.to_name = "name";
  EXPECT_FALSE(direct_reader_agrees(Aligned(encoded(named, writes<int64_t>(1))).view()));
  EXPECT_FALSE(direct_reader_agrees(Aligned(encoded(to_pid(2), writes<std::string>("t"))).view()));
  const std::string bytes = encoded(to_pid(3), writes<int64_t>(1));
  std::string shifted = " " + bytes;
  EXPECT_FALSE(direct_reader_agrees(std::string_view(shifted).substr(1)));
  EXPECT_FALSE(direct_reader_agrees(Aligned(bytes).view(), DecodeLimits{.nesting_limit = 2}));
  EXPECT_FALSE(
      direct_reader_agrees(Aligned(bytes).view(), DecodeLimits{.traversal_limit_words = 8}));
  EXPECT_FALSE(direct_reader_agrees(Aligned(bytes).view(), DecodeLimits{.max_bytes = 64}));
  // Two segments: the same envelope with its value in a second one.
  capnp::MallocMessageBuilder two_segments(9, capnp::AllocationStrategy::FIXED_SIZE);
  wire::Envelope::Builder root = two_segments.initRoot<wire::Envelope>();
  root.initTo().setSerial(1);
  root.initValue().setInt64(5);
  ASSERT_GT(two_segments.getSegmentsForOutput().size(), 1u);
  EXPECT_FALSE(direct_reader_agrees(Aligned(flat_bytes(two_segments)).view()));
}

TEST(DirectEnvelopeReader, WhatTheCallerReturnsOrRaisesComesBackAsFromCapnProto) {
  const Aligned bytes(encoded(to_pid(1), writes<int64_t>(1)));
  ASSERT_TRUE(direct_reader_agrees(bytes.view()));
  auto refuse = [](const EnvelopeView&) { return absl::NotFoundError("no such type"); };
  auto raise = [](const EnvelopeView&) -> absl::Status { KJ_FAIL_REQUIRE("bad value"); };
  for (auto use : {absl::FunctionRef<absl::Status(const EnvelopeView&)>(refuse),
                   absl::FunctionRef<absl::Status(const EnvelopeView&)>(raise)}) {
    const absl::Status direct = read_envelope(bytes.view(), DecodeLimits{}, use);
    const absl::Status capnp = read_envelope_with_capnp(bytes.view(), DecodeLimits{}, use);
    EXPECT_FALSE(direct.ok());
    EXPECT_EQ(direct, capnp);
  }
}

TEST(DirectEnvelopeReader, AgreesWithCapnProtoAtEveryTraversalAndNestingLimit) {
  // Whatever limit the direct reader takes an envelope under, Cap'n Proto's reader takes it too;
  // and at the generous end both take every one.
  for (const std::string& bytes : envelopes_bossa_writes()) {
    const Aligned aligned(bytes);
    for (uint64_t words = 0; words <= 40; ++words) {
      direct_reader_agrees(aligned.view(), DecodeLimits{.traversal_limit_words = words});
    }
    EXPECT_TRUE(direct_reader_agrees(aligned.view(), DecodeLimits{.traversal_limit_words = 40}));
    for (int depth = 0; depth <= 6; ++depth) {
      direct_reader_agrees(aligned.view(), DecodeLimits{.nesting_limit = depth});
    }
    EXPECT_TRUE(direct_reader_agrees(aligned.view(), DecodeLimits{.nesting_limit = 6}));
  }
}

TEST(DirectEnvelopeReader, AgreesWithCapnProtoOnEveryOneByteChange) {
  // Every byte of each envelope set to each of 256 values: whatever the direct reader takes,
  // Cap'n Proto reads the same; what it declines, Cap'n Proto answers (read_envelope's fallback).
  int taken = 0;
  int declined = 0;
  for (const std::string& original : envelopes_bossa_writes()) {
    for (size_t at = 0; at < original.size(); ++at) {
      for (int value = 0; value < 256; ++value) {
        std::string bytes = original;
        bytes[at] = static_cast<char>(value);
        (direct_reader_agrees(Aligned(bytes).view()) ? taken : declined) += 1;
      }
    }
  }
  // Changes to data words stay on the direct path; changes to pointers and the table mostly not.
  EXPECT_GT(taken, 10000);
  EXPECT_GT(declined, 10000);
}

}  // namespace
}  // namespace bossa
