// bench_bossa_cluster_scale [--nodes 8,32,64,128] [--busy_wait 0s]: what a cluster of N bossa-node
// processes on loopback costs and how fast it acts, for each N in turn (docs/benchmarks.md,
// "Cluster scale"). Every node is the native transport with its defaults (heartbeat 250 ms, down
// after 2 s, CURVE links, all the nodes sharing one key pair), two workers and busy_wait 0s unless
// --busy_wait says otherwise; the first listens on a free port, the others are started all at
// once, seeded with its endpoint. The phases, each
// bounded in time:
//
//   membership  membership_s: from the first start until every node counts N-1 others
//               (bossa_connected_nodes in its metrics, polled)
//   settle      settle_cpu_percent_per_node: the 8 s after membership, in which the links that
//               forming the cluster opened close (5 s after their last use)
//   idle        then 10 s in which nothing is asked of the nodes:
//               idle_cpu_percent_per_node (mean of utime + stime, /proc/<pid>/stat),
//               control_bytes_per_s_per_node (mean of bossa_transport_sent_bytes_total: all the
//               transport sends, Hellos and heartbeats included), idle_membership_changes (the
//               node up and down events the nodes counted meanwhile, all together: 0 in a
//               settled cluster); then rss_bytes_per_node and rss_bytes_max_node (mean and
//               largest VmRSS)
//   join        join_s: this program joins as a node of its own, until it counts N nodes and
//               every node counts it
//   names       names_1000_s: 8 threaded actors register 1000 global names, one per evented
//               actor, until the last-started node counts them all (bossa_global_names)
//   detect      detect_s: from kill -9 of the last-started node until this node's NodeDown
//               (Node::monitor_nodes); detect_all_s: until every other node counted it down
//               (bossa_node_down_events_total)
//
// Results: bench cluster_scale_<N>, impl bossa, one line per metric as it is measured. A phase
// that fails or overruns its bound, or nodes that hold more than half the memory the machine had
// available, end the program with status 1 and a message naming N and the phase; every node
// process is killed on the way out, and with the program if it dies. The nodes (and this
// program) are the first the kernel kills should memory run out all the same (oom_score_adj).
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/cluster/metrics_scrape.h"
#include "bench/cluster/node_processes.h"
#include "bench/common/cpu_time.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "cluster/node.h"
#include "tests/support/process_memory.h"
#include "transport/node_keys.h"

