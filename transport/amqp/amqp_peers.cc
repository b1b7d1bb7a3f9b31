#include "transport/amqp/amqp_peers.h"

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
  if (auto known = sessions_.find(node.id); known != sessions_.end() && session < known->second) {
    heard.stale = true;
    return heard;
  }
  if (auto it = peers_.find(node.id); it != peers_.end()) {
    it->second.last_heard = now;
    if (session > it->second.session) {
      it->second.session = session;
      sessions_[node.id] = session;
      heard.reconnected = true;
      heard.came_up = true;
    }
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
  peers_.emplace(node.id, Peer{node, session, now});
  sessions_[node.id] = session;
  heard.came_up = true;
  return heard;
}

void AmqpPeers::heard_all(Clock::time_point now) {
  for (auto& [id, peer] : peers_) peer.last_heard = now;
}

std::optional<NodeIdentity> AmqpPeers::remove(uint32_t id, bool left) {
  if (left) bury(id);
  auto it = peers_.find(id);
  if (it == peers_.end()) return std::nullopt;
  NodeIdentity node = std::move(it->second.node);
  peers_.erase(it);
  return node;
}

std::vector<NodeIdentity> AmqpPeers::remove_silent(Clock::time_point deadline) {
  std::vector<NodeIdentity> silent;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (it->second.last_heard < deadline) {
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
}

}  // namespace bossa::transport
