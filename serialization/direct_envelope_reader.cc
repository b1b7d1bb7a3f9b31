#include "serialization/direct_envelope_reader.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include <capnp/message.h>

#include "serialization/value.capnp.h"

namespace bossa::direct_envelope_reader {
namespace {

constexpr uint64_t kWordBytes = 8;
// Pointer slots and data words of envelope.capnp's structs, as its generated code places them.
constexpr uint64_t kToSlot = 0;
constexpr uint64_t kFromSlot = 1;
constexpr uint64_t kNameSlot = 2;
constexpr uint64_t kPayloadSlot = 3;
constexpr uint64_t kValueSlot = 4;
constexpr uint64_t kKindWord = 0;  // the kind is its low 16 bits
constexpr uint64_t kCorrelationWord = 1;
constexpr uint64_t kTypeIdWord = 2;
constexpr uint64_t kPidNodeWord = 0;  // the node is its low 32 bits
constexpr uint64_t kPidSerialWord = 1;
// Cap'n Proto's pointer kinds (the low two bits) and the element size code of a byte list.
constexpr uint64_t kStructPointer = 0;
constexpr uint64_t kListPointer = 1;
constexpr uint64_t kByteElements = 2;
// Cap'n Proto reads the envelope at the nesting limit and its pids and value one level down; a
// limit under this is declined, leaving the error (or not) to Cap'n Proto.
constexpr int kNestingNeeded = 3;
// What Cap'n Proto's reader counts against the traversal limit for the root pointer itself.
constexpr uint64_t kRootPointerWordsRead = 2;

// The one segment of a message, as words.
class Segment {
 public:
  Segment(const char* begin, uint64_t words) : begin_(begin), words_(words) {}

  uint64_t words() const { return words_; }
  uint64_t word(uint64_t at) const {
    uint64_t value;
    std::memcpy(&value, begin_ + at * kWordBytes, kWordBytes);
    return value;
  }
  const char* address(uint64_t at) const { return begin_ + at * kWordBytes; }

 private:
  const char* begin_;
  uint64_t words_;
};

// A struct inside the segment: where its sections start (word indexes) and how long they are.
// Fields and pointers past its sections read as zero, as Cap'n Proto reads an older struct.
struct StructAt {
  uint64_t data = 0;
  uint64_t data_words = 0;
  uint64_t pointers = 0;
  uint64_t pointer_count = 0;