namespace bossa::bench {
namespace {

constexpr absl::string_view kUsage =
    "usage: bench_bossa_cluster_scale [--nodes N,N,...] [--busy_wait DURATION]\n"
    "  --nodes      the cluster sizes to run, each from 2 to 1000 (default 8,32,64,128)\n"
    "  --busy_wait  every node's [node] busy_wait (default 0s; a node's own default is 200us)\n";
const std::vector<size_t> kDefaultSizes = {8, 32, 64, 128};
// The nodes share this machine's cores: a node that polls after its work (200 us, its own
// default) holds a core that other nodes wait for, which N nodes on N machines would not do to
// one another; with 0s it gives the core back at once.
constexpr absl::Duration kDefaultBusyWait = absl::ZeroDuration();
// Kept well under the native transport's 1024 links per node.
constexpr size_t kMaxNodes = 1000;

constexpr absl::Duration kMembershipLimit = absl::Minutes(3);
// Forming the cluster opens links between nodes that talk no more once it has formed; each closes
// 5 s after its last use (the native transport's idle-link time), so the cluster is idle after
// this long.
constexpr absl::Duration kSettle = absl::Seconds(8);
constexpr absl::Duration kIdleWindow = absl::Seconds(10);
constexpr absl::Duration kJoinLimit = absl::Minutes(1);
constexpr absl::Duration kNamesLimit = absl::Minutes(2);
constexpr absl::Duration kDetectLimit = absl::Seconds(30);
// How often a phase that waits for the nodes says on stderr which it is still waiting for.
constexpr absl::Duration kProgressPeriod = absl::Seconds(15);
// The whole run of one N, should a phase hang where no bound reaches it.
constexpr unsigned kRunLimitSeconds = 900;

constexpr int kNames = 1000;
constexpr int kRegistrars = 8;

// How often nodes are scraped while awaiting a figure. A scrape costs the node and this program
// some CPU, which the nodes being measured share: a few nodes are polled every 20 ms, many at most
// every 250 ms (a membership_s of 64 nodes is then known to a quarter of a second).
absl::Duration poll_period(size_t nodes) {
  return std::clamp(absl::Milliseconds(5) * static_cast<int64_t>(nodes), absl::Milliseconds(20),
                    absl::Milliseconds(250));
}

void on_watchdog(int) {
  static constexpr char kMessage[] =
      "bench_bossa_cluster_scale: a run outlasted its watchdog; giving up\n";
  [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  _exit(1);  // the node processes die with this thread (PR_SET_PDEATHSIG)
}

struct Options {
  std::vector<size_t> sizes = kDefaultSizes;
  absl::Duration busy_wait = kDefaultBusyWait;  // every node's [node] busy_wait
};

std::vector<size_t> parse_sizes(absl::string_view list) {
  std::vector<size_t> sizes;
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    size_t n = 0;
    if (!absl::SimpleAtoi(item, &n) || n < 2 || n > kMaxNodes) {
      throw std::invalid_argument(
          absl::StrCat("--nodes: '", item, "' is not a node count from 2 to ", kMaxNodes));
    }
    sizes.push_back(n);
  }
  return sizes;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    absl::string_view value;
    if ((arg == "--nodes" || arg == "--busy_wait") && i + 1 < argc) {
      value = argv[++i];
    } else if (const size_t equals = arg.find('='); equals != absl::string_view::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    }
    if (arg == "--nodes") {
      options.sizes = parse_sizes(value);
    } else if (arg == "--busy_wait") {
      if (!absl::ParseDuration(value, &options.busy_wait) ||
          options.busy_wait < absl::ZeroDuration() || options.busy_wait > absl::Milliseconds(10)) {
        throw std::invalid_argument(
            absl::StrCat("--busy_wait: '", value, "' is not a duration from 0s to 10ms"));
      }
    } else {
      throw std::invalid_argument(absl::StrCat("unexpected argument '", argv[i], "'"));
    }
  }
  return options;
}

// Raises the soft limit on open files to what `nodes` nodes need: a node has four connections
// per peer (two each way) beside its own; this program as much, and a pipe and a scrape per node.
void raise_open_files(size_t nodes) {
  const rlim_t wanted = 8 * nodes + 256;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("getrlimit failed");
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur >= wanted) return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) {
    throw std::runtime_error(absl::StrCat("setup: ", nodes, " nodes need ", wanted,
                                          " open files, over RLIMIT_NOFILE's hard limit of ",
                                          limit.rlim_max, " (raise it with ulimit -Hn)"));
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("setrlimit failed");
  std::fprintf(stderr,
               "cluster_scale: raised RLIMIT_NOFILE from %llu to %llu (the nodes inherit it)\n",
               static_cast<unsigned long long>(before), static_cast<unsigned long long>(wanted));
}

// MemAvailable in /proc/meminfo, in bytes; throws if it cannot be read.
uint64_t memory_available() {
  std::FILE* file = std::fopen("/proc/meminfo", "r");
  if (file == nullptr) throw std::runtime_error("cannot read /proc/meminfo");
  char line[256];
  unsigned long long kib = 0;
  bool found = false;
  while (!found && std::fgets(line, sizeof line, file) != nullptr) {
    found = std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1;
  }
  std::fclose(file);
  if (!found) throw std::runtime_error("no MemAvailable in /proc/meminfo");
  return static_cast<uint64_t>(kib) * 1024;
}

// The nodes are killed first should the machine run out of memory, before anyone else's
// processes: they inherit this program's score.
void volunteer_for_oom_killer() {
  std::FILE* file = std::fopen("/proc/self/oom_score_adj", "w");
  if (file == nullptr) return;
  std::fputs("1000", file);
  std::fclose(file);
}

