#include "bench/cluster/bossa_remote_cases.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/common/remote_bench_main.h"
#include "bench/common/result_line.h"
#include "cluster/node.h"
#include "transport/node_keys.h"

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

std::span<const BossaRemoteSetup> setups;  // the program's, set before anything runs
const BossaRemoteSetup* setup = nullptr;   // the one of the running case or role
size_t setup_index = 0;

void choose_setup(size_t index) {
  if (index >= setups.size()) throw std::runtime_error("no such setup");
  setup_index = index;
  setup = &setups[index];
}

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
  PeerProcess peer("thr-sender", {std::to_string(setup_index), setup->contact(*node)});
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

// A role's arguments: the index of its setup, then what the measuring node's `contact` told.
void send_sequence(const std::vector<std::string>& args) {
  choose_setup(parse_number<size_t>(args[0], "setup"));
  std::unique_ptr<Node> node = start_node("sender", args[1]);
  const Pid sink = await_global(*node, "bench.sink", nullptr);
  const uint64_t messages = setup->messages();
  ScopedActor me(node->runtime());
  for (uint64_t i = 0; i < messages; ++i)
    check(me->send(sink, static_cast<int64_t>(i)).status(), "send");
  await_release();
}

void run_lat() {
  std::unique_ptr<Node> node = start_node("measure", "");
  PeerProcess peer("lat-echo", {std::to_string(setup_index), setup->contact(*node)});
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
  choose_setup(parse_number<size_t>(args[0], "setup"));
  std::unique_ptr<Node> node = start_node("echo", args[1]);
  const Pid echo = node->runtime().spawn([](EventedActor& self) -> Behavior {
    return {[&self](int64_t value) { self.send(self.sender(), value); }};
  });
  check(node->register_global("bench.echo", echo), "registering bench.echo");
  await_release();
}

template <size_t kIndex>
void run_thr_of() {
  choose_setup(kIndex);
  run_thr();
}

template <size_t kIndex>
void run_lat_of() {
  choose_setup(kIndex);
  run_lat();
}

// The directory of shared_key_file(), removed with the process's statics.
class SharedKeyDir {
 public:
  SharedKeyDir()
      : dir_(std::filesystem::temp_directory_path() /
             absl::StrCat("bossa-bench-keys-", ::getpid())),
        key_file_((dir_ / "node.key").string()) {
    std::filesystem::create_directories(dir_);
    const absl::Status written =
        transport::write_node_key_files(key_file_, transport::generate_node_key_pair());
    if (!written.ok()) throw std::runtime_error(std::string(written.message()));
  }
  ~SharedKeyDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& key_file() const { return key_file_; }

 private:
  const std::filesystem::path dir_;
  const std::string key_file_;
};

}  // namespace

const std::string& shared_key_file() {
  static const SharedKeyDir dir;
  return dir.key_file();
}

void use_key_file(NodeConfig& config, const std::string& key_file) {
  absl::StatusOr<transport::NodeKeyPair> keys = transport::read_node_key_pair(key_file);
  if (!keys.ok()) throw std::runtime_error(std::string(keys.status().message()));
  config.transport.security = transport::Security::kCurve;
  config.transport.key_file = key_file;
  config.transport.public_key = keys->public_key;
  config.transport.secret_key = keys->secret_key;
}

Pid await_global(Node& node, const std::string& name, PeerProcess* peer) {
  for (int i = 0; i < 3000; ++i) {
    if (std::optional<Pid> pid = node.whereis_global(name)) return *pid;
    if (peer != nullptr && i % 100 == 0) peer->check_running("global name " + name);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("global name " + name + " never appeared");
}

int bossa_remote_bench_main(int argc, char** argv, std::span<const BossaRemoteSetup> chosen) {
  static_assert(kMaxRemoteSetups == 2, "one run_thr_of and run_lat_of per setup below");
  constexpr void (*kThr[])() = {run_thr_of<0>, run_thr_of<1>};
  constexpr void (*kLat[])() = {run_lat_of<0>, run_lat_of<1>};
  if (chosen.empty() || chosen.size() > kMaxRemoteSetups) {
    throw std::logic_error("bossa_remote_bench_main: 1 to kMaxRemoteSetups setups");
  }
  setups = chosen;
  std::vector<RemoteCase> cases;
  for (size_t i = 0; i < chosen.size(); ++i) {
    cases.push_back({chosen[i].thr_bench, kThr[i]});
    cases.push_back({chosen[i].lat_bench, kLat[i]});
  }
  constexpr RemoteRole kRoles[] = {{"thr-sender", 2, send_sequence}, {"lat-echo", 2, echo}};
  return remote_bench_main(argc, argv, cases, kRoles);
}

}  // namespace bossa::bench
