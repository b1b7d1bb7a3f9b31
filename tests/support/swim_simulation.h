// SwimSimulation: many nodes of the membership protocol (transport/native/swim.h) in one process,
// on virtual time, for tests and for the scale bench (bench/cluster/bench_bossa_swim_simulation).
//
// Each node is a SwimMembership with its own seed; the simulation carries their messages as
// they are (no encoding, unless bytes are measured) with a latency drawn from [latency,
// latency + jitter), drops each with the loss probability and every message between two
// partition groups, and ticks each node at its next deadline. Everything random comes from one
// seed, so a run replays exactly. Node i is named "node-<i>" at "tcp://10.x.y.z:7000" (its
// index in the address) and draws a fresh id whenever it (re)starts.
//
// The steps are one binary heap ordered by (time, sequence): each message's delivery and each
// node's next tick (a tick whose node has rescheduled since is skipped). It keeps count of how
// many running nodes each node has up, so that convergence (every running node has every other
// running node up, and nothing else) is known at once, and hands every event to the observer.
// Thread-safety: none.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "transport/native/swim.h"

namespace bossa {

class SwimSimulation {
 public:
  using Swim = transport::SwimMembership;
  using TimePoint = Swim::TimePoint;
  using Duration = std::chrono::nanoseconds;

  struct Options {
    uint64_t seed = 1;
    Swim::Config config;
    Duration latency = std::chrono::microseconds(500);
    Duration jitter = std::chrono::microseconds(1000);
    double loss = 0;
  };

  // What a filter makes of one message: dropped, or delayed by `delay` more.
  struct Verdict {
    bool drop = false;
    Duration delay{0};
  };
  using Filter = std::function<Verdict(size_t from, size_t to, const transport::SwimMessage&)>;
  using Observer = std::function<void(size_t node, const Swim::Event&)>;

  struct Counters {
    uint64_t messages = 0;      // sent, dropped ones included
    uint64_t dropped = 0;       // by loss, partition, filter, or a stopped receiver
    uint64_t bytes = 0;         // encoded, while measure_bytes is on
    uint64_t updates = 0;       // member updates the messages carried (a State's included)
    uint64_t by_kind[10] = {};  // by SwimKind
  };

  explicit SwimSimulation(Options options);
  // The default options but the seed.
  explicit SwimSimulation(uint64_t seed) : SwimSimulation(seeded(seed)) {}

  static Options seeded(uint64_t seed) {
    Options options;
    options.seed = seed;
    return options;
  }

  // Starts node `index` (the next new one if it equals node_count()) now, joining through the
  // nodes in `seeds`; a node that ran before starts a new run: a fresh id, the same name and
  // endpoint.
  size_t start(size_t index, const std::vector<size_t>& seeds, std::string name = "");
  size_t add(const std::vector<size_t>& seeds) { return start(nodes_.size(), seeds); }
  // Stops node `index` without a word (kill -9): what is sent to it is lost.
  void crash(size_t index);
  // Node `index` leaves (Swim::leave) and stops.
  void leave(size_t index);
  // Hands `message` to node `index` now, as if it had arrived.
  void inject(size_t index, const transport::SwimMessage& message);

  void set_loss(double loss) { options_.loss = loss; }
  // Messages between nodes of different groups are dropped; group[i] is node i's (nodes beyond
  // the vector are in group 0). An empty vector heals.
  void partition(std::vector<int> groups) { groups_ = std::move(groups); }
  void set_filter(Filter filter) { filter_ = std::move(filter); }
  void set_observer(Observer observer) { observer_ = std::move(observer); }
  void measure_bytes(bool on) { measure_bytes_ = on; }

  // Runs until virtual time `until`.
  void run_until(TimePoint until);
  void run_for(Duration duration) { run_until(now_ + duration); }
  // Runs until `done()` holds (checked after every step) or `limit` passes; whether it held.
  bool run_until(const std::function<bool()>& done, TimePoint limit);

  TimePoint now() const { return now_; }
  size_t node_count() const { return nodes_.size(); }
  size_t running_count() const { return running_; }
  bool running(size_t index) const { return nodes_[index].running; }
  uint32_t id_of(size_t index) const { return nodes_[index].id; }
  const Swim& swim(size_t index) const { return *nodes_[index].swim; }
  // Every running node has every other one up, and no other node.
  bool converged() const;
  const Counters& counters() const { return counters_; }
  void reset_counters() { counters_ = Counters{}; }

 private:
  struct Node {
    std::unique_ptr<Swim> swim;
    uint32_t id = 0;
    bool running = false;
    TimePoint scheduled = TimePoint::max();  // the pending tick
    uint64_t up = 0;                         // members it has up
    uint64_t current = 0;                    // of those, running nodes in their current run
  };
  struct Step {
    TimePoint at;
    uint64_t seq;
    uint32_t node;
    uint32_t slot;  // kTick, or the message's place in in_flight_
    bool operator>(const Step& other) const {
      return at != other.at ? at > other.at : seq > other.seq;
    }
  };
  static constexpr uint32_t kTick = UINT32_MAX;

  bool current(uint32_t id) const;
  void step(const Step& step);
  // Carries out what node `index` produced, and schedules its next tick.
  void settle(size_t index);
  void deliver(size_t from, Swim::Outgoing outgoing);
  void count(size_t index, const Swim::Event& event, int sign);
  void push(TimePoint at, uint32_t node, uint32_t slot);

  Options options_;
  transport::SwimRandom random_;
  TimePoint now_{};
  uint64_t next_seq_ = 0;
  std::vector<Node> nodes_;
  absl::flat_hash_map<std::string, uint32_t> at_endpoint_;
  absl::flat_hash_map<uint32_t, uint32_t> by_id_;  // current runs
  size_t running_ = 0;
  uint64_t up_total_ = 0;
  uint64_t current_total_ = 0;
  std::vector<int> groups_;
  Filter filter_;
  Observer observer_;
  bool measure_bytes_ = false;
  Counters counters_;
  std::priority_queue<Step, std::vector<Step>, std::greater<>> steps_;
  std::vector<transport::SwimMessage> in_flight_;
  std::vector<uint32_t> free_slots_;
};

}  // namespace bossa