// The config file every node starts from and the key pair they share (a seed without a key is
// expected to hold the node's own), in a temporary directory removed with it.
class ConfigFile {
 public:
  explicit ConfigFile(absl::Duration busy_wait) : keys_(transport::generate_node_key_pair()) {
    char dir[] = "/tmp/bossa-cluster-scale-XXXXXX";
    if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
    path_ = dir_ + "/node.toml";
    if (absl::Status written = transport::write_node_key_files(dir_ + "/node.key", keys_);
        !written.ok()) {
      throw std::runtime_error(std::string(written.message()));
    }
    std::FILE* file = std::fopen(path_.c_str(), "w");
    if (file == nullptr) throw std::runtime_error("cannot write " + path_);
    const std::string text = absl::StrCat(
        "[node]\nname = \"scale\"\nworkers = 2\nbusy_wait = \"", absl::FormatDuration(busy_wait),
        "\"\n\n[transport]\nkind = \"native\"\nlisten = \"tcp://127.0.0.1:*\"\n"
        "key_file = \"node.key\"\n");
    std::fputs(text.c_str(), file);
    std::fclose(file);
  }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
  ~ConfigFile() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& path() const { return path_; }
  const transport::NodeKeyPair& keys() const { return keys_; }

 private:
  const transport::NodeKeyPair keys_;
  std::string dir_;
  std::string path_;
};

// One run: N nodes through every phase.
class ScaleRun {
 public:
  ScaleRun(size_t n, const ConfigFile& config, absl::Duration busy_wait)
      : n_(n),
        busy_wait_(busy_wait),
        keys_(config.keys()),
        bench_(absl::StrCat("cluster_scale_", n)),
        nodes_(BOSSA_NODE_PROGRAM, config.path()),
        memory_budget_(memory_available() / 2) {}
  ~ScaleRun() {
    // Leaves first, while its peers still answer; then the nodes go (NodeProcesses).
    if (self_) self_->stop();
  }

  void run() {
    phase("membership", [this] { membership(); });
    phase("settle", [this] { settle(); });
    phase("idle", [this] { idle(); });
    phase("join", [this] { join(); });
    phase("names", [this] { names(); });
    phase("detect", [this] { detect(); });
  }

 private:
  // A node of `nodes_` and the value its metric must reach.
  struct Goal {
    size_t node;
    double at_least;
  };

  template <class Body>
  void phase(absl::string_view name, Body body) {
    try {
      body();
    } catch (const std::exception& e) {
      throw std::runtime_error(absl::StrCat("N=", n_, ", phase ", name, ": ", e.what()));
    }
  }

  void report(std::string_view metric, double value) {
    print_result(bench_, "bossa", metric, value);
  }

  std::vector<size_t> all_nodes() const {
    std::vector<size_t> all(nodes_.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }

  // Scrapes the goals' nodes once: the goals whose metric `name` has not reached its value,
  // with what their node showed in `shown`. Throws if one of those nodes has exited.
  std::vector<Goal> unmet(absl::string_view name, const std::vector<Goal>& goals,
                          std::vector<std::string>& shown) {
    std::vector<size_t> indices;
    for (const Goal& goal : goals) indices.push_back(goal.node);
    std::vector<absl::StatusOr<std::string>> pages = nodes_.scrape(indices);
    std::vector<Goal> pending;
    for (size_t i = 0; i < goals.size(); ++i) {
      const Goal& goal = goals[i];
      if (!pages[i].ok()) {
        nodes_.check_running(goal.node);
        shown[goal.node] = std::string(pages[i].status().message());
        pending.push_back(goal);
        continue;
      }
      const std::optional<double> value = metric_value(*pages[i], name);
      if (value && *value >= goal.at_least) continue;
      shown[goal.node] = value ? absl::StrCat(*value) : "no sample";
      pending.push_back(goal);
    }
    return pending;
  }

  // "k nodes have not reached <name>: a (shown of goal), ..."
  std::string describe(absl::string_view name, const std::vector<Goal>& goals,
                       const std::vector<std::string>& shown) const {
    std::string out = absl::StrCat(goals.size(), " node(s) have not reached ", name, ":");
    for (const Goal& goal : goals) {
      if (out.size() > 800) return absl::StrCat(out, " ...");
      absl::StrAppend(&out, " ", nodes_.node(goal.node).name, " (", shown[goal.node], " of ",
                      goal.at_least, ")");
    }
    return out;
  }

  // Polls until metric `name` of every goal's node reaches its value; throws, naming the nodes
  // that have not and what they showed last, once `deadline` passes or if one of them exits.
  void await_metric(absl::string_view name, std::vector<Goal> goals, absl::Time deadline) {
    const absl::Time start = absl::Now();
    const absl::Duration period = poll_period(goals.size());
    std::vector<std::string> shown(nodes_.size());
    absl::Time next_progress = start + kProgressPeriod;
    for (;;) {
      goals = unmet(name, goals, shown);
      if (goals.empty()) return;
      const absl::Time now = absl::Now();
      if (now >= deadline) {
        throw std::runtime_error(absl::StrCat("timed out after ", absl::FormatDuration(now - start),
                                              ": ", describe(name, goals, shown)));
      }
      if (now >= next_progress) {
        next_progress = now + kProgressPeriod;
        std::fprintf(stderr, "cluster_scale: N=%zu, after %s: %s\n", n_,
                     absl::FormatDuration(absl::Trunc(now - start, absl::Seconds(1))).c_str(),
                     describe(name, goals, shown).c_str());
      }
      check_memory();
      absl::SleepFor(period);
    }
  }

  // Throws once the nodes hold more than memory_budget_ together: a protocol that lets their
  // memory grow without bound must not take the machine's (shared with others) with it.
  void check_memory() {
    uint64_t total = 0;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      absl::StatusOr<uint64_t> rss = resident_memory(nodes_.pid(i));
      if (!rss.ok()) {
        nodes_.check_running(i);
        continue;
      }
      total += *rss;
    }
    if (total > memory_budget_) {
      throw std::runtime_error(absl::StrCat("the nodes hold ", total >> 20, " MiB, over the ",
                                            memory_budget_ >> 20,
                                            " MiB (half the memory available at the start) this "
                                            "bench lets them have"));
    }
  }

