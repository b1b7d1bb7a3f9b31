// libFuzzer target: decode_envelope and the Value decoders on arbitrary bytes. Whatever decodes
// must re-encode to something that decodes to the same value; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "serialization/codec.h"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<bossa::Envelope> envelope = bossa::decode_envelope(bytes, kLimits);
  if (envelope.ok()) {
    absl::StatusOr<bossa::Envelope> back =
        bossa::decode_envelope(bossa::encode_envelope(*envelope), kLimits);
    if (!back.ok() || !(*back == *envelope)) std::abort();
  }

  decode_and_check<std::tuple<int64_t, std::string, std::vector<std::vector<double>>>>(bytes);
  decode_and_check<std::vector<std::pair<uint8_t, bossa::Bytes>>>(bytes);
  decode_and_check<std::vector<std::vector<std::vector<std::vector<int32_t>>>>>(bytes);
  decode_and_check<std::tuple<bool, float, uint64_t>>(bytes);
  return 0;
}
