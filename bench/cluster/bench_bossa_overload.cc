// bench_bossa_overload: a slow actor offered ten times what it can take, for 20 s, by a node in
// another process (native transport, tcp on loopback, CURVE as by default, both nodes sharing
// one key pair); what the overload costs the receiving node.
//
// The measuring node "slow" hosts "bench.slow", a threaded actor with a mailbox of kCapacity
// (policy block) that handles one int64 a millisecond, and "bench.fast", an evented echo. The peer
// node "producer" offers bench.slow 10,000 messages a second (it waits while bench.slow's node has
// paused it), and bounces an int64 off bench.fast every 10 ms. Afterwards bench.slow speeds up,
// takes what is left, and the counts are compared. Result lines (impl "bossa", bench "overload"):
//   peak_rss_bytes      the slow node's peak resident memory
//   budget_bytes        what it may reach: its memory before the overload, the full mailbox at
//                       kBytesPerMessage, and kLinkWindowBytes in flight when the pause came
//   slow_msgs_per_s     what bench.slow handled a second during the overload
//   fast_round_trip_us  the mean round trip to bench.fast during the overload (one every 10 ms)
//   fast_round_trip_idle_us  the same in the 2 s before the overload
//   lost                messages sent (send returned OK) that bench.slow never got: must be 0
//   false_node_down     node-down events on either node (both were alive throughout): must be 0
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "bench/cluster/bossa_remote_cases.h"
#include "bench/common/peak_rss.h"
#include "bench/common/remote_bench_main.h"
#include "bench/common/result_line.h"
#include "cluster/node.h"

namespace bossa::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kCapacity = 20'000;
constexpr auto kSlowHandling = std::chrono::milliseconds(1);
constexpr int kOverload = 10;  // offered / handled
constexpr auto kOverloadTime = std::chrono::seconds(20);
constexpr auto kProbeInterval = std::chrono::milliseconds(10);
constexpr auto kIdleProbeTime = std::chrono::seconds(2);
constexpr uint64_t kBytesPerMessage = 128;
constexpr uint64_t kLinkWindowBytes = uint64_t{64} << 20;

// What the producer reports when the overload ends: messages sent, the mean round trips to
// bench.fast in microseconds (before the overload and during it), and the node-down events it saw.
using Report = std::tuple<int64_t, double, double, int64_t>;
constexpr const char* kReportType = "bench.overload_report";

void check(const absl::Status& status, std::string_view what) {
  if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.ToString());
}

// Node `name`, joining through `seed` if any, with the key pair in `key_file`.
std::unique_ptr<Node> start_node(const std::string& name, const std::string& seed,
                                 const std::string& key_file) {
  NodeConfig config;
  config.name = name;
  config.workers = 2;
  config.source = "bench_bossa_overload";
  config.transport.kind = transport::TransportKind::kNative;
  config.transport.listen = "tcp://127.0.0.1:*";
  if (!seed.empty()) config.transport.seeds.push_back(seed);
  use_key_file(config, key_file);
  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(config);
  check(node.status(), "creating node " + name);
  (*node)->log().set_level(LogLevel::kWarning);
  check((*node)->register_type<Report>(kReportType), "registering the report");
  check((*node)->start(), "starting node " + name);
  return *std::move(node);
}

// This process's resident memory now (VmRSS), in octets.
uint64_t resident_memory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    uint64_t kib = 0;
    const std::string digits = line.substr(line.find_first_of("0123456789"));
    if (absl::SimpleAtoi(digits.substr(0, digits.find(' ')), &kib)) return kib * 1024;
  }
  throw std::runtime_error("no VmRSS in /proc/self/status");
}

// Counts node-down events sent to it, until told to stop (any int64).
Pid spawn_down_counter(Node& node, std::shared_ptr<std::atomic<int64_t>> downs) {
  const Pid counter = node.runtime().spawn([downs](EventedActor&) -> Behavior {
    return {[downs](const NodeDown&) { downs->fetch_add(1); }, [](const NodeUp&) {}};
  });
  node.monitor_nodes(counter);
  return counter;
}

struct SlowState {
  std::atomic<int64_t> handled{0};
  std::atomic<bool> slow{true};
  std::atomic<bool> in_order{true};
};

