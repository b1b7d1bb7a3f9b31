#include "transport/transport_config.h"

#include "transport/socket/core/keys.h"

namespace bossa::transport {

const char* transport_kind_name(TransportKind kind) {
  switch (kind) {
    case TransportKind::kNative:
      return "native";
    case TransportKind::kAmqp:
      return "amqp";
    case TransportKind::kLocal:
      return "local";
  }
  return "unknown";
}

std::optional<TransportKind> parse_transport_kind(std::string_view name) {
  for (TransportKind kind : {TransportKind::kNative, TransportKind::kAmqp, TransportKind::kLocal}) {
    if (name == transport_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

const char* security_name(Security security) {
  return security == Security::kCurve ? "curve" : "none";
}

std::optional<Security> parse_security(std::string_view name) {
  for (Security security : {Security::kCurve, Security::kNone}) {
    if (name == security_name(security)) return security;
  }
  return std::nullopt;
}

std::optional<Seed> parse_seed(std::string_view text) {
  constexpr size_t kKeyChars = zmtp::kCurveKeyZ85Size;
  if (text.size() > kKeyChars && text[kKeyChars] == '@') {
    absl::StatusOr<std::string> key = socket::z85_decode(text.substr(0, kKeyChars));
    if (!key.ok()) return std::nullopt;
    return Seed{.endpoint = std::string(text.substr(kKeyChars + 1)), .key = *std::move(key)};
  }
  if (text.find('@') != std::string_view::npos && !text.starts_with("ipc://")) return std::nullopt;
  return Seed{.endpoint = std::string(text), .key = {}};
}

}  // namespace bossa::transport