  std::vector<Goal> goals(const std::vector<size_t>& nodes, double at_least) const {
    std::vector<Goal> out;
    for (size_t node : nodes) out.push_back(Goal{node, at_least});
    return out;
  }

  void membership() {
    const Stopwatch clock;
    const absl::Time deadline = absl::Now() + kMembershipLimit;
    nodes_.start("scale-0", "");
    nodes_.await_ready(0, deadline);
    const std::string seed = nodes_.node(0).endpoint;
    for (size_t i = 1; i < n_; ++i) nodes_.start(absl::StrCat("scale-", i), seed);
    for (size_t i = 1; i < n_; ++i) nodes_.await_ready(i, deadline);
    await_metric("bossa_connected_nodes", goals(all_nodes(), static_cast<double>(n_ - 1)),
                 deadline);
    report("membership_s", clock.seconds());
  }

  void settle() {
    const std::vector<size_t> all = all_nodes();
    const Stopwatch cpu_clock;
    const std::vector<double> cpu_before = cpu_seconds(all);
    wait_checking_memory(kSettle);
    report("settle_cpu_percent_per_node",
           cpu_percent_per_node(cpu_before, cpu_seconds(all), cpu_clock.seconds()));
  }

  void idle() {
    const std::vector<size_t> all = all_nodes();
    const Stopwatch bytes_clock;
    const std::vector<std::string> pages_before = pages(all);
    const Stopwatch cpu_clock;
    const std::vector<double> cpu_before = cpu_seconds(all);
    wait_checking_memory(kIdleWindow);
    const std::vector<double> cpu_after = cpu_seconds(all);
    const double cpu_window = cpu_clock.seconds();
    const std::vector<std::string> pages_after = pages(all);
    const double bytes_window = bytes_clock.seconds();
    report("idle_cpu_percent_per_node", cpu_percent_per_node(cpu_before, cpu_after, cpu_window));
    const double bytes = growth(pages_before, pages_after, "bossa_transport_sent_bytes_total");
    report("control_bytes_per_s_per_node", bytes / bytes_window / static_cast<double>(n_));
    // A settled cluster sees no node come or go; a node taken for down and back (overloaded, or
    // its peers were) costs Hellos, which the figures above then include.
    report("idle_membership_changes",
           growth(pages_before, pages_after, "bossa_node_up_events_total") +
               growth(pages_before, pages_after, "bossa_node_down_events_total"));
    // Nobody left for good.
    std::vector<std::string> shown(n_);
    const std::vector<Goal> lost =
        unmet("bossa_connected_nodes", goals(all, static_cast<double>(n_ - 1)), shown);
    if (!lost.empty()) {
      throw std::runtime_error("members lost while idle: " +
                               describe("bossa_connected_nodes", lost, shown));
    }
    double total = 0;
    double largest = 0;
    for (size_t i = 0; i < n_; ++i) {
      absl::StatusOr<uint64_t> rss = resident_memory(nodes_.pid(i));
      if (!rss.ok()) throw std::runtime_error(std::string(rss.status().message()));
      total += static_cast<double>(*rss);
      largest = std::max(largest, static_cast<double>(*rss));
    }
    report("rss_bytes_per_node", total / static_cast<double>(n_));
    report("rss_bytes_max_node", largest);
  }

