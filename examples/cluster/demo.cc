// bossa-demo: a three-node bossa cluster at work, start to finish, in a few seconds.
//
//   build/examples/cluster/bossa-demo [--transport native|amqp] [--ports A,B,C]
//                                     [--node_program PATH] [--config_dir DIR] [--keys_dir DIR]
//
// The driver is node alpha (examples/cluster/alpha.toml); it starts beta and gamma as
// bossa-demo-node processes (beta.toml, gamma.toml; demo_node.cc), all three hosting the demo
// workload of examples/cluster/demo_services.h, and then:
//
//   1. forms the cluster: alpha waits until it sees beta and gamma (NodeUp);
//   2. spawns remotely, from alpha, a pool on every node: a one_for_one supervisor of three
//      worker servers and a dispatcher that registers itself as global name pool@<node>;
//   3. finds the three pools by global name, as any node would;
//   4. runs a pipeline: feeders (coroutine actors on alpha) fan jobs out over the pools of all
//      nodes and the answers fan back in to the driver, which checks every one;
//   5. orders workers on beta and gamma to crash; their supervisors restart them, the counts
//      come back by rpc ("demo.stats"), and the pools answer again;
//   6. kills gamma with SIGKILL in the middle of a second run: alpha gets NodeDown, gamma's
//      global name is released, the jobs gamma held time out and are rerouted to alpha and beta,
//      and every job still gets its right answer;
//   7. asks beta for its counters (rpc "bossa.status"), stops it with SIGTERM and sees it leave.
//
// It prints one line per step and exits 0, or names the step that failed and exits 1 (2 for a
// bad command line). Child processes are always reaped, and die with the driver if it dies.
// `--transport amqp` switches every node to the AMQP transport (a broker must be running).
//
// Over the native transport the links are CURVE: each node has a key pair, <keys_dir>/<node>.key
// (build/demo-keys by default, written on the first run and kept), and trusts the .pub files of
// keys_dir; beta and gamma join through alpha's key and endpoint (--seeds KEY@ENDPOINT). Each node
// listens on a port the system picks, or on the ports --ports gives (alpha's, beta's, gamma's),
// in place of the fixed ones of the .toml files.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cluster/node.h"
#include "examples/cluster/demo_services.h"
#include "node_program/config_overrides.h"
#include "node_program/status_service.h"
#include "runtime/behaviours/call.h"
#include "tests/support/child_process.h"
#include "transport/node_keys.h"

namespace {

using bossa::ChildProcess;
using bossa::DemoJob;
using bossa::DemoResult;
using bossa::Node;
using bossa::Pid;

constexpr int64_t kWorkersPerPool = 3;
constexpr int kFeeders = 6;
constexpr absl::Duration kJobTimeout = absl::Milliseconds(800);
constexpr absl::Duration kStepTimeout = absl::Seconds(10);
const std::vector<std::string> kNodes = {"alpha", "beta", "gamma"};

// The port each node listens on over the native transport, in kNodes' order; 0: one the system
// picks.
using Ports = std::vector<int>;

// A job's answer as a feeder hands it to the driver.
struct Answered {
  int64_t id = 0;
  int64_t steps = 0;
  std::string who;  // "node/worker-i"
  int attempts = 0;
  absl::Time at;
};

int64_t input_of(int64_t id) {
  return 1'000'003 + 7 * id;
}

std::string node_of(const std::string& who) {
  return who.substr(0, who.find('/'));
}

// Feeds jobs first, first + kFeeders, ... below `jobs` to the pools, each first to the pool of
// node (id mod 3). A job whose call fails (the pool's node is gone, or its worker crashed), or
// whose node has no pool any more, goes to another node, chosen by the job's id so that such
// jobs spread over the survivors.
bossa::ActorTask feeder(bossa::CoroutineActor& self, Node& node, int64_t first, int64_t jobs,
                        Pid driver) {
  const size_t nodes = kNodes.size();  // a prime, so any step visits every node
  for (int64_t id = first; id < jobs; id += kFeeders) {
    const size_t step = 1 + static_cast<size_t>(id / kFeeders) % (nodes - 1);
    size_t at = static_cast<size_t>(id) % nodes;
    size_t missing = 0;
    for (int attempt = 1;; ++attempt, at = (at + step) % nodes) {
      const std::optional<Pid> pool = node.whereis_global(bossa::demo_pool_name(kNodes[at]));
      if (!pool) {
        if (++missing % nodes == 0) {  // no pool anywhere: wait for one
          (void)co_await self.receive(bossa::after(absl::Milliseconds(10), [] {}));
        }
        continue;
      }
      DemoJob job{id, input_of(id)};
      absl::StatusOr<DemoResult> result =
          co_await bossa::call<DemoResult>(self, *pool, std::move(job), kJobTimeout);
      if (result.ok()) {
        self.send(driver, Answered{std::get<0>(*result), std::get<1>(*result), std::get<2>(*result),
                                   attempt, absl::Now()});
        break;
      }
    }
  }
}

class Demo {
 public:
  Demo(std::string node_program, std::string config_dir, std::string keys_dir,
       std::optional<std::string> transport, Ports ports)
      : node_program_(std::move(node_program)),
        config_dir_(std::move(config_dir)),
        keys_dir_(std::move(keys_dir)),
        transport_(std::move(transport)),
        ports_(std::move(ports)) {}