  uint64_t field(const Segment& segment, uint64_t at) const {
    return at < data_words ? segment.word(data + at) : 0;
  }
  uint64_t pointer(const Segment& segment, uint64_t slot) const {
    return slot < pointer_count ? segment.word(pointers + slot) : 0;
  }
  // What Cap'n Proto's reader counts against the traversal limit for this struct, or more: its
  // size (the reader counts nothing for a null pointer or an empty struct; this counts a word).
  uint64_t words_read() const {
    return data_words + pointer_count > 0 ? data_words + pointer_count : 1;
  }
};

// The pointer's offset: bits 2..31, signed, in words from the end of the pointer.
int64_t offset_of(uint64_t pointer) {
  return static_cast<int32_t>(static_cast<uint32_t>(pointer)) >> 2;
}

// The struct the non-null pointer at word `at` points to; nullopt unless it is a struct pointer
// whose sections lie inside the segment.
std::optional<StructAt> struct_at(const Segment& segment, uint64_t at) {
  const uint64_t pointer = segment.word(at);
  if ((pointer & 3) != kStructPointer) return std::nullopt;
  const int64_t start = static_cast<int64_t>(at) + 1 + offset_of(pointer);
  const uint64_t data_words = (pointer >> 32) & 0xffff;
  const uint64_t pointer_count = pointer >> 48;
  if (start < 0 || static_cast<uint64_t>(start) + data_words + pointer_count > segment.words()) {
    return std::nullopt;
  }
  const auto data = static_cast<uint64_t>(start);
  return StructAt{data, data_words, data + data_words, pointer_count};
}

// The struct a pointer slot points to: an empty struct for a null pointer (whose fields read as
// their defaults), nullopt for anything but a struct inside the segment.
std::optional<StructAt> struct_or_default(const Segment& segment, const StructAt& owner,
                                          uint64_t slot) {
  if (owner.pointer(segment, slot) == 0) return StructAt{};
  return struct_at(segment, owner.pointers + slot);
}

// The bytes of the byte list at pointer slot `slot` (empty for a null pointer), and the words
// they take; nullopt for anything but a byte list inside the segment.
struct BytesAt {
  std::string_view bytes;
  uint64_t words = 0;
};
std::optional<BytesAt> bytes_at(const Segment& segment, const StructAt& owner, uint64_t slot) {
  const uint64_t pointer = owner.pointer(segment, slot);
  if (pointer == 0) return BytesAt{};
  if ((pointer & 3) != kListPointer || ((pointer >> 32) & 7) != kByteElements) return std::nullopt;
  const uint64_t at = owner.pointers + slot;
  const int64_t start = static_cast<int64_t>(at) + 1 + offset_of(pointer);
  const uint64_t count = pointer >> 35;
  const uint64_t words = (count + kWordBytes - 1) / kWordBytes;
  if (start < 0 || static_cast<uint64_t>(start) + words > segment.words()) return std::nullopt;
  return BytesAt{std::string_view(segment.address(static_cast<uint64_t>(start)), count), words};
}

WirePid pid_in(const Segment& segment, const StructAt& pid) {
  return WirePid{static_cast<uint32_t>(pid.field(segment, kPidNodeWord)),
                 pid.field(segment, kPidSerialWord)};
}

// The segment of a one-segment message that fills `bytes` exactly; nullopt for anything else.
std::optional<Segment> only_segment(std::string_view bytes, const DecodeLimits& limits) {
  if (bytes.size() < 2 * kWordBytes || bytes.size() % kWordBytes != 0 ||
      bytes.size() > limits.max_bytes ||
      reinterpret_cast<uintptr_t>(bytes.data()) % kWordBytes != 0) {
    return std::nullopt;
  }
  uint32_t table[2];
  std::memcpy(table, bytes.data(), sizeof table);
  const uint64_t words = bytes.size() / kWordBytes - 1;
  if (table[0] != 0 || table[1] != words) return std::nullopt;  // one segment, filling the rest
  return Segment(bytes.data() + kWordBytes, words);
}

}  // namespace

std::optional<absl::Status> read(std::string_view bytes, const DecodeLimits& limits,
                                 absl::FunctionRef<absl::Status(const EnvelopeView&)> use) {
  if constexpr (std::endian::native != std::endian::little) return std::nullopt;
  if (limits.nesting_limit < kNestingNeeded) return std::nullopt;
  std::optional<Segment> segment = only_segment(bytes, limits);
  if (!segment || segment->word(0) == 0) return std::nullopt;
  std::optional<StructAt> root = struct_at(*segment, 0);
  if (!root) return std::nullopt;
  const uint64_t kind = root->field(*segment, kKindWord) & 0xffff;
  if (kind > static_cast<uint64_t>(kLastEnvelopeKind)) return std::nullopt;
  if (root->pointer(*segment, kNameSlot) != 0) return std::nullopt;
  std::optional<StructAt> to = struct_or_default(*segment, *root, kToSlot);
  std::optional<StructAt> from = struct_or_default(*segment, *root, kFromSlot);
  std::optional<BytesAt> payload = bytes_at(*segment, *root, kPayloadSlot);
  if (!to || !from || !payload) return std::nullopt;

  uint64_t words_read = root->words_read() + to->words_read() + from->words_read() + payload->words;
  std::optional<wire::Value::Reader> value;
  if (root->pointer(*segment, kValueSlot) != 0) {
    std::optional<StructAt> value_at = struct_at(*segment, root->pointers + kValueSlot);
    if (!value_at || !payload->bytes.empty()) return std::nullopt;
    for (uint64_t slot = 0; slot < value_at->pointer_count; ++slot) {
      if (value_at->pointer(*segment, slot) != 0) return std::nullopt;
    }
    words_read += value_at->words_read();
    // A struct inside the segment with no pointers: reading it leaves nothing unchecked.
    value = capnp::readMessageUnchecked<wire::Value>(
        reinterpret_cast<const capnp::word*>(segment->address(root->pointers + kValueSlot)));
  }
  if (words_read + kRootPointerWordsRead > limits.traversal_limit_words) return std::nullopt;

  return use(EnvelopeView{
      .to = pid_in(*segment, *to),
      .from = pid_in(*segment, *from),
      .kind = static_cast<EnvelopeKind>(kind),
      .correlation_id = root->field(*segment, kCorrelationWord),
      .type_id = root->field(*segment, kTypeIdWord),
      .to_name = {},
      .payload = payload->bytes,
      .value = value,
  });
}

}  // namespace bossa::direct_envelope_reader
