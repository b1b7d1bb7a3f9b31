#include "tests/support/swim_simulation.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace bossa {
namespace {

using transport::SwimMessage;

std::string endpoint_of(size_t index) {
  return absl::StrCat("tcp://10.", (index >> 16) & 255, ".", (index >> 8) & 255, ".", index & 255,
                      ":7000");
}

}  // namespace

SwimSimulation::SwimSimulation(Options options)
    : options_(std::move(options)), random_(options_.seed) {}

size_t SwimSimulation::start(size_t index, const std::vector<size_t>& seeds, std::string name) {
  if (index == nodes_.size()) nodes_.emplace_back();
  Node& node = nodes_[index];
  if (node.running) crash(index);
  uint32_t id = 0;
  while (id == 0 || by_id_.contains(id)) id = static_cast<uint32_t>(random_.next());
  const std::string endpoint = endpoint_of(index);
  node.swim = std::make_unique<Swim>(options_.config, random_.next());
  node.id = id;
  node.running = true;
  node.scheduled = TimePoint::max();
  node.up = node.current = 0;
  by_id_[id] = static_cast<uint32_t>(index);
  at_endpoint_[endpoint] = static_cast<uint32_t>(index);
  ++running_;
  std::vector<transport::SwimNodeRef> seed_endpoints;
  for (size_t seed : seeds)
    seed_endpoints.push_back(transport::make_swim_node(0, "", endpoint_of(seed)));
  if (name.empty()) name = absl::StrCat("node-", index);
  node.swim->start(transport::make_swim_node(id, std::move(name), endpoint),
                   std::move(seed_endpoints), now_);
  settle(index);
  return index;
}

void SwimSimulation::crash(size_t index) {
  Node& node = nodes_[index];
  if (!node.running) return;
  node.running = false;
  --running_;
  by_id_.erase(node.id);
  up_total_ -= node.up;
  current_total_ -= node.current;
  // Those that have it up count it no longer as a node that runs.
  for (Node& other : nodes_) {
    if (other.running && other.swim->is_up(node.id)) {
      --other.current;
      --current_total_;
    }
  }
  node.swim.reset();
}

void SwimSimulation::leave(size_t index) {
  if (!nodes_[index].running) return;
  nodes_[index].swim->leave(now_);
  settle(index);
  crash(index);
}

void SwimSimulation::inject(size_t index, const SwimMessage& message) {
  if (!nodes_[index].running) return;
  nodes_[index].swim->on_message(message, now_);
  settle(index);
}

bool SwimSimulation::current(uint32_t id) const {
  return by_id_.contains(id);
}

bool SwimSimulation::converged() const {
  const uint64_t pairs = uint64_t{running_} * (running_ == 0 ? 0 : running_ - 1);
  return up_total_ == pairs && current_total_ == pairs;
}

void SwimSimulation::count(size_t index, const Swim::Event& event, int sign) {
  Node& node = nodes_[index];
  node.up += sign;
  up_total_ += sign;
  if (current(event.node->id)) {
    node.current += sign;
    current_total_ += sign;
  }
}

void SwimSimulation::settle(size_t index) {
  Node& node = nodes_[index];
  for (Swim::Outgoing& outgoing : node.swim->take_messages()) deliver(index, std::move(outgoing));
  for (const Swim::Event& event : node.swim->take_events()) {
    if (event.kind == Swim::Event::Kind::kUp) count(index, event, 1);
    if (event.kind == Swim::Event::Kind::kDown) count(index, event, -1);
    if (observer_) observer_(index, event);
  }
  const TimePoint next = std::max(node.swim->next_deadline(), now_);
  if (next < node.scheduled) {
    node.scheduled = next;
    push(next, static_cast<uint32_t>(index), kTick);
  }
}

void SwimSimulation::deliver(size_t from, Swim::Outgoing outgoing) {
  ++counters_.messages;
  ++counters_.by_kind[static_cast<size_t>(outgoing.message.kind) % 10];
  counters_.updates += outgoing.message.updates.size();
  if (measure_bytes_) counters_.bytes += transport::encode_swim(outgoing.message).size();
  auto it = at_endpoint_.find(outgoing.to->endpoint);
  const size_t to = it == at_endpoint_.end() ? from : it->second;
  auto group = [&](size_t i) { return i < groups_.size() ? groups_[i] : 0; };
  Verdict verdict;
  if (filter_ && to != from) verdict = filter_(from, to, outgoing.message);
  if (to == from || verdict.drop || group(from) != group(to) || random_.chance(options_.loss)) {
    ++counters_.dropped;
    return;
  }
  const Duration latency =
      options_.latency +
      Duration(options_.jitter.count() == 0
                   ? 0
                   : static_cast<int64_t>(random_.next() %
                                          static_cast<uint64_t>(options_.jitter.count())));
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(in_flight_.size());
    in_flight_.push_back(std::move(outgoing.message));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    in_flight_[slot] = std::move(outgoing.message);
  }
  push(now_ + latency + verdict.delay, static_cast<uint32_t>(to), slot);
}

void SwimSimulation::push(TimePoint at, uint32_t node, uint32_t slot) {
  steps_.push(Step{at, next_seq_++, node, slot});
}

void SwimSimulation::step(const Step& step) {
  now_ = step.at;
  Node& node = nodes_[step.node];
  if (step.slot == kTick) {
    if (!node.running || step.at != node.scheduled) return;
    node.scheduled = TimePoint::max();
    node.swim->tick(now_);
  } else {
    SwimMessage message = std::move(in_flight_[step.slot]);
    in_flight_[step.slot] = SwimMessage{};
    free_slots_.push_back(step.slot);
    if (!node.running) {
      ++counters_.dropped;
      return;
    }
    node.swim->on_message(message, now_);
  }
  settle(step.node);
}

void SwimSimulation::run_until(TimePoint until) {
  while (!steps_.empty() && steps_.top().at <= until) {
    const Step next = steps_.top();
    steps_.pop();
    step(next);
  }
  now_ = std::max(now_, until);
}

bool SwimSimulation::run_until(const std::function<bool()>& done, TimePoint limit) {
  if (done()) return true;
  while (!steps_.empty() && steps_.top().at <= limit) {
    const Step next = steps_.top();
    steps_.pop();
    step(next);
    if (done()) return true;
  }
  now_ = std::max(now_, limit);
  return false;
}

}  // namespace bossa