  absl::Status run() {
    absl::Status status = form_cluster();
    if (status.ok()) status = spawn_pools();
    if (status.ok()) status = find_pools();
    if (status.ok()) status = pipeline();
    if (status.ok()) status = supervision();
    if (status.ok()) status = kill_gamma();
    if (status.ok()) status = leave_beta();
    return status;
  }

  ~Demo() {
    me_.reset();  // before the runtime goes
    if (alpha_) alpha_->stop();
  }

 private:
  template <class... Args>
  void say(const absl::FormatSpec<Args...>& format, const Args&... args) {
    std::printf("[%5.1fs] %s\n", absl::ToDoubleSeconds(absl::Now() - began_),
                absl::StrFormat(format, args...).c_str());
    std::fflush(stdout);
  }

  std::string key_file(const std::string& node) const {
    return absl::StrCat(keys_dir_, "/", node, ".key");
  }

  // Where node kNodes[i] listens over the native transport.
  std::string listen_endpoint(size_t i) const {
    return ports_[i] == 0 ? "tcp://127.0.0.1:*" : absl::StrCat("tcp://127.0.0.1:", ports_[i]);
  }

  // Writes a key pair for each node that has none in keys_dir_ yet; says how many it wrote.
  absl::StatusOr<int> make_keys() {
    std::error_code error;
    std::filesystem::create_directories(keys_dir_, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot create the keys directory ", keys_dir_, ": ", error.message()));
    }
    int made = 0;
    for (const std::string& node : kNodes) {
      if (std::filesystem::exists(key_file(node))) continue;
      absl::Status written = bossa::transport::write_node_key_files(
          key_file(node), bossa::transport::generate_node_key_pair());
      if (!written.ok()) return written;
      ++made;
    }
    return made;
  }

