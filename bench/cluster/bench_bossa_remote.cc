// bench_bossa_remote [filter]: remote_thr and remote_lat (bench/common/remote_bench_main.h)
// between actors on two bossa nodes in two processes over the native transport (tcp loopback),
// printed with impl "bossa".
//
//   remote_thr  an actor-less sender on the peer node (a ScopedActor) sends the sequence to the
//               actor registered as global name "bench.sink" on the measuring node, which times
//               the first to the last arrival and checks the order.
//   remote_lat  a ScopedActor on the measuring node bounces one int64 off the actor registered as
//               "bench.echo" on the peer node.

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/remote_bench_main.h"
#include "bench/common/result_line.h"
#include "runtime/node/node.h"

namespace bossa::bench {
namespace {

using Clock = std::chrono::steady_clock;

// What the sink sends the measuring thread: messages per second, or -1 if out of order.
struct ThroughputResult {
  double msgs_per_s;
};

void check(const absl::Status& status, std::string_view what) {
  if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.ToString());
}

std::unique_ptr<Node> start_node(const std::string& name, const std::string& listen,
                                 std::vector<std::string> seeds) {
  NodeConfig config;
  config.name = name;
  config.workers = 2;
  config.source = "bench_bossa_remote";
  config.transport.kind = "native";
  config.transport.listen = listen;
  config.transport.seeds = std::move(seeds);
  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(config);
  check(node.status(), "creating node " + name);
  (*node)->log().set_level(LogLevel::kWarning);
  check((*node)->start(), "starting node " + name);
  return *std::move(node);
}

// Waits (in bounded steps, checking the peer) until global name `name` is known.
Pid await_global(Node& node, const std::string& name, PeerProcess* peer) {
  for (int i = 0; i < 3000; ++i) {
    if (std::optional<Pid> pid = node.whereis_global(name)) return *pid;
    if (peer != nullptr && i % 100 == 0) peer->check_running("global name " + name);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("global name " + name + " never appeared");
}

// Every node listens on a free loopback port; the peer joins through the measuring node's.
constexpr char kListen[] = "tcp://127.0.0.1:*";

void run_thr() {
  std::unique_ptr<Node> node = start_node("measure", kListen, {});
  const uint64_t messages = remote_messages();
  ScopedActor me(node->runtime());
  const Pid reporter = me.pid();
  const Pid sink = node->runtime().spawn([messages, reporter](EventedActor& self) -> Behavior {
    auto next = std::make_shared<int64_t>(0);
    auto first = std::make_shared<Clock::time_point>();
    return {[&self, messages, reporter, next, first](int64_t value) {
      if (*next == 0) *first = Clock::now();
      if (value != *next) {
        self.send(reporter, ThroughputResult{-1});
        self.exit(ExitReason::normal());
      }
      if (static_cast<uint64_t>(++*next) == messages) {
        const std::chrono::duration<double> elapsed = Clock::now() - *first;
        self.send(reporter, ThroughputResult{static_cast<double>(messages - 1) / elapsed.count()});
        self.exit(ExitReason::normal());
      }
    }};
  });
  check(node->register_global("bench.sink", sink), "registering bench.sink");
  PeerProcess peer("thr-sender", {node->endpoint()});
  for (;;) {
    absl::StatusOr<ThroughputResult> result = me->receive_for<ThroughputResult>(absl::Seconds(1));
    if (result.ok()) {
      if (result->msgs_per_s < 0) throw std::runtime_error("messages arrived out of order");
      peer.finish();
      print_result("remote_thr", "bossa", "msgs_per_s", result->msgs_per_s);
      return;
    }
    peer.check_running("the sequence");
  }
}

void send_sequence(const std::vector<std::string>& args) {
  std::unique_ptr<Node> node = start_node("sender", kListen, {args[0]});
  const Pid sink = await_global(*node, "bench.sink", nullptr);
  const uint64_t messages = remote_messages();
  ScopedActor me(node->runtime());
  for (uint64_t i = 0; i < messages; ++i)
    check(me->send(sink, static_cast<int64_t>(i)).status(), "send");
  await_release();
}

void run_lat() {
  std::unique_ptr<Node> node = start_node("measure", kListen, {});
  PeerProcess peer("lat-echo", {node->endpoint()});
  const Pid echo = await_global(*node, "bench.echo", &peer);
  ScopedActor me(node->runtime());
  auto bounce = [&](int64_t value) {
    check(me->send(echo, value).status(), "send");
    absl::StatusOr<int64_t> back = me->receive_for<int64_t>(absl::Seconds(10));
    check(back.status(), "round trip");
    if (*back != value) throw std::runtime_error("the echo answered another number");
  };
  for (uint64_t i = 0; i < kWarmupRoundTrips; ++i) bounce(static_cast<int64_t>(i));
  const Clock::time_point start = Clock::now();
  for (uint64_t i = 0; i < kTimedRoundTrips; ++i) bounce(static_cast<int64_t>(i));
  const std::chrono::duration<double, std::micro> elapsed = Clock::now() - start;
  peer.finish();
  print_result("remote_lat", "bossa", "round_trip_us", elapsed.count() / kTimedRoundTrips);
}

void echo(const std::vector<std::string>& args) {
  std::unique_ptr<Node> node = start_node("echo", kListen, {args[0]});
  const Pid echo = node->runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](int64_t value) { self.send(self.sender(), value); }};
  });
  check(node->register_global("bench.echo", echo), "registering bench.echo");
  await_release();
}

constexpr RemoteCase kCases[] = {{"remote_thr", run_thr}, {"remote_lat", run_lat}};
constexpr RemoteRole kRoles[] = {{"thr-sender", 1, send_sequence}, {"lat-echo", 1, echo}};

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  return bossa::bench::remote_bench_main(argc, argv, bossa::bench::kCases, bossa::bench::kRoles);
}
