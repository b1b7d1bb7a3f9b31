#include "transport/local/local_network.h"

#include "absl/strings/str_cat.h"
#include "transport/local/local_inbox.h"

namespace bossa::transport {

absl::Status LocalNetwork::join(const NodeIdentity& node, LocalInbox& inbox) {
  MutexLock lock(mutex_);
  for (const auto& [id, member] : members_) {
    if (id == node.id || member.identity.name == node.name) {
      return absl::AlreadyExistsError(absl::StrCat("local network '", name_, "' already has node '",
                                                   member.identity.name, "' (id ", id, ")"));
    }
  }
  for (const auto& [id, member] : members_) {
    member.inbox->post_node_up(node);
    inbox.post_node_up(member.identity);
  }
  members_.emplace(node.id, Member{node, &inbox});
  return absl::OkStatus();
}

void LocalNetwork::leave(uint32_t node, std::string_view reason) {
  MutexLock lock(mutex_);
  auto it = members_.find(node);
  if (it == members_.end()) return;
  const NodeIdentity identity = it->second.identity;
  members_.erase(it);
  for (const auto& [id, member] : members_) member.inbox->post_node_down(identity, reason);
}

void LocalNetwork::cut(uint32_t node) {
  MutexLock lock(mutex_);
  auto it = members_.find(node);
  if (it == members_.end()) return;
  const Member cut_off = it->second;
  members_.erase(it);
  for (const auto& [id, member] : members_) {
    member.inbox->post_node_down(cut_off.identity, "connection lost");
    cut_off.inbox->post_node_down(member.identity, "connection lost");
  }
}

absl::Status LocalNetwork::send(uint32_t from, uint32_t to, std::string_view bytes) {
  MutexLock lock(mutex_);
  auto it = members_.find(to);
  if (it == members_.end() || !members_.contains(from)) {
    return absl::UnavailableError(
        absl::StrCat("node ", to, " is not up in local network '", name_, "'"));
  }
  it->second.inbox->post_envelope(from, std::string(bytes));
  return absl::OkStatus();
}

void LocalNetwork::broadcast(uint32_t from, std::string_view bytes) {
  MutexLock lock(mutex_);
  if (!members_.contains(from)) return;
  for (const auto& [id, member] : members_) {
    if (id != from) member.inbox->post_envelope(from, std::string(bytes));
  }
}

std::vector<NodeIdentity> LocalNetwork::nodes_except(uint32_t node) const {
  MutexLock lock(mutex_);
  std::vector<NodeIdentity> nodes;
  for (const auto& [id, member] : members_) {
    if (id != node) nodes.push_back(member.identity);
  }
  return nodes;
}

}  // namespace bossa::transport
