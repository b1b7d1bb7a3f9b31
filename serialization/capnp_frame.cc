#include "serialization/capnp_frame.h"

#include <cstdint>
#include <cstring>

#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>
#include <kj/io.h>

#include "absl/strings/str_cat.h"

namespace bossa::capnp_frame {
namespace {

constexpr size_t kWordBytes = sizeof(capnp::word);
// Cap'n Proto's own bound on the segment count of a message read from a stream.
constexpr uint64_t kMaxSegments = 512;

uint32_t load_le32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

void store_le32(char* p, uint32_t value) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(value >> (8 * i));
}

}  // namespace

absl::Status check(std::string_view bytes, const DecodeLimits& limits) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty input");
  if (bytes.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input of ", bytes.size(), " bytes exceeds the limit of ", limits.max_bytes, " bytes"));
  }
  if (bytes.size() % kWordBytes != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("input of ", bytes.size(), " bytes is not a whole number of 8-byte words"));
  }
  const uint64_t segment_count = uint64_t{load_le32(bytes.data())} + 1;
  if (segment_count > kMaxSegments) {
    return absl::InvalidArgumentError(absl::StrCat("segment table declares ", segment_count,
                                                   " segments, more than the ", kMaxSegments,
                                                   " allowed"));
  }
  // Count word, sizes, padding: (1 + segment_count) 32-bit entries rounded up to whole words.
  const uint64_t table_words = segment_count / 2 + 1;
  const uint64_t input_words = bytes.size() / kWordBytes;
  if (table_words > input_words) {
    return absl::InvalidArgumentError(
        absl::StrCat("truncated: the segment table of ", segment_count, " segments needs ",
                     table_words * kWordBytes, " bytes, input has ", bytes.size()));
  }
  uint64_t declared_words = 0;
  for (uint64_t i = 0; i < segment_count; ++i) {
    declared_words += load_le32(bytes.data() + 4 + 4 * i);
  }
  const uint64_t body_words = input_words - table_words;
  if (declared_words > body_words) {
    return absl::InvalidArgumentError(absl::StrCat("truncated: segments declare ", declared_words,
                                                   " words, input holds ", body_words,
                                                   " after the segment table"));
  }
  if (declared_words < body_words) {
    return absl::InvalidArgumentError(absl::StrCat((body_words - declared_words) * kWordBytes,
                                                   " trailing bytes after the message"));
  }
  return absl::OkStatus();
}

absl::Status read(std::string_view bytes, const DecodeLimits& limits, absl::string_view what,
                  absl::FunctionRef<absl::Status(capnp::MessageReader&)> read) {
  if (absl::Status status = check(bytes, limits); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", status.message()));
  }
  const size_t word_count = bytes.size() / kWordBytes;
  kj::Array<capnp::word> aligned_copy;
  kj::ArrayPtr<const capnp::word> words;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
    words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()), word_count);
  } else {
    aligned_copy = kj::heapArray<capnp::word>(word_count);
    std::memcpy(aligned_copy.begin(), bytes.data(), bytes.size());
    words = aligned_copy.asPtr();
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits.traversal_limit_words;
  options.nestingLimit = limits.nesting_limit;
  return guard(what, [&] {
    capnp::FlatArrayMessageReader reader(words, options);
    return read(reader);
  });
}

absl::Status guard(absl::string_view what, absl::FunctionRef<absl::Status()> read) {
  try {
    absl::Status status = read();
    if (!status.ok())
      return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
    return status;
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": malformed Cap'n Proto message: ", e.getDescription().cStr()));
  }
}

namespace {

// Each thread's space for ScratchBuilder: 8 KiB, zeroed (static storage), and zeroed again by the
// builder that used it. The first word is kept for the segment table of a one-segment message,
// the rest is the first segment.
constexpr size_t kScratchWords = 1024;
struct Scratch {
  capnp::word words[kScratchWords];
  bool in_use = false;
};
thread_local Scratch scratch;

}  // namespace

ScratchBuilder::ScratchBuilder(size_t words) {
  if (!scratch.in_use && words < kScratchWords) {
    scratch.in_use = uses_scratch_ = true;
    message_.emplace(kj::arrayPtr(scratch.words + 1, kScratchWords - 1));
  } else {
    message_.emplace(static_cast<capnp::uint>(words));
  }
}

ScratchBuilder::~ScratchBuilder() {
  message_.reset();  // zeroes what the message used of its first segment
  if (uses_scratch_) {
    std::memset(scratch.words, 0, kWordBytes);
    scratch.in_use = false;
  }
}

std::string_view ScratchBuilder::flat() {
  if (uses_scratch_) return flat_in_place(*message_, scratch.words, written_);
  write(*message_, written_);
  return written_;
}

std::string_view flat_in_place(capnp::MessageBuilder& message, capnp::word* table,
                               std::string& spill) {
  kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments = message.getSegmentsForOutput();
  if (segments.size() == 1 && segments[0].begin() == table + 1) {
    // One segment: a segment count of 1 (stored as 0) and the segment's size in words.
    auto* bytes = reinterpret_cast<char*>(table);
    store_le32(bytes, 0);
    store_le32(bytes + 4, static_cast<uint32_t>(segments[0].size()));
    return std::string_view(bytes, (1 + segments[0].size()) * kWordBytes);
  }
  write(message, spill);
  return spill;
}

std::string write(capnp::MessageBuilder& message) {
  std::string out;
  write(message, out);
  return out;
}

void write(capnp::MessageBuilder& message, std::string& out) {
  kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments = message.getSegmentsForOutput();
  out.resize(capnp::computeSerializedSizeInWords(segments) * kWordBytes);
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, segments);
}

}  // namespace bossa::capnp_frame
