// bench_bossa_amqp [filter]: amqp_thr and amqp_lat (bench/cluster/bossa_remote_cases.h) between
// two bossa nodes over the amqp transport through the broker at $BOSSA_BENCH_AMQP_URL (without
// publisher confirms); side by side with bench_rabbitmq_c, plain rabbitmq-c on the same broker.
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "bench/cluster/bossa_remote_cases.h"
#include "bench/common/amqp_bench.h"
#include "bench/common/remote_bench_main.h"

namespace bossa::bench {
namespace {

// The two nodes share an exchange prefix of their own, named after the measuring process, so
// runs never see one another; the peer is told it.
std::string own_prefix() {
  return absl::StrCat("bossa-bench-", ::getpid());
}

std::string prefix_of(Node&) {
  return own_prefix();
}

NodeConfig amqp_node(const std::string& name, const std::string& prefix) {
  NodeConfig config;
  config.name = name;
  config.workers = 2;
  config.source = "bench_bossa_amqp";
  config.transport.kind = transport::TransportKind::kAmqp;
  config.transport.amqp.url = amqp_bench_url();
  config.transport.amqp.exchange = prefix.empty() ? own_prefix() : prefix;
  config.transport.amqp.shared_user = true;  // every node logs in as the bench broker's user
  return config;
}

constexpr BossaRemoteSetup kAmqp{.thr_bench = "amqp_thr",
                                 .lat_bench = "amqp_lat",
                                 .contact = prefix_of,
                                 .config = amqp_node,
                                 .messages = amqp_bench_messages};

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  return bossa::bench::bossa_remote_bench_main(argc, argv, {&bossa::bench::kAmqp, 1});
}
