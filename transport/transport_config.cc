#include "transport/transport_config.h"

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

}  // namespace bossa::transport
