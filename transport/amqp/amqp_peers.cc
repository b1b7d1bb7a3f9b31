#include "transport/amqp/amqp_peers.h"

#include <algorithm>

namespace bossa::transport {
namespace {

constexpr size_t kMaxGoneIds = 4096;

}  // namespace

AmqpPeers::Heard AmqpPeers::heard(const NodeIdentity& node, uint64_t session,
                                  Clock::time_point now) {
  Heard heard;
  if (gone_.contains(node.id)) {
    heard.stale = true;
    return heard;
  }
  if (auto it = peers_.find(node.id); it != peers_.end()) {
    Peer& peer = it->second;
    if (session < peer.first_session) {
      heard.stale = true;
      return heard;
    }
    // A message that waited in a queue is a sign of life all the same: it never shortens a
    // deadline set after a reconnection.
    peer.deadline = std::max(peer.deadline, now + down_after_);
    if (session > peer.session) {
      peer.session = sessions_[node.id] = session;
      heard.reconnected = true;
    }
    return heard;
  }
  if (auto known = sessions_.find(node.id); known != sessions_.end() && session < known->second) {
    heard.stale = true;
    return heard;
  }
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (it->second.node.name == node.name) {
      heard.replaced.push_back(it->second.node);
      bury(it->first);
      peers_.erase(it++);
    } else {
      ++it;
    }
  }
  peers_.emplace(node.id, Peer{node, session, session, now + down_after_, std::nullopt});
  sessions_[node.id] = session;
  ++epochs_[node.id];
  heard.came_up = true;
  return heard;
}

void AmqpPeers::heard_all(Clock::time_point now) {
  for (auto& [id, peer] : peers_) peer.deadline = std::max(peer.deadline, now + down_after_);
}

void AmqpPeers::expect_all(Clock::time_point deadline) {
  for (auto& [id, peer] : peers_) peer.deadline = std::max(peer.deadline, deadline);
}

AmqpPeers::Hello AmqpPeers::hello(uint32_t id, uint64_t epoch) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return Hello::kSame;
  std::optional<uint64_t>& paired = it->second.paired;
  if (!paired) {
    paired = epoch;
    return Hello::kFirst;
  }
  if (epoch <= *paired) return Hello::kSame;
  paired = epoch;
  return Hello::kRenewed;
}

std::optional<NodeIdentity> AmqpPeers::renew(uint32_t id, bool ours) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return std::nullopt;
  if (ours) {
    // The node's next hello pairs the new incarnation, whatever its epoch: it may have broken off
    // too meanwhile, and then neither has to start over again.
    ++epochs_[id];
    it->second.paired.reset();
  }
  return it->second.node;
}

uint64_t AmqpPeers::epoch(uint32_t id) const {
  auto it = epochs_.find(id);
  return it == epochs_.end() ? 0 : it->second;
}

std::optional<NodeIdentity> AmqpPeers::remove(uint32_t id, bool left) {
  if (left) bury(id);
  auto it = peers_.find(id);
  if (it == peers_.end()) return std::nullopt;
  NodeIdentity node = std::move(it->second.node);
  peers_.erase(it);
  return node;
}

std::vector<NodeIdentity> AmqpPeers::remove_silent(Clock::time_point now) {
  std::vector<NodeIdentity> silent;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (it->second.deadline < now) {
      silent.push_back(std::move(it->second.node));
      peers_.erase(it++);
    } else {
      ++it;
    }
  }
  return silent;
}

std::vector<NodeIdentity> AmqpPeers::remove_all() {
  std::vector<NodeIdentity> all = nodes();
  peers_.clear();
  return all;
}

std::vector<NodeIdentity> AmqpPeers::nodes() const {
  std::vector<NodeIdentity> nodes;
  nodes.reserve(peers_.size());
  for (const auto& [id, peer] : peers_) nodes.push_back(peer.node);
  return nodes;
}

void AmqpPeers::bury(uint32_t id) {
  if (gone_.size() >= kMaxGoneIds) gone_.clear();
  gone_.insert(id);
  sessions_.erase(id);
  epochs_.erase(id);
}

}  // namespace bossa::transport
