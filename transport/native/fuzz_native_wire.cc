// libFuzzer target: what a native-transport peer can send, on arbitrary bytes. The first byte
// picks a decoder: a kData batch (every envelope it yields is read in place), or an ack (whatever
// decodes must re-encode to the same octets). Nothing may crash. The membership protocol's
// messages have a target of their own (fuzz_swim_wire.cc).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "serialization/envelope.h"
#include "transport/envelope_batch.h"
#include "transport/native/native_wire.h"

namespace {

const bossa::DecodeLimits kLimits{
    .traversal_limit_words = 1 << 16, .nesting_limit = 32, .max_bytes = 1 << 20};

void check_batch(std::string_view bytes) {
  (void)bossa::transport::for_each_in_batch(bytes, [](std::string_view envelope) {
    (void)bossa::read_envelope(envelope, kLimits, [](const bossa::EnvelopeView& view) {
      // Touch what a receiver reads.
      volatile size_t sink = view.payload.size() + view.to_name.size();
      (void)sink;
      return absl::OkStatus();
    });
  });
}

void check_ack(std::string_view bytes) {
  absl::StatusOr<std::optional<uint64_t>> ack = bossa::transport::decode_ack(bytes);
  if (!ack.ok() || !ack->has_value()) return;
  if (bossa::transport::encode_ack(**ack) != bytes) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    check_batch(bytes);
  } else {
    check_ack(bytes);
  }
  return 0;
}