  // The metrics pages of the nodes `indices` names, in that order; throws if one fails.
  std::vector<std::string> pages(const std::vector<size_t>& indices) {
    std::vector<std::string> out;
    for (absl::StatusOr<std::string>& page : nodes_.scrape(indices)) {
      if (!page.ok()) throw std::runtime_error(std::string(page.status().message()));
      out.push_back(*std::move(page));
    }
    return out;
  }

  // How much metric `name` grew from `before` to `after` (pages of the same nodes), summed over
  // the nodes; throws if a page lacks it.
  double growth(const std::vector<std::string>& before, const std::vector<std::string>& after,
                absl::string_view name) const {
    double sum = 0;
    for (size_t i = 0; i < before.size(); ++i) {
      const std::optional<double> first = metric_value(before[i], name);
      const std::optional<double> last = metric_value(after[i], name);
      if (!first || !last) throw std::runtime_error(absl::StrCat("a node has no ", name));
      sum += *last - *first;
    }
    return sum;
  }

  // The CPU the nodes used between two readings `seconds` apart, per node (100 = one core).
  double cpu_percent_per_node(const std::vector<double>& before, const std::vector<double>& after,
                              double seconds) const {
    double cpu = 0;
    for (size_t i = 0; i < n_; ++i) cpu += after[i] - before[i];
    return cpu / seconds / static_cast<double>(n_) * 100;
  }

  void wait_checking_memory(absl::Duration duration) {
    for (absl::Time end = absl::Now() + duration; absl::Now() < end;) {
      absl::SleepFor(std::min(absl::Seconds(1), end - absl::Now()));
      check_memory();
    }
  }

  std::vector<double> cpu_seconds(const std::vector<size_t>& indices) {
    std::vector<double> out;
    for (size_t index : indices) {
      std::optional<double> seconds = process_cpu_seconds(nodes_.pid(index));
      if (!seconds) {
        throw std::runtime_error(
            absl::StrCat("cannot read the CPU time of ", nodes_.node(index).name));
      }
      out.push_back(*seconds);
    }
    return out;
  }

  void join() {
    const Stopwatch clock;
    const absl::Time deadline = absl::Now() + kJoinLimit;
    NodeConfig config;
    config.name = "scale-bench";
    config.workers = 2;
    config.busy_wait = busy_wait_;
    config.source = "bench_bossa_cluster_scale";
    config.transport.kind = transport::TransportKind::kNative;
    config.transport.listen = "tcp://127.0.0.1:*";
    config.transport.seeds = {nodes_.node(0).endpoint};
    config.transport.public_key = keys_.public_key;
    config.transport.secret_key = keys_.secret_key;
    absl::StatusOr<std::unique_ptr<Node>> created = Node::create(std::move(config));
    if (!created.ok()) throw std::runtime_error(std::string(created.status().message()));
    self_ = *std::move(created);
    self_->log().set_level(LogLevel::kWarning);
    if (absl::Status started = self_->start(); !started.ok()) {
      throw std::runtime_error(std::string(started.message()));
    }
    std::vector<std::string> names;
    for (size_t i = 0; i < n_; ++i) names.push_back(nodes_.node(i).name);
    if (!self_->await_nodes(names, deadline - absl::Now())) {
      throw std::runtime_error(absl::StrCat("timed out after ", absl::FormatDuration(kJoinLimit),
                                            ": this node counts ", self_->nodes().size(),
                                            " of the ", n_, " nodes"));
    }
    await_metric("bossa_connected_nodes", goals(all_nodes(), static_cast<double>(n_)), deadline);
    report("join_s", clock.seconds());
  }

