#include "transport/native/membership.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace bossa::transport {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kSeedHelloPeriod{1};
// How long a peer that went silent is greeted again, in case it comes back.
constexpr auto kRegreetFormerMembersFor = std::chrono::seconds(60);
// Connections a node keeps at most: a Hello listing more new endpoints than that is not followed.
constexpr size_t kMaxLinks = 1024;
// What a closing link may still flush to a peer that is up.
constexpr int kLingerOnLeaveMs = 500;

absl::Status not_up(uint32_t id) {
  return absl::UnavailableError(absl::StrCat("node ", id, " is not up"));
}

}  // namespace

Membership::Membership(const TransportConfig& config, Liveness& liveness)
    : config_(config), liveness_(liveness) {}

void Membership::start(const NodeIdentity& self, std::string endpoint, const LinkContext& links,
                       TransportHandler& handler, TimePoint now) {
  self_ = self;
  endpoint_ = std::move(endpoint);
  link_context_.emplace(links);
  handler_ = &handler;
  next_greeting_ = now;
}

absl::Status Membership::send(uint32_t to, std::string_view envelope, Lane lane) {
  if (lane == Lane::kControl) {
    std::shared_ptr<NativeLink> link;
    {
      SharedLock lock(mutex_);
      auto it = members_.find(to);
      if (it == members_.end()) return not_up(to);
      link = it->second.link;
    }
    absl::Status sent = link->send_control_envelope(envelope);
    if (absl::IsUnavailable(sent)) return not_up(to);
    return sent;
  }
  // While the members' lock is held the member's link stays. Most sends only append to its batch
  // under that lock; one that may wait, or that hands the link on, takes a reference to it and
  // lets the lock go, so that the receive thread is never kept from changing the members for long.
  SharedLock lock(mutex_);
  auto it = members_.find(to);
  if (it == members_.end()) return not_up(to);
  NativeLink& link = *it->second.link;
  std::shared_ptr<NativeLink> kept;
  // Lets the lock go from inside link.send(), where the analysis cannot follow it.
  const LinkBatcher::SendResult sent = link.send(envelope, [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (lock.owns_lock()) {
      kept = it->second.link;
      lock.unlock();
    }
  });
  switch (sent) {
    case LinkBatcher::SendResult::kQueued:
      return absl::OkStatus();
    case LinkBatcher::SendResult::kNoRoom:
      return absl::ResourceExhaustedError(
          absl::StrCat("node ", to, " has not read its queue for ",
                       absl::FormatDuration(config_.node_down_after)));
    case LinkBatcher::SendResult::kClosed:
      break;
  }
  return not_up(to);
}

std::vector<NodeIdentity> Membership::nodes() const {
  SharedLock lock(mutex_);
  std::vector<NodeIdentity> nodes;
  nodes.reserve(members_.size());
  for (const auto& [id, member] : members_) nodes.push_back(member.member.identity);
  return nodes;
}

void Membership::on_hello(const NativeHeader& header, std::string_view body, bool answer) {
  absl::StatusOr<NativeHello> hello = decode_hello(body);
  if (!hello.ok()) {
    handler_->on_rejected(absl::StrCat("a Hello from node ", header.sender,
                                       " that does not decode: ", hello.status().message()));
    return;
  }
  if (hello->self.identity.id != header.sender || hello->self.identity.id == self_.id ||
      hello->self.identity.name == self_.name) {
    handler_->on_rejected(absl::StrCat("a Hello from node ", header.sender, " introducing node '",
                                       hello->self.identity.name, "' (", hello->self.identity.id,
                                       "): another sender's, or this node's own name or id"));
    return;
  }
  // An earlier run of this node (same name or same endpoint, another id) goes first, so that the
  // answer and what follows travel a fresh connection.
  drop_replaced(hello->self);
  // A member greets only a node it does not take for a member: its link here is new, and so is
  // the count of what came over it.
  if (answer) liveness_.restart_count(hello->self.identity.id);
  // The answer goes first, on both connections: on each it then precedes anything node-up makes
  // us send, so the peer knows us before our first envelope arrives.
  if (answer) {
    std::shared_ptr<NativeLink> link = link_to(hello->self.endpoint);
    std::string reply = encode_hello(this->hello());
    link->send_on_data(NativeKind::kHelloReply, reply);
    link->send_control(NativeKind::kHelloReply, std::move(reply));
  }
  add(hello->self);
  for (const NativeMember& other : hello->members) {
    if (other.identity.id == self_.id || other.identity.name == self_.name) continue;
    bool known;
    {
      SharedLock lock(mutex_);
      known = members_.contains(other.identity.id);
    }
    if (known) continue;
    if (!links_.contains(other.endpoint) && links_.size() >= kMaxLinks) {
      handler_->on_rejected(absl::StrCat("a member ", other.endpoint, " named by node ",
                                         header.sender, ": this node keeps at most ", kMaxLinks,
                                         " connections"));
      continue;
    }
    link_to(other.endpoint)->send_control(NativeKind::kHello, encode_hello(this->hello()));
  }
}

void Membership::drop_replaced(const NativeMember& member) {
  std::vector<uint32_t> replaced;
  {
    SharedLock lock(mutex_);
    for (const auto& [id, known] : members_) {
      if (id != member.identity.id && (known.member.identity.name == member.identity.name ||
                                       known.member.endpoint == member.endpoint)) {
        replaced.push_back(id);
      }
    }
  }
  for (uint32_t id : replaced) drop(id, "restarted");
}

