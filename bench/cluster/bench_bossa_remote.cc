// bench_bossa_remote [filter]: remote_thr and remote_lat (bench/cluster/bossa_remote_cases.h)
// between two bossa nodes over the native transport, tcp on loopback, with security = "none";
// side by side with bench_caf_remote and bench_engine_remote, which have none either. Then
// remote_thr_curve and remote_lat_curve, the same with CURVE, the native transport's default.
#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/cluster/bossa_remote_cases.h"
#include "bench/common/remote_bench_main.h"

namespace bossa::bench {
namespace {

// The peer joins through the measuring node's endpoint.
std::string endpoint_of(Node& measuring) {
  return measuring.endpoint();
}

NodeConfig native_node(const std::string& name, const std::string& measuring_endpoint) {
  NodeConfig config;
  config.name = name;
  config.workers = 2;
  config.source = "bench_bossa_remote";
  config.transport.kind = transport::TransportKind::kNative;
  config.transport.listen = "tcp://127.0.0.1:*";
  config.transport.security = transport::Security::kNone;  // as the peers it is compared with
  if (!measuring_endpoint.empty()) config.transport.seeds.push_back(measuring_endpoint);
  return config;
}

// "<endpoint> <key file>": the peer joins through the endpoint with the key pair in the file.
std::string endpoint_and_key_of(Node& measuring) {
  return absl::StrCat(measuring.endpoint(), " ", shared_key_file());
}

// With CURVE, both nodes sharing shared_key_file().
NodeConfig curve_node(const std::string& name, const std::string& contact) {
  if (contact.empty()) {
    NodeConfig config = native_node(name, "");
    use_key_file(config, shared_key_file());
    return config;
  }
  const size_t space = contact.find(' ');  // the peer
  if (space == std::string::npos) throw std::runtime_error("a contact without a key file");
  NodeConfig config = native_node(name, contact.substr(0, space));
  use_key_file(config, contact.substr(space + 1));
  return config;
}

constexpr BossaRemoteSetup kSetups[] = {{.thr_bench = "remote_thr",
                                         .lat_bench = "remote_lat",
                                         .contact = endpoint_of,
                                         .config = native_node,
                                         .messages = remote_messages},
                                        {.thr_bench = "remote_thr_curve",
                                         .lat_bench = "remote_lat_curve",
                                         .contact = endpoint_and_key_of,
                                         .config = curve_node,
                                         .messages = remote_messages}};

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  return bossa::bench::bossa_remote_bench_main(argc, argv, bossa::bench::kSetups);
}