  void names() {
    const size_t far = n_ - 1;
    const double before = global_names(far);
    const Stopwatch clock;
    const absl::Time deadline = absl::Now() + kNamesLimit;
    ScopedActor me(self_->runtime());
    const Pid me_pid = me.pid();
    Node& self = *self_;
    for (int r = 0; r < kRegistrars; ++r) {
      self.runtime().spawn_thread([&self, me_pid, r](ThreadedActor& registrar) {
        std::string error;
        for (int i = r; i < kNames && error.empty(); i += kRegistrars) {
          const Pid holder =
              self.runtime().spawn([](EventedActor&) -> Behavior { return {[](int64_t) {}}; });
          absl::Status done = self.register_global(absl::StrCat("scale.", i), holder);
          if (!done.ok()) error = absl::StrCat("registering scale.", i, ": ", done.message());
        }
        registrar.send(me_pid, std::move(error));
      });
    }
    for (int r = 0; r < kRegistrars; ++r) {
      absl::StatusOr<std::string> error = me->receive_for<std::string>(deadline - absl::Now());
      if (!error.ok()) {
        throw std::runtime_error(absl::StrCat("timed out after ", absl::FormatDuration(kNamesLimit),
                                              ": ", kRegistrars - r, " registrar(s) not done"));
      }
      if (!error->empty()) throw std::runtime_error(*error);
    }
    await_metric("bossa_global_names", {Goal{far, before + kNames}}, deadline);
    report("names_1000_s", clock.seconds());
  }

  double global_names(size_t node) {
    return metric_value(pages({node})[0], "bossa_global_names").value_or(0);
  }

  void detect() {
    const size_t victim = n_ - 1;
    const std::string& name = nodes_.node(victim).name;
    std::vector<size_t> others;
    for (size_t i = 0; i + 1 < n_; ++i) others.push_back(i);
    std::vector<Goal> downs;
    const std::vector<std::string> before = pages(others);
    for (size_t i = 0; i < others.size(); ++i) {
      const double seen = metric_value(before[i], "bossa_node_down_events_total").value_or(0);
      downs.push_back(Goal{others[i], seen + 1});
    }
    ScopedActor me(self_->runtime());
    self_->monitor_nodes(me.pid());
    const Stopwatch clock;
    const absl::Time deadline = absl::Now() + kDetectLimit;
    nodes_.kill(victim);
    absl::StatusOr<NodeDown> down = me->receive_for<NodeDown>(deadline - absl::Now());
    if (!down.ok()) {
      throw std::runtime_error(absl::StrCat("timed out after ", absl::FormatDuration(kDetectLimit),
                                            ": no NodeDown for ", name));
    }
    if (down->name != name) {
      throw std::runtime_error(
          absl::StrCat("node ", down->name, " went down (", down->reason, ") instead of ", name));
    }
    report("detect_s", clock.seconds());
    std::fprintf(stderr, "cluster_scale: N=%zu: %s down: %s\n", n_, name.c_str(),
                 down->reason.c_str());
    await_metric("bossa_node_down_events_total", std::move(downs), deadline);
    report("detect_all_s", clock.seconds());
  }

  const size_t n_;
  const absl::Duration busy_wait_;
  const transport::NodeKeyPair keys_;  // every node's, this program's too
  const std::string bench_;
  NodeProcesses nodes_;
  const uint64_t memory_budget_;
  std::unique_ptr<Node> self_;  // this program's node, from the join on
};

int run(int argc, char** argv) {
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "bench_bossa_cluster_scale: %s\n%.*s", e.what(),
                 static_cast<int>(kUsage.size()), kUsage.data());
    return 2;
  }
  try {
    raise_open_files(*std::max_element(options.sizes.begin(), options.sizes.end()));
    volunteer_for_oom_killer();
    const ConfigFile config(options.busy_wait);
    signal(SIGALRM, on_watchdog);
    for (size_t n : options.sizes) {
      alarm(kRunLimitSeconds);
      std::fprintf(stderr, "cluster_scale: N=%zu, busy_wait %s\n", n,
                   absl::FormatDuration(options.busy_wait).c_str());
      ScaleRun(n, config, options.busy_wait).run();
    }
    alarm(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_bossa_cluster_scale: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  return bossa::bench::run(argc, argv);
}