void Membership::add(const NativeMember& member) {
  {
    SharedLock lock(mutex_);
    if (members_.contains(member.identity.id)) {
      (void)liveness_.heard(member.identity.id, Clock::now());
      return;
    }
  }
  former_.erase(member.endpoint);
  std::shared_ptr<NativeLink> link = link_to(member.endpoint);
  // The data connection speaks at once, so that it is bound to this node (sender_binding.h)
  // before any other connection could claim the node's id.
  link->send_on_data(NativeKind::kHeartbeat, {});
  {
    MutexLock lock(mutex_);
    members_.emplace(member.identity.id, Member{member, std::move(link)});
  }
  liveness_.watch(member.identity.id, Clock::now());
  handler_->on_node_up(member.identity);
}

void Membership::drop(uint32_t id, std::string_view reason) {
  Member gone;
  {
    MutexLock lock(mutex_);
    auto it = members_.find(id);
    if (it == members_.end()) return;
    gone = std::move(it->second);
    members_.erase(it);
  }
  liveness_.forget(id);
  links_.erase(gone.member.endpoint);
  gone.link->close(0);
  const DeliveryTally tally = gone.link->tally();
  // A peer that went silent may come back when the network heals: keep greeting it a while.
  if (reason != "left" && reason != "restarted") {
    former_[gone.member.endpoint] = Clock::now() + kRegreetFormerMembersFor;
  }
  handler_->on_node_down(gone.member.identity, reason, tally);
}

void Membership::on_ack(uint32_t id, uint64_t ack) {
  std::shared_ptr<NativeLink> link;
  {
    SharedLock lock(mutex_);
    auto it = members_.find(id);
    if (it == members_.end()) return;
    link = it->second.link;
  }
  if (!link->on_ack(ack)) {
    handler_->on_rejected(absl::StrCat("an ack of ", ack, " envelopes from node ", id,
                                       ", more than its link accepted"));
  }
}

void Membership::send_heartbeats(const std::vector<uint32_t>& ids) {
  std::vector<std::pair<uint32_t, std::shared_ptr<NativeLink>>> links;
  std::vector<uint32_t> stuck;
  {
    SharedLock lock(mutex_);
    for (uint32_t id : ids) {
      auto it = members_.find(id);
      if (it == members_.end()) continue;
      if (it->second.link->stuck()) {
        stuck.push_back(id);
      } else {
        links.emplace_back(id, it->second.link);
      }
    }
  }
  for (const auto& [id, link] : links) {
    link->send_control(NativeKind::kHeartbeat, encode_ack(liveness_.received_from(id)));
  }
  for (uint32_t id : stuck) {
    drop(id, absl::StrCat("its control queue stayed full for ",
                          absl::FormatDuration(config_.node_down_after)));
  }
}

void Membership::greet(TimePoint now) {
  if (now < next_greeting_) return;
  next_greeting_ = now + kSeedHelloPeriod;
  absl::erase_if(former_, [now](const auto& entry) { return entry.second <= now; });
  std::vector<std::string> to_greet = config_.seeds;
  for (const auto& [endpoint, until] : former_) to_greet.push_back(endpoint);
  for (const std::string& endpoint : to_greet) {
    if (endpoint == endpoint_ || endpoint == config_.listen || has_member_at(endpoint)) continue;
    link_to(endpoint)->send_control(NativeKind::kHello, encode_hello(hello()));
  }
}

bool Membership::has_member_at(const std::string& endpoint) const {
  SharedLock lock(mutex_);
  for (const auto& [id, known] : members_) {
    if (known.member.endpoint == endpoint) return true;
  }
  return false;
}

void Membership::stop() {
  MutexLock lock(mutex_);
  for (auto& [id, member] : members_) {
    // The rest of a batch the peer's full queue refused, if any, then, if all of that left, what
    // was batched after it: never later envelopes without the earlier ones.
    if (member.link->flush()) (void)member.link->flush();
    // Bye goes behind the last batch, on its connection: the peer reads every envelope first.
    member.link->send_on_data(NativeKind::kBye, encode_ack(liveness_.received_from(id)));
  }
  members_.clear();
  liveness_.forget_all();
  for (auto& [endpoint, link] : links_) link->close(kLingerOnLeaveMs);
  links_.clear();
}

NativeHello Membership::hello() const {
  NativeHello hello{NativeMember{self_, endpoint_}, {}};
  SharedLock lock(mutex_);
  for (const auto& [id, member] : members_) hello.members.push_back(member.member);
  return hello;
}

uint64_t Membership::data_accepted(uint32_t to) const {
  std::shared_ptr<NativeLink> link;
  {
    SharedLock lock(mutex_);
    auto it = members_.find(to);
    if (it == members_.end()) return 0;
    link = it->second.link;
  }
  return link->data_accepted();
}

std::shared_ptr<NativeLink> Membership::link_to(const std::string& endpoint) {
  auto [it, inserted] = links_.try_emplace(endpoint);
  if (inserted) it->second = std::make_shared<NativeLink>(*link_context_, endpoint);
  return it->second;
}

}  // namespace bossa::transport
