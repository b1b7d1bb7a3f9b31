// bench_bossa_swim_simulation: the membership protocol (transport/native/swim.h) at 1,000 and
// 10,000 nodes, in the deterministic simulation (tests/support/swim_simulation.h): virtual time,
// one seed, latency 0.5-1.5 ms, the default Config.
//
//   bench_bossa_swim_simulation [nodes...]         (default: 1000 10000)
//   bench_bossa_swim_simulation --heal nodes...    a tenth cut off and healed, alone (below)
//
// First, by default, the detection of killed nodes at 128 nodes (bench "swim_sim_128_detection"):
// 30 clusters of 128 (each its own seed) lose five nodes at once, a minute and a half after they
// formed; over those 150 kills, the time until every node has reported one down:
//   all_detect_median_s, all_detect_p99_s, all_detect_max_s, over_3s (kills that took longer)
//
// Then, for each size, one cluster goes through, in order (result lines: bench "swim_sim_<n>",
// impl "bossa"):
//   join_convergence_s        nodes start 2 ms apart, each joining through the first three;
//                             the time from the last start until every node has every other up
//   msgs_per_node_per_s       at steady state (60 s later), over 20 s: messages a node
//   bytes_per_node_per_s      sends a second, and their bytes as swim_wire encodes them
//   crash_first_detect_s      five nodes killed at once: the time until the first node reports
//   crash_all_detect_s        one of them down, and until every node has reported it (medians)
//   crash_all_detect_max_s    the slowest of the five
//   false_down_loss_1pct      under 1 % then 5 % message loss, 60 s each: node-down events about
//   false_down_loss_5pct      nodes that run (must be 0)
//   msgs_per_node_per_s_loss_5pct
//   heal_tenth_convergence_s  a tenth of the nodes cut off from the rest for 60 s: the time from
//                             the heal until every node has every other up again
//   heal_tenth_larger_side_new_epochs  nodes of the larger side that started a new epoch after
//                             the heal (were declared dead although never cut off; should be 0)
//   heal_halves_convergence_s the same for two halves (up to 2,000 nodes: every node rejoins,
//                             which costs as much to simulate as the joins)
//   peak_rss_bytes            the simulation's memory at its peak (10,000 tables of 10,000)
//   wall_s                    what the whole run took on this machine
//
// With --heal, each cluster only forms, runs 20 s, and has its last tenth cut off for 60 s and
// healed: join_convergence_s, the two heal_tenth_ metrics, wall_s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "bench/common/peak_rss.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "tests/support/swim_simulation.h"

namespace bossa::bench {
namespace {

using namespace std::chrono_literals;
using Swim = transport::SwimMembership;
using Kind = Swim::Event::Kind;
using Duration = std::chrono::nanoseconds;

constexpr Duration kJoinSpacing = 2ms;
constexpr Duration kConvergeLimit = 600s;
constexpr size_t kCrashes = 5;
// Halves of a cluster that meet again both start a new epoch: every node rejoins, a storm as
// costly to simulate as the joins. It is run up to this size.
constexpr size_t kHalvesUpTo = 2000;
// How long the news of the joins takes to die out (each item is retransmitted a bounded number
// of times), before steady state is measured.
constexpr Duration kSettle = 60s;

double seconds(Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

// Starts `n` nodes 2 ms apart, each joining through the first three.
void start(SwimSimulation& sim, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> seeds;
    for (size_t s = 0; s < std::min<size_t>(i, 3); ++s) seeds.push_back(s);
    sim.add(seeds);
    sim.run_for(kJoinSpacing);
  }
}

// What the observer keeps: downs of nodes that run, and who has reported the victims down.
struct Watch {
  uint64_t false_downs = 0;
  uint64_t declared_downs = 0;
  uint64_t declared_downs_below = 0;  // by nodes of index below `below`
  size_t below = 0;
  std::vector<uint32_t> victims;
  std::vector<size_t> reported;
  std::vector<SwimSimulation::TimePoint> first;
  std::vector<SwimSimulation::TimePoint> all;
};

class Run {
 public:
  explicit Run(size_t n) : n_(n), name_("swim_sim_" + std::to_string(n)), sim_(42 + n) {
    sim_.set_observer([this](size_t node, const Swim::Event& event) { observe(node, event); });
  }