void run_overload() {
  std::unique_ptr<Node> node = start_node("slow", "", shared_key_file());
  auto downs = std::make_shared<std::atomic<int64_t>>(0);
  spawn_down_counter(*node, downs);
  auto state = std::make_shared<SlowState>();
  const Pid slow = node->runtime().spawn_thread(
      [state](ThreadedActor& self) {
        for (;;) {
          absl::StatusOr<int64_t> next = self.receive_for<int64_t>(absl::InfiniteDuration());
          if (!next.ok()) return;
          if (*next != state->handled.load()) state->in_order = false;
          state->handled.fetch_add(1);
          if (state->slow) std::this_thread::sleep_for(kSlowHandling);
        }
      },
      SpawnOptions{.mailbox =
                       MailboxLimit{.capacity = kCapacity, .policy = OverflowPolicy::kBlock}});
  const Pid fast = node->runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](int64_t value) { self.send(self.sender(), value); }};
  });
  check(node->register_global("bench.slow", slow), "registering bench.slow");
  check(node->register_global("bench.fast", fast), "registering bench.fast");
  ScopedActor me(node->runtime());
  check(node->register_global("bench.report", me.pid()), "registering bench.report");
  const uint64_t baseline = resident_memory();

  PeerProcess peer("overload-producer", {node->endpoint(), shared_key_file()});
  const Clock::time_point start = Clock::now();
  absl::StatusOr<Report> report;
  while (!(report = me->receive_for<Report>(absl::Seconds(1))).ok()) {
    peer.check_running("the end of the overload");
  }
  const std::chrono::duration<double> overload_time = Clock::now() - start;
  const int64_t handled_in_overload = state->handled.load();
  const uint64_t peak = peak_rss_bytes();
  state->slow = false;
  const auto [sent, idle_round_trip_us, fast_round_trip_us, producer_downs] = *report;
  for (int i = 0; state->handled.load() < sent && i < 6000; ++i) {
    if (i % 100 == 0) peer.check_running("the rest of the messages");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!state->in_order) throw std::runtime_error("bench.slow got messages out of order");
  // Before the producer leaves, which is a node down of its own.
  const int64_t slow_downs = downs->load();
  peer.finish();
  const uint64_t budget = baseline + kCapacity * kBytesPerMessage + kLinkWindowBytes;
  print_result("overload", "bossa", "peak_rss_bytes", static_cast<double>(peak));
  print_result("overload", "bossa", "budget_bytes", static_cast<double>(budget));
  print_result("overload", "bossa", "slow_msgs_per_s",
               static_cast<double>(handled_in_overload) / overload_time.count());
  print_result("overload", "bossa", "fast_round_trip_us", fast_round_trip_us);
  print_result("overload", "bossa", "fast_round_trip_idle_us", idle_round_trip_us);
  print_result("overload", "bossa", "lost", static_cast<double>(sent - state->handled.load()));
  print_result("overload", "bossa", "false_node_down",
               static_cast<double>(slow_downs + producer_downs));
}

// The mean round trip of an int64 bounced off `echo` every kProbeInterval for `duration`.
double probe_round_trip_us(ScopedActor& me, Pid echo, Clock::duration duration) {
  double total_us = 0;
  int64_t probes = 0;
  for (const Clock::time_point end = Clock::now() + duration; Clock::now() < end; ++probes) {
    const Clock::time_point sent_at = Clock::now();
    check(me->send(echo, probes).status(), "probe");
    absl::StatusOr<int64_t> back = me->receive_for<int64_t>(absl::Seconds(10));
    check(back.status(), "probe round trip");
    total_us += std::chrono::duration<double, std::micro>(Clock::now() - sent_at).count();
    std::this_thread::sleep_for(kProbeInterval);
  }
  return total_us / static_cast<double>(probes);
}

// args: the slow node's endpoint and the key file the two nodes share.
void produce(const std::vector<std::string>& args) {
  std::unique_ptr<Node> node = start_node("producer", args[0], args[1]);
  auto downs = std::make_shared<std::atomic<int64_t>>(0);
  spawn_down_counter(*node, downs);
  const Pid slow = await_global(*node, "bench.slow", nullptr);
  const Pid fast = await_global(*node, "bench.fast", nullptr);
  const Pid report_to = await_global(*node, "bench.report", nullptr);
  ScopedActor me(node->runtime());
  const double idle_round_trip_us = probe_round_trip_us(me, fast, kIdleProbeTime);

  std::atomic<bool> overloading{true};
  std::atomic<int64_t> sent{0};
  std::atomic<bool> refused{false};
  std::thread producer([&] {
    // kOverload times what bench.slow takes, paced per millisecond.
    constexpr int64_t kPerMillisecond = kOverload * (std::chrono::milliseconds(1) / kSlowHandling);
    Clock::time_point next_tick = Clock::now();
    while (overloading.load() && !refused.load()) {
      for (int64_t i = 0; i < kPerMillisecond; ++i) {
        if (!node->runtime().send(slow, sent.load()).ok()) {
          refused = true;  // a sender that may wait is never refused: the bench fails below
          break;
        }
        sent.fetch_add(1);
      }
      next_tick += std::chrono::milliseconds(1);
      std::this_thread::sleep_until(next_tick);
    }
  });
  const double round_trip_us = probe_round_trip_us(me, fast, kOverloadTime);
  overloading = false;
  producer.join();
  if (refused) throw std::runtime_error("a send to bench.slow was refused");
  check(me->send(report_to, Report{sent.load(), idle_round_trip_us, round_trip_us, downs->load()})
            .status(),
        "report");
  await_release();
}

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  using namespace bossa::bench;
  constexpr RemoteCase kCases[] = {{"overload", run_overload}};
  constexpr RemoteRole kRoles[] = {{"overload-producer", 2, produce}};
  return remote_bench_main(argc, argv, kCases, kRoles);
}
