#include "bench/cluster/bossa_remote_cases.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/common/remote_bench_main.h"
#include "bench/common/result_line.h"
#include "cluster/node.h"

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

const BossaRemoteSetup* setup = nullptr;  // the program's, set before anything runs

std::unique_ptr<Node> start_node(const std::string& name, const std::string& contact) {
  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(setup->config(name, contact));
  check(node.status(), "creating node " + name);
  (*node)->log().set_level(LogLevel::kWarning);
  check((*node)->start(), "starting node " + name);
  return *std::move(node);
}

void run_thr() {
  std::unique_ptr<Node> node = start_node("measure", "");
  const uint64_t messages = setup->messages();
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
  PeerProcess peer("thr-sender", {setup->contact(*node)});
  for (;;) {
    absl::StatusOr<ThroughputResult> result = me->receive_for<ThroughputResult>(absl::Seconds(1));
    if (result.ok()) {
      if (result->msgs_per_s < 0) throw std::runtime_error("messages arrived out of order");
      peer.finish();
      print_result(setup->thr_bench, "bossa", "msgs_per_s", result->msgs_per_s);
      return;
    }
    peer.check_running("the sequence");
  }
}

void send_sequence(const std::vector<std::string>& args) {
  std::unique_ptr<Node> node = start_node("sender", args[0]);
  const Pid sink = await_global(*node, "bench.sink", nullptr);
  const uint64_t messages = setup->messages();
  ScopedActor me(node->runtime());
  for (uint64_t i = 0; i < messages; ++i)
    check(me->send(sink, static_cast<int64_t>(i)).status(), "send");
  await_release();
}

void run_lat() {
  std::unique_ptr<Node> node = start_node("measure", "");
  PeerProcess peer("lat-echo", {setup->contact(*node)});
  const Pid echo = await_global(*node, "bench.echo", &peer);
  ScopedActor me(node->runtime());
  auto bounce = [&](int64_t value) {
    check(me->send(echo, value).status(), "send");
    absl::StatusOr<int64_t> back = me->receive_for<int64_t>(absl::Seconds(10));
    check(back.status(), "round trip");
    if (*back != value) throw std::runtime_error("the echo answered another number");
  };
  const double round_trip_us = mean_round_trip_us(bounce);
  peer.finish();
  print_result(setup->lat_bench, "bossa", "round_trip_us", round_trip_us);
}

void echo(const std::vector<std::string>& args) {
  std::unique_ptr<Node> node = start_node("echo", args[0]);
  const Pid echo = node->runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](int64_t value) { self.send(self.sender(), value); }};
  });
  check(node->register_global("bench.echo", echo), "registering bench.echo");
  await_release();
}

}  // namespace

Pid await_global(Node& node, const std::string& name, PeerProcess* peer) {
  for (int i = 0; i < 3000; ++i) {
    if (std::optional<Pid> pid = node.whereis_global(name)) return *pid;
    if (peer != nullptr && i % 100 == 0) peer->check_running("global name " + name);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("global name " + name + " never appeared");
}

int bossa_remote_bench_main(int argc, char** argv, const BossaRemoteSetup& chosen) {
  setup = &chosen;
  const RemoteCase cases[] = {{chosen.thr_bench, run_thr}, {chosen.lat_bench, run_lat}};
  constexpr RemoteRole kRoles[] = {{"thr-sender", 1, send_sequence}, {"lat-echo", 1, echo}};
  return remote_bench_main(argc, argv, cases, kRoles);
}

}  // namespace bossa::bench
