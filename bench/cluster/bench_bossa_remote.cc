// bench_bossa_remote [filter]: remote_thr and remote_lat (bench/cluster/bossa_remote_cases.h)
// between two bossa nodes over the native transport, tcp on loopback; side by side with
// bench_caf_remote and bench_engine_remote.
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
  if (!measuring_endpoint.empty()) config.transport.seeds.push_back(measuring_endpoint);
  return config;
}

constexpr BossaRemoteSetup kNative{.thr_bench = "remote_thr",
                                   .lat_bench = "remote_lat",
                                   .contact = endpoint_of,
                                   .config = native_node,
                                   .messages = remote_messages};

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  return bossa::bench::bossa_remote_bench_main(argc, argv, bossa::bench::kNative);
}
