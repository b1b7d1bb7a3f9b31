#include "transport/transport.h"

#include "absl/strings/str_cat.h"
#include "transport/amqp/amqp_transport.h"
#include "transport/amqp/amqp_url.h"
#include "transport/local/local_network.h"
#include "transport/local/local_transport.h"
#include "transport/native/native_transport.h"

namespace bossa::transport {

absl::StatusOr<std::unique_ptr<Transport>> make_transport(const TransportConfig& config,
                                                          const TransportEnvironment& environment) {
  switch (config.kind) {
    case TransportKind::kNative:
      return std::make_unique<NativeTransport>(config);
    case TransportKind::kAmqp: {
      absl::StatusOr<AmqpUrl> url = parse_amqp_url(config.amqp.url);
      if (!url.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("transport.amqp.url: ", url.status().message()));
      }
      return std::make_unique<AmqpTransport>(config, *std::move(url));
    }
    case TransportKind::kLocal:
      if (environment.local_network == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("transport.kind = \"local\" needs an in-process network named '",
                         config.network, "', and this program provides none"));
      }
      if (environment.local_network->name() != config.network) {
        return absl::InvalidArgumentError(
            absl::StrCat("transport.network: expected \"", environment.local_network->name(),
                         "\" (the network this program provides), got \"", config.network, "\""));
      }
      return std::make_unique<LocalTransport>(*environment.local_network);
  }
  return absl::InvalidArgumentError("transport.kind: not a transport kind");
}

}  // namespace bossa::transport