  void all() {
    join();
    steady();
    crash();
    loss(0.01, "false_down_loss_1pct", "");
    loss(0.05, "false_down_loss_5pct", "msgs_per_node_per_s_loss_5pct");
    partition(n_ / 10, "heal_tenth_convergence_s", "heal_tenth_larger_side_new_epochs");
    if (n_ <= kHalvesUpTo) partition(n_ / 2, "heal_halves_convergence_s", "");
    report("peak_rss_bytes", static_cast<double>(peak_rss_bytes()));
    report("wall_s", wall_.seconds());
  }

  void heal_only() {
    join();
    sim_.run_for(20s);
    partition(n_ / 10, "heal_tenth_convergence_s", "heal_tenth_larger_side_new_epochs");
    report("wall_s", wall_.seconds());
  }

 private:
  void observe(size_t node, const Swim::Event& event) {
    if (event.kind == Kind::kDeclaredDown) {
      ++watch_.declared_downs;
      if (node < watch_.below) ++watch_.declared_downs_below;
    }
    if (event.kind != Kind::kDown) return;
    for (size_t v = 0; v < watch_.victims.size(); ++v) {
      if (event.node->id != watch_.victims[v]) continue;
      if (watch_.reported[v]++ == 0) watch_.first[v] = sim_.now();
      if (watch_.reported[v] == sim_.running_count()) watch_.all[v] = sim_.now();
      return;
    }
    if (running_id(event.node->id)) ++watch_.false_downs;
  }

  bool running_id(uint32_t id) const {
    auto it = index_of_.find(id);
    return it != index_of_.end() && sim_.running(it->second) && sim_.id_of(it->second) == id;
  }

  // The result line, and on stderr how far the run is.
  void report(const std::string& metric, double value) {
    print_result(name_, "bossa", metric, value);
    std::fprintf(stderr, "%s: %s after %.0f s\n", name_.c_str(), metric.c_str(), wall_.seconds());
  }

  bool converge(Duration limit) {
    return sim_.run_until([this] { return sim_.converged(); }, sim_.now() + limit);
  }

  void join() {
    start(sim_, n_);
    for (size_t i = 0; i < n_; ++i) index_of_[sim_.id_of(i)] = i;
    const auto last = sim_.now();
    const bool converged = converge(kConvergeLimit);
    report("join_convergence_s", converged ? seconds(sim_.now() - last) : NAN);
  }

  void steady() {
    sim_.run_for(kSettle);
    sim_.reset_counters();
    sim_.measure_bytes(true);
    sim_.run_for(20s);
    sim_.measure_bytes(false);
    report("msgs_per_node_per_s", static_cast<double>(sim_.counters().messages) / n_ / 20);
    report("bytes_per_node_per_s", static_cast<double>(sim_.counters().bytes) / n_ / 20);
  }

  void crash() {
    for (size_t v = 0; v < kCrashes; ++v) {
      const size_t victim = 5 + (v * 7919) % (n_ - 5);
      watch_.victims.push_back(sim_.id_of(victim));
      sim_.crash(victim);
    }
    watch_.reported.assign(kCrashes, 0);
    const auto start = sim_.now();
    watch_.first.assign(kCrashes, start);
    watch_.all.assign(kCrashes, SwimSimulation::TimePoint::max());
    sim_.run_until(
        [this] {
          return std::all_of(watch_.all.begin(), watch_.all.end(),
                             [](auto t) { return t != SwimSimulation::TimePoint::max(); });
        },
        start + 60s);
    std::vector<double> first, all;
    for (size_t v = 0; v < kCrashes; ++v) {
      first.push_back(watch_.reported[v] == 0 ? NAN : seconds(watch_.first[v] - start));
      all.push_back(
          watch_.all[v] == SwimSimulation::TimePoint::max() ? NAN : seconds(watch_.all[v] - start));
    }
    report("crash_first_detect_s", median(first));
    report("crash_all_detect_s", median(all));
    report("crash_all_detect_max_s", *std::max_element(all.begin(), all.end()));
    watch_.victims.clear();
    converge(60s);
  }

  void loss(double rate, const std::string& false_metric, const std::string& msgs_metric) {
    watch_.false_downs = watch_.declared_downs = 0;
    sim_.reset_counters();
    sim_.set_loss(rate);
    sim_.run_for(60s);
    sim_.set_loss(0);
    report(false_metric, static_cast<double>(watch_.false_downs));
    if (!msgs_metric.empty()) {
      report(msgs_metric,
             static_cast<double>(sim_.counters().messages) / sim_.running_count() / 60);
    }
    std::fprintf(stderr, "%s: loss %.0f%%: %llu declared down, converged after: %d\n",
                 name_.c_str(), rate * 100, static_cast<unsigned long long>(watch_.declared_downs),
                 converge(60s));
  }

