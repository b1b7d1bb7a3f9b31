// Bodies from and for clients outside the cluster: a content type and bytes, turned into the
// payload of a registered wire type (what an envelope carries) and back. Gateways of any kind
// (the native gateway, an AMQP door) share it; docs/outside-clients.md is the user's view.
//
//   content type                         body                          payload type
//   text/plain (any text/...)            the text                      std::string ("string")
//   application/octet-stream             the bytes                     bossa::Bytes ("bytes"), or
//                                                                      with type=T of user codec
//                                                                      functions, T's own bytes
//   application/vnd.bossa.value          a Value, flat message         type=T, else by its kind
//   application/json                     JSON (json_value.h)           type=T, else by its kind
//
// "By its kind", when no `type` parameter names a registered type: a string is "string", a
// boolean "bool", an integer "int64" (or "uint64" past int64), another number "float64", Value
// data "bytes"; anything else needs `type`. A reply comes back in the request's form (JSON for
// JSON, Value for Value; for text and bytes requests: text/plain for a std::string,
// application/octet-stream for bossa::Bytes, JSON otherwise), with `type=<name>` for JSON and
// Value replies; a type without a JSON or Value form comes back as application/octet-stream;
// type=<name> with its own bytes.
//
// Bodies are untrusted: bounded by the DecodeLimits (size before parsing, depth while parsing);
// errors are InvalidArgument (bad body or content type) or NotFound (no such type), naming what
// was wrong. Never throws. Free functions; the registry is only read.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "serialization/codec_registry.h"
#include "serialization/decode_limits.h"

namespace bossa::content {

struct Body {
  std::string content_type;
  std::string bytes;
};

// The payload a body of `content_type` stands for.
absl::StatusOr<WirePayload> payload_from_body(const CodecRegistry& types,
                                              std::string_view content_type, std::string_view body,
                                              const DecodeLimits& limits);

// The body that answers a request of `request_content_type` with `payload` (of a registered type).
absl::StatusOr<Body> body_from_payload(const CodecRegistry& types, const WirePayload& payload,
                                       std::string_view request_content_type,
                                       const DecodeLimits& limits);

}  // namespace bossa::content
