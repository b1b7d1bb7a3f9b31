// libFuzzer target: what a native-transport peer can send, on arbitrary bytes. The first byte
// picks a decoder: a Hello (whatever decodes must re-encode to a Hello that decodes the same), or a
// kData batch (every envelope it yields is read in place). Nothing may crash.
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

bool same(const bossa::transport::NativeMember& a, const bossa::transport::NativeMember& b) {
  return a.identity == b.identity && a.endpoint == b.endpoint;
}

void check_hello(std::string_view bytes) {
  absl::StatusOr<bossa::transport::NativeHello> hello = bossa::transport::decode_hello(bytes);
  if (!hello.ok()) return;
  absl::StatusOr<bossa::transport::NativeHello> back =
      bossa::transport::decode_hello(bossa::transport::encode_hello(*hello));
  if (!back.ok() || !same(back->self, hello->self) ||
      back->members.size() != hello->members.size()) {
    std::abort();
  }
  for (size_t i = 0; i < hello->members.size(); ++i) {
    if (!same(back->members[i], hello->members[i])) std::abort();
  }
}

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
  switch (data[0] % 3) {
    case 0:
      check_hello(bytes);
      break;
    case 1:
      check_batch(bytes);
      break;
    default:
      check_ack(bytes);
      break;
  }
  return 0;
}