  // The last `cut` nodes are cut off from the others for 60 s; `larger_metric`, if any, counts
  // the nodes of the other side that started a new epoch after the heal.
  void partition(size_t cut, const std::string& metric, const std::string& larger_metric) {
    std::vector<int> groups(sim_.node_count());
    for (size_t i = 0; i < groups.size(); ++i) groups[i] = i + cut < groups.size() ? 0 : 1;
    sim_.partition(groups);
    sim_.run_for(60s);
    sim_.partition({});
    const auto healed = sim_.now();
    watch_.declared_downs = watch_.declared_downs_below = 0;
    watch_.below = groups.size() - cut;
    const bool converged = converge(kConvergeLimit);
    report(metric, converged ? seconds(sim_.now() - healed) : NAN);
    if (!larger_metric.empty()) {
      report(larger_metric, static_cast<double>(watch_.declared_downs_below));
    }
    std::fprintf(stderr, "%s: %zu of %zu cut off: %llu nodes started a new epoch\n", name_.c_str(),
                 cut, n_, static_cast<unsigned long long>(watch_.declared_downs));
  }

  const size_t n_;
  const std::string name_;
  Stopwatch wall_;
  SwimSimulation sim_;
  Watch watch_;
  absl::flat_hash_map<uint32_t, size_t> index_of_;
};

void detection_at_128() {
  constexpr size_t kNodes = 128;
  constexpr int kClusters = 30;
  std::vector<double> all;
  for (int cluster = 0; cluster < kClusters; ++cluster) {
    SwimSimulation sim(500 + cluster);
    start(sim, kNodes);
    sim.run_until([&] { return sim.converged(); }, sim.now() + kConvergeLimit);
    sim.run_for(90s);
    absl::flat_hash_map<uint32_t, size_t> reported;
    std::vector<SwimSimulation::TimePoint> victims_all;
    const auto killed = sim.now();
    sim.set_observer([&](size_t, const Swim::Event& event) {
      if (event.kind != Kind::kDown) return;
      auto it = reported.find(event.node->id);
      if (it != reported.end() && ++it->second == sim.running_count()) {
        all.push_back(seconds(sim.now() - killed));
      }
    });
    for (size_t v = 0; v < kCrashes; ++v) {
      const size_t victim = 5 + (v * 7919) % (kNodes - 5);
      reported[sim.id_of(victim)] = 0;
      sim.crash(victim);
    }
    sim.run_for(20s);
    // A kill not reported by all within 20 s counts as forever.
    all.resize(static_cast<size_t>(cluster + 1) * kCrashes,
               std::numeric_limits<double>::infinity());
  }
  std::sort(all.begin(), all.end());
  const std::string name = "swim_sim_128_detection";
  print_result(name, "bossa", "all_detect_median_s", all[all.size() / 2]);
  print_result(name, "bossa", "all_detect_p99_s", all[all.size() * 99 / 100]);
  print_result(name, "bossa", "all_detect_max_s", all.back());
  print_result(name, "bossa", "over_3s",
               static_cast<double>(
                   std::count_if(all.begin(), all.end(), [](double t) { return !(t < 3); })));
}

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  const bool heal_only = argc > 1 && std::string_view(argv[1]) == "--heal";
  std::vector<size_t> sizes;
  for (int i = heal_only ? 2 : 1; i < argc; ++i)
    sizes.push_back(std::strtoul(argv[i], nullptr, 10));
  if (heal_only && sizes.empty()) {
    std::fprintf(stderr, "usage: bench_bossa_swim_simulation --heal nodes...\n");
    return 2;
  }
  if (sizes.empty()) {
    bossa::bench::detection_at_128();
    sizes = {1000, 10000};
  }
  for (size_t n : sizes) {
    if (n < 16) {
      std::fprintf(stderr, "a cluster of at least 16 nodes, not %zu\n", n);
      return 2;
    }
    bossa::bench::Run run(n);
    if (heal_only) {
      run.heal_only();
    } else {
      run.all();
    }
  }
  return 0;
}