  absl::Status form_cluster() {
    const std::string kind = transport_.value_or("native");
    const bool secure = kind == "native";
    std::printf("bossa demo: a cluster of three nodes over the %s transport\n", kind.c_str());
    bossa::ConfigOverrides overrides{.transport = transport_};
    if (secure) {
      absl::StatusOr<int> made = make_keys();
      if (!made.ok()) return made.status();
      say("links are CURVE: each node's key pair is %s/<node>.key (%s), and each trusts the .pub "
          "files there",
          keys_dir_, *made == 0 ? "kept from an earlier run" : "written on this first run");
      overrides.key_file = key_file("alpha");
      overrides.trusted_keys_dir = keys_dir_;
      overrides.listen = listen_endpoint(0);
    }
    absl::StatusOr<bossa::NodeConfig> config =
        bossa::load_config_with_overrides(config_dir_ + "/alpha.toml", overrides);
    if (!config.ok()) return config.status();
    const std::string alpha_key = bossa::transport::encode_z85_key(config->transport.public_key);
    absl::StatusOr<std::unique_ptr<Node>> alpha = Node::create(*std::move(config));
    if (!alpha.ok()) return alpha.status();
    alpha_ = *std::move(alpha);
    alpha_->log().set_level(bossa::LogLevel::kWarning);
    absl::Status ready = bossa::add_demo_services(*alpha_);
    if (ready.ok()) ready = bossa::register_status_service(*alpha_, kind);
    if (ready.ok()) ready = alpha_->start();
    if (!ready.ok()) return ready;
    me_ = std::make_unique<bossa::ScopedActor>(alpha_->runtime());
    alpha_->monitor_nodes(me().pid());
    say("alpha (this process) is up%s%s", alpha_->endpoint().empty() ? "" : " at ",
        alpha_->endpoint());

    for (size_t i = 1; i < kNodes.size(); ++i) {
      const std::string& name = kNodes[i];
      std::vector<std::string> args = {"--config", absl::StrCat(config_dir_, "/", name, ".toml"),
                                       "--log_level=warning"};
      if (transport_) args.insert(args.end(), {"--transport", *transport_});
      if (secure) {
        args.insert(args.end(), {"--key_file", key_file(name), "--trusted_keys_dir", keys_dir_,
                                 "--seeds", absl::StrCat(alpha_key, "@", alpha_->endpoint()),
                                 "--listen", listen_endpoint(i)});
      }
      absl::StatusOr<std::unique_ptr<ChildProcess>> child =
          ChildProcess::start(node_program_, args, {.discard_stdout = true});
      if (!child.ok()) return child.status();
      children_[name] = *std::move(child);
    }
    say("started beta (pid %d) and gamma (pid %d): bossa-demo-node processes with beta.toml, "
        "gamma.toml",
        children_["beta"]->pid(), children_["gamma"]->pid());

    std::set<std::string> seen;
    const absl::Time deadline = absl::Now() + kStepTimeout;
    while (seen.size() < 2) {
      absl::Status got = me().receive(
          [&](const bossa::NodeUp& up) {
            if (up.name == "beta" || up.name == "gamma") seen.insert(up.name);
          },
          bossa::after(deadline - absl::Now(), [] {}));
      if (!got.ok() || absl::Now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "the cluster did not form within ", absl::FormatDuration(kStepTimeout), ": alpha saw ",
            seen.empty() ? "no node" : absl::StrJoin(seen, ", "), " (is bossa-demo-node at ",
            node_program_, "?", ports_[1] == 0 ? "" : " are the ports of --ports free?", ")"));
      }
    }
    say("cluster formed: alpha got NodeUp from %s", absl::StrJoin(seen, " and "));
    return absl::OkStatus();
  }

  absl::Status spawn_pools() {
    std::vector<std::string> spawned;
    for (const std::string& node : kNodes) {
      absl::StatusOr<Pid> pool = alpha_->spawn_remote(node, "demo.pool", kWorkersPerPool);
      if (!pool.ok()) {
        return absl::Status(pool.status().code(), absl::StrCat("spawning the pool on ", node, ": ",
                                                               pool.status().message()));
      }
      spawned.push_back(absl::StrCat(node, " ", pool->to_string()));
    }
    say("spawned from alpha a pool on each node (a supervisor of %d workers + a dispatcher): %s",
        kWorkersPerPool, absl::StrJoin(spawned, ", "));
    return absl::OkStatus();
  }

  absl::Status find_pools() {
    std::vector<std::string> found;
    for (const std::string& node : kNodes) {
      const std::string name = bossa::demo_pool_name(node);
      const std::optional<Pid> pid = alpha_->whereis_global(name);
      if (!pid) return absl::NotFoundError(absl::StrCat("no global name ", name));
      found.push_back(absl::StrCat(name, " -> ", pid->to_string()));
    }
    say("found by global name: %s", absl::StrJoin(found, ", "));
    return absl::OkStatus();
  }

  // Feeds `jobs` jobs; calls `during` once `trigger` answers are in. Fills answers_.
  absl::Status feed(int64_t jobs, int64_t trigger = -1,
                    const std::function<void()>& during = nullptr) {
    answers_.assign(static_cast<size_t>(jobs), Answered{});
    for (int f = 0; f < kFeeders; ++f) {
      alpha_->runtime().spawn_coroutine(
          [this, f, jobs, driver = me().pid()](bossa::CoroutineActor& self) {
            return feeder(self, *alpha_, f, jobs, driver);
          });
    }
    bool triggered = false;
    for (int64_t done = 0; done < jobs;) {
      if (done == trigger && during && !triggered) {
        triggered = true;
        during();
      }
      absl::Status got = me().receive(
          [&](Answered& answer) {
            answers_[static_cast<size_t>(answer.id)] = std::move(answer);
            ++done;
          },
          [&](const bossa::NodeDown& down) {
            downs_.push_back({down, absl::Now()});
          },
          [](const bossa::NodeUp&) {}, bossa::after(kStepTimeout, [] {}));
      if (!got.ok()) {
        return absl::DeadlineExceededError(absl::StrCat(
            "no answer for ", absl::FormatDuration(kStepTimeout), " after ", done, " of ", jobs));
      }
    }
    for (const Answered& answer : answers_) {
      if (answer.steps != bossa::collatz_steps(input_of(answer.id))) {
        return absl::InternalError(absl::StrCat("job ", answer.id, " got ", answer.steps,
                                                " steps from ", answer.who, ", expected ",
                                                bossa::collatz_steps(input_of(answer.id))));
      }
    }
    return absl::OkStatus();
  }

  // "alpha 100, beta 100, gamma 100" for the answers that `keep` selects.
  std::string by_node(const std::function<bool(const Answered&)>& keep) const {
    absl::flat_hash_map<std::string, int> count;
    for (const Answered& answer : answers_) {
      if (keep(answer)) ++count[node_of(answer.who)];
    }
    std::vector<std::string> parts;
    for (const std::string& node : kNodes) {
      if (count.contains(node)) parts.push_back(absl::StrCat(node, " ", count[node]));
    }
    return absl::StrJoin(parts, ", ");
  }

  absl::Status pipeline() {
    const absl::Time start = absl::Now();
    if (absl::Status fed = feed(300); !fed.ok()) return fed;
    say("pipeline: %d feeders on alpha fanned 300 jobs out to the pools and back in: all 300 "
        "answers right in %.0f ms (by node: %s)",
        kFeeders, absl::ToDoubleMilliseconds(absl::Now() - start),
        by_node([](const Answered&) { return true; }));
    return absl::OkStatus();
  }

  absl::StatusOr<bossa::DemoStats> stats(const std::string& node) {
    return alpha_->rpc_blocking_call<bossa::DemoStats>(node, "demo.stats", int64_t{0});
  }

  absl::Status supervision() {
    const std::vector<std::pair<std::string, int>> crashes = {{"beta", 3}, {"gamma", 2}};
    std::string failures;
    for (const auto& [node, count] : crashes) {
      const std::optional<Pid> pool = alpha_->whereis_global(bossa::demo_pool_name(node));
      if (!pool) return absl::NotFoundError(absl::StrCat("pool@", node, " is gone"));
      for (int i = 0; i < count; ++i) {
        absl::StatusOr<DemoResult> crashed =
            bossa::call<DemoResult>(me(), *pool, DemoJob{-1 - i, 0}, kStepTimeout);
        if (crashed.ok()) return absl::InternalError("a crash order was answered");
        if (failures.empty()) failures = std::string(crashed.status().message());
      }
    }
    say("supervision: ordered 3 workers on beta and 2 on gamma to crash; each call failed "
        "(\"%s\")",
        failures);

    std::vector<std::string> restarted;
    for (const auto& [node, count] : crashes) {
      const absl::Time deadline = absl::Now() + kStepTimeout;
      for (;;) {
        absl::StatusOr<bossa::DemoStats> now = stats(node);
        if (!now.ok()) return now.status();
        const int64_t starts = std::get<0>(*now);
        const int64_t crashed = std::get<2>(*now);
        if (crashed == count && starts == kWorkersPerPool + count) {
          restarted.push_back(absl::StrFormat("%s %d crashes, %d restarts (%d worker starts)", node,
                                              crashed, starts - kWorkersPerPool, starts));
          break;
        }
        if (absl::Now() >= deadline) {
          return absl::DeadlineExceededError(
              absl::StrFormat("%s: %d crashes, %d worker starts; expected %d restarts", node,
                              crashed, starts, count));
        }
        absl::SleepFor(absl::Milliseconds(20));  // polling another node's counters
      }
    }
    say("the supervisors restarted every crashed worker, as demo.stats reports by rpc: %s",
        absl::StrJoin(restarted, "; "));
    if (absl::Status fed = feed(60); !fed.ok()) return fed;
    say("the restarted pools serve again: 60 more jobs, all right (by node: %s)",
        by_node([](const Answered&) { return true; }));
    return absl::OkStatus();
  }

  absl::Status kill_gamma() {
    constexpr int64_t kJobs = 600;
    absl::Time killed;
    absl::Status fed = feed(kJobs, kJobs / 4, [&] {
      children_["gamma"]->signal(SIGKILL);
      killed = absl::Now();
      say("killed gamma (pid %d) with SIGKILL, %d of %d jobs answered", children_["gamma"]->pid(),
          kJobs / 4, kJobs);
    });
    if (!fed.ok()) return fed;
    absl::StatusOr<int> reaped = children_["gamma"]->wait(kStepTimeout);
    if (!reaped.ok()) return reaped.status();

    // NodeDown may have come during the run or may still be on its way.
    const absl::Time deadline = absl::Now() + kStepTimeout;
    while (std::none_of(downs_.begin(), downs_.end(),
                        [](const auto& d) { return d.first.name == "gamma"; })) {
      absl::Status got = me().receive(
          [&](const bossa::NodeDown& down) {
            downs_.push_back({down, absl::Now()});
          },
          bossa::after(deadline - absl::Now(), [] {}));
      if (!got.ok() || absl::Now() >= deadline) {
        return absl::DeadlineExceededError("alpha got no NodeDown for gamma");
      }
    }
    const auto& [down, noticed] = *std::find_if(
        downs_.begin(), downs_.end(), [](const auto& d) { return d.first.name == "gamma"; });
    if (alpha_->whereis_global(bossa::demo_pool_name("gamma"))) {
      return absl::InternalError("pool@gamma is still registered after gamma went down");
    }
    say("alpha got NodeDown gamma (\"%s\") %.1f s after the kill; global name pool@gamma "
        "released",
        down.reason, absl::ToDoubleSeconds(noticed - killed));

    int rerouted = 0;
    for (const Answered& answer : answers_) rerouted += answer.attempts > 1 ? 1 : 0;
    say("all %d jobs answered right; %d jobs meant for gamma were rerouted to the survivors "
        "(by node: %s)",
        kJobs, rerouted, by_node([](const Answered& a) { return a.attempts > 1; }));
    if (rerouted == 0) return absl::InternalError("no job was rerouted: was gamma working?");
    return absl::OkStatus();
  }

  absl::Status leave_beta() {
    absl::StatusOr<std::string> status =
        alpha_->rpc_blocking_call<std::string>("beta", std::string(bossa::kStatusRpc), int64_t{0});
    if (!status.ok()) return status.status();
    say("beta's status, by rpc %s (the same as `bossa-node status --node beta`):",
        std::string(bossa::kStatusRpc));
    for (absl::string_view line : absl::StrSplit(*status, '\n', absl::SkipEmpty())) {
      std::printf("           %s\n", std::string(line).c_str());
    }
    ChildProcess& beta = *children_["beta"];
    beta.signal(SIGTERM);
    absl::StatusOr<int> code = beta.wait(kStepTimeout);
    if (!code.ok()) return code.status();
    if (*code != 0) return absl::InternalError(absl::StrCat("beta exited ", *code, " on SIGTERM"));
    const absl::Time deadline = absl::Now() + kStepTimeout;
    for (;;) {
      std::optional<bossa::NodeDown> left;
      absl::Status got = me().receive(
          [&](const bossa::NodeDown& down) {
            if (down.name == "beta") left = down;
          },
          [](const bossa::NodeUp&) {}, bossa::after(deadline - absl::Now(), [] {}));
      if (left) {
        say("stopped beta with SIGTERM: it exited 0 and alpha got NodeDown beta (\"%s\")",
            left->reason);
        return absl::OkStatus();
      }
      if (!got.ok() || absl::Now() >= deadline) {
        return absl::DeadlineExceededError("alpha got no NodeDown for beta after its SIGTERM");
      }
    }
  }

  bossa::ThreadedActor& me() { return **me_; }

  const std::string node_program_;
  const std::string config_dir_;
  const std::string keys_dir_;
  const std::optional<std::string> transport_;
  const Ports ports_;
  const absl::Time began_ = absl::Now();
  std::unique_ptr<Node> alpha_;
  std::unique_ptr<bossa::ScopedActor> me_;
  absl::flat_hash_map<std::string, std::unique_ptr<ChildProcess>> children_;
  std::vector<Answered> answers_;
  std::vector<std::pair<bossa::NodeDown, absl::Time>> downs_;
};

