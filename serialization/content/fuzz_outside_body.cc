// libFuzzer target: the bodies of clients outside the cluster (body.h) on arbitrary bytes. The
// input's first line is the content type (or, if it is one byte, an index into kContentTypes, so
// that the usual ones come up often), the rest the body. A body that makes a payload must give a
// reply body back in the request's form (JSON, Value, text, bytes), and that body, sent again,
// must make the same payload: what the gateway answers a client, the client can send back. Nothing
// may crash, throw or allocate past the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "serialization/codec.h"
#include "serialization/content/body.h"
#include "serialization/value_shape.h"

namespace bossa::content_fuzz {

struct Record {
  std::string name;
  int32_t count = 0;
  std::optional<double> price;
  std::vector<std::tuple<bool, Bytes>> parts;
};

}  // namespace bossa::content_fuzz

namespace bossa {

template <>
struct Codec<content_fuzz::Record> {
  using Wire =
      std::tuple<std::string, int32_t, std::optional<double>, std::vector<std::tuple<bool, Bytes>>>;
  static void encode(const content_fuzz::Record& value, wire::Value::Builder out) {
    Codec<Wire>::encode(Wire{value.name, value.count, value.price, value.parts}, out);
  }
  static absl::Status decode(wire::Value::Reader in, content_fuzz::Record& out) {
    Wire wire;
    if (absl::Status status = Codec<Wire>::decode(in, wire); !status.ok()) return status;
    out = {std::get<0>(std::move(wire)), std::get<1>(wire), std::get<2>(wire),
           std::get<3>(std::move(wire))};
    return absl::OkStatus();
  }
  static std::optional<ValueShape> shape() {
    return record_shape<Wire>({"name", "count", "price", "parts"});
  }
};

}  // namespace bossa

namespace {

constexpr std::string_view kContentTypes[] = {
    "text/plain",
    "application/octet-stream",
    "application/vnd.bossa.value",
    "application/json",
    "application/json; type=fuzz.record",
    "application/json; type=int32",
    "application/json; type=fuzz.pairs",
    "application/vnd.bossa.value; type=fuzz.record",
    "application/octet-stream; type=fuzz.record",
    "text/plain; charset=utf-8",
};

const bossa::DecodeLimits kLimits{
    .traversal_limit_words = 1 << 16, .nesting_limit = 32, .max_bytes = 1 << 16};

const bossa::CodecRegistry& types() {
  static const bossa::CodecRegistry* registry = [] {
    auto* made = new bossa::CodecRegistry();
    absl::Status status = made->add_builtins();
    status.Update(made->add<bossa::content_fuzz::Record>("fuzz.record"));
    status.Update(made->add<std::vector<std::tuple<int64_t, std::string>>>("fuzz.pairs"));
    if (!status.ok()) std::abort();
    return made;
  }();
  return *registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  std::string_view content_type =
      newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  if (content_type.size() == 1) {
    content_type = kContentTypes[static_cast<uint8_t>(content_type[0]) % std::size(kContentTypes)];
  }

  absl::StatusOr<bossa::WirePayload> payload =
      bossa::content::payload_from_body(types(), content_type, body, kLimits);
  if (!payload.ok()) return 0;
  absl::StatusOr<bossa::content::Body> reply =
      bossa::content::body_from_payload(types(), *payload, content_type, kLimits);
  if (!reply.ok()) std::abort();
  absl::StatusOr<bossa::WirePayload> again =
      bossa::content::payload_from_body(types(), reply->content_type, reply->bytes, kLimits);
  if (!again.ok() || again->type_id != payload->type_id || again->bytes != payload->bytes) {
    std::abort();
  }
  return 0;
}
