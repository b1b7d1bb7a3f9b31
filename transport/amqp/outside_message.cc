#include "transport/amqp/outside_message.h"

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "serialization/codec.h"
#include "serialization/codec_registry.h"
#include "serialization/envelope.h"
#include "transport/amqp/amqp_topology.h"

namespace bossa::transport {

absl::StatusOr<std::string> envelope_from_outside(uint32_t self, std::string_view name,
                                                  std::string_view content_type,
                                                  std::string_view body,
                                                  const DecodeLimits& limits) {
  Envelope envelope;
  if (content_type == kEnvelopeContentType) {
    absl::StatusOr<Envelope> sent = decode_envelope(body, limits);
    if (!sent.ok()) return sent.status();
    if (sent->kind != EnvelopeKind::kUser || sent->from != WirePid{}) {
      return absl::InvalidArgumentError(absl::StrCat(
          "an envelope from outside the cluster must be a user message from nobody (zero from); "
          "got kind ",
          as_absl(envelope_kind_name(sent->kind)), " from node ", sent->from.node));
    }
    envelope = *std::move(sent);
  } else if (content_type.starts_with("text/")) {
    absl::StatusOr<std::string> payload = encode(std::string(body));
    if (!payload.ok()) return payload.status();
    envelope.type_id = wire_type_id("string");
    envelope.payload = *std::move(payload);
  } else {
    absl::StatusOr<std::string> payload =
        encode(Bytes(reinterpret_cast<const std::byte*>(body.data()),
                     reinterpret_cast<const std::byte*>(body.data()) + body.size()));
    if (!payload.ok()) return payload.status();
    envelope.type_id = wire_type_id("bytes");
    envelope.payload = *std::move(payload);
  }
  envelope.to = WirePid{self, 0};
  envelope.to_name = std::string(name);
  return encode_envelope(envelope);
}

}  // namespace bossa::transport