int usage(const char* problem) {
  std::fprintf(stderr,
               "bossa-demo: %s\nusage: bossa-demo [--transport native|amqp] [--ports A,B,C] "
               "[--node_program PATH] [--config_dir DIR] [--keys_dir DIR]\n",
               problem);
  return 2;
}

// "A,B,C": the ports of alpha, beta and gamma, each from 1 to 65535.
std::optional<Ports> parse_ports(const std::string& text) {
  Ports ports;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int port = 0;
    if (!absl::SimpleAtoi(part, &port) || port < 1 || port > 65535) return std::nullopt;
    ports.push_back(port);
  }
  if (ports.size() != kNodes.size()) return std::nullopt;
  return ports;
}

}  // namespace

int main(int argc, char** argv) {
  std::string node_program = BOSSA_DEMO_NODE_PROGRAM;
  std::string config_dir = BOSSA_DEMO_CONFIG_DIR;
  std::string keys_dir = BOSSA_DEMO_KEYS_DIR;
  std::optional<std::string> transport;
  Ports ports(kNodes.size(), 0);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    const size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg.resize(equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return usage(absl::StrCat(arg, " needs a value").c_str());
    }
    if (arg == "--transport") {
      transport = value;
    } else if (arg == "--ports") {
      std::optional<Ports> given = parse_ports(value);
      if (!given) return usage("--ports takes three ports from 1 to 65535, as 47101,47102,47103");
      ports = *std::move(given);
    } else if (arg == "--node_program") {
      node_program = value;
    } else if (arg == "--config_dir") {
      config_dir = value;
    } else if (arg == "--keys_dir") {
      keys_dir = value;
    } else {
      return usage(absl::StrCat("unknown argument ", arg).c_str());
    }
  }
  const absl::Time began = absl::Now();
  absl::Status status;
  {
    Demo demo(node_program, config_dir, keys_dir, transport, ports);
    status = demo.run();
  }  // alpha leaves, children still running are killed and reaped
  if (!status.ok()) {
    std::printf("demo FAILED: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::printf("demo passed in %.1f s\n", absl::ToDoubleSeconds(absl::Now() - began));
  return 0;
}
