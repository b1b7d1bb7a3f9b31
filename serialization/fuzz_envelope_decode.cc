// libFuzzer target: decode_envelope and the Value decoders on arbitrary bytes. Whatever decodes
// must re-encode to something that decodes to the same value; whatever the direct envelope reader
// takes, Cap'n Proto's reader must read the same; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "serialization/codec.h"
#include "serialization/direct_envelope_reader.h"
#include "serialization/envelope.h"

namespace {

const bossa::DecodeLimits kLimits{
    .traversal_limit_words = 1 << 16, .nesting_limit = 32, .max_bytes = 1 << 20};

template <class T>
void decode_and_check(std::string_view bytes) {
  absl::StatusOr<T> value = bossa::decode<T>(bytes, kLimits);
  if (!value.ok()) return;
  absl::StatusOr<std::string> again = bossa::encode(*value);
  if (!again.ok()) std::abort();
  absl::StatusOr<T> back = bossa::decode<T>(*again, kLimits);
  if (!back.ok()) std::abort();
}

// A view's fields, payload and value (as the flat bytes of a copy), for comparing two readers.
std::string contents_of(const bossa::EnvelopeView& view) {
  std::string contents;
  for (uint64_t field :
       {uint64_t{view.to.node}, view.to.serial, uint64_t{view.from.node}, view.from.serial,
        uint64_t(view.kind), view.correlation_id, view.type_id}) {
    contents.append(reinterpret_cast<const char*>(&field), sizeof field);
  }
  contents.append(view.to_name).append("|").append(view.payload).append("|");
  if (view.value) {
    capnp::MallocMessageBuilder copy;
    copy.setRoot(*view.value);
    kj::Array<capnp::word> words = capnp::messageToFlatArray(copy);
    contents.append(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  }
  return contents;
}

void compare_readers(std::string_view bytes, const bossa::DecodeLimits& limits) {
  std::vector<uint64_t> words((bytes.size() + 7) / 8);  // aligned, as a transport hands them over
  if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), bytes.size());
  const std::string_view aligned(reinterpret_cast<const char*>(words.data()), bytes.size());
  std::string direct;
  std::optional<absl::Status> read =
      bossa::direct_envelope_reader::read(aligned, limits, [&](const bossa::EnvelopeView& view) {
        direct = contents_of(view);
        return absl::OkStatus();
      });
  if (!read.has_value()) return;
  std::string capnp;
  absl::Status status =
      bossa::read_envelope_with_capnp(aligned, limits, [&](const bossa::EnvelopeView& view) {
        capnp = contents_of(view);
        return absl::OkStatus();
      });
  if (!status.ok() || direct != capnp) std::abort();
}

// An envelope as a node sends it, with `patch` xored over its first bytes: input that reaches the
// direct reader far more often than random bytes do.
std::string patched_envelope(std::string_view patch) {
  static const std::string sent = [] {
    std::string bytes;
    const bossa::Envelope to_pid{.to = {3, 77}, .from = {9, 12}, .type_id = 0xC0DE};
    (void)bossa::encode_envelope(
        to_pid, [](bossa::wire::Value::Builder out) { out.setInt64(-5); },
        [&](std::string_view out) { bytes = out; });
    return bytes;
  }();
  std::string bytes = sent;
  for (size_t i = 0; i < patch.size() && i < bytes.size(); ++i) bytes[i] ^= patch[i];
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<bossa::Envelope> envelope = bossa::decode_envelope(bytes, kLimits);
  if (envelope.ok()) {
    absl::StatusOr<bossa::Envelope> back =
        bossa::decode_envelope(bossa::encode_envelope(*envelope), kLimits);
    if (!back.ok() || !(*back == *envelope)) std::abort();
  }

  compare_readers(bytes, kLimits);
  compare_readers(patched_envelope(bytes), kLimits);
  // Limits near what an envelope takes, where the two readers' counting must agree.
  const bossa::DecodeLimits tight{.traversal_limit_words = size % 40,
                                  .nesting_limit = static_cast<int>(size % 5),
                                  .max_bytes = kLimits.max_bytes};
  compare_readers(patched_envelope(bytes), tight);

  decode_and_check<std::tuple<int64_t, std::string, std::vector<std::vector<double>>>>(bytes);
  decode_and_check<std::vector<std::pair<uint8_t, bossa::Bytes>>>(bytes);
  decode_and_check<std::vector<std::vector<std::vector<std::vector<int32_t>>>>>(bytes);
  decode_and_check<std::tuple<bool, float, uint64_t>>(bytes);
  return 0;
}
