#include "transport/native/membership.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace bossa::transport {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kSeedHelloPeriod{1};
// How long a peer declared down is greeted again, in case it comes back (a partition that heals,
// a frozen process that resumes).
constexpr auto kRegreetDeclaredDownFor = std::chrono::minutes(10);
// Connections a node keeps at most: a Hello listing more new endpoints than that is not followed.
// It bounds the peers remembered as declared down too.
constexpr size_t kMaxLinks = 1024;
// How long a node without members waits for its seeds before it says so, and then how often.
constexpr auto kSeedWaitLogInterval = std::chrono::seconds(10);
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
  alone_since_ = now;
  next_seed_log_ = now + kSeedWaitLogInterval;
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
  const NativeMember& peer = hello->self;
  if (peer.identity.id != header.sender || peer.identity.id == self_.id ||
      peer.identity.name == self_.name) {
    handler_->on_rejected(absl::StrCat("a Hello from node ", header.sender, " introducing node '",
                                       peer.identity.name, "' (", peer.identity.id,
                                       "): another sender's, or this node's own name or id"));
    return;
  }
  const auto now = Clock::now();
  take_notice(*hello);
  if (!answer) {
    if (!hello->refused.empty()) {
      handler_->on_join_refused(absl::StrCat("node '", peer.identity.name, "' (", peer.identity.id,
                                             ") refused this node (", self_.id,
                                             "): ", hello->refused));
      return;
    }
    // A peer this node declared down comes back only through a reply to a Hello that told it so:
    // it has then dropped this node too. An older reply gets the reminder.
    if (auto it = declared_down_.find(peer.identity.id);
        it != declared_down_.end() && hello->echo_episode != it->second.episode) {
      (void)on_stranger(peer.identity.id, now);
      return;
    }
  }
  if (std::optional<NativeMember> namesake = running_namesake(peer, now)) {
    const std::string why =
        absl::StrCat("node name '", peer.identity.name, "' is taken by node ",
                     namesake->identity.id, " at ", namesake->endpoint, ", a running member; node ",
                     peer.identity.id, " at ", peer.endpoint, " is refused");
    if (answer) {
      NativeHello reply = hello_to(peer.identity.id);
      reply.refused = why;
      link_to(peer.endpoint)->send_control(NativeKind::kHelloReply, encode_hello(reply));
    }
    handler_->on_rejected(absl::StrCat("a Hello from node ", peer.identity.id, ": ", why));
    return;
  }
  // An earlier run of this node (same name or same endpoint, another id) goes first, so that the
  // answer and what follows travel a fresh connection.
  drop_replaced(peer);
  // A member greets only a node it does not take for a member: its link here is new, and so is
  // the count of what came over it.
  if (answer) liveness_.restart_count(peer.identity.id);
  // The answer goes first, on both connections: on each it then precedes anything node-up makes
  // us send, so the peer knows us before our first envelope arrives.
  if (answer) {
    NativeHello reply = hello_to(peer.identity.id);
    if (hello->down_node == self_.id) reply.echo_episode = hello->down_episode;
    std::shared_ptr<NativeLink> link = link_to(peer.endpoint);
    std::string bytes = encode_hello(reply);
    link->send_on_data(NativeKind::kHelloReply, bytes);
    link->send_control(NativeKind::kHelloReply, std::move(bytes));
  }
  add(peer);
  for (const NativeMember& other : hello->members) {
    if (other.identity.id == self_.id || other.identity.name == self_.name) continue;
    bool known;
    {
      SharedLock lock(mutex_);
      known = members_.contains(other.identity.id);
    }
    if (known || running_namesake(other, now)) continue;
    if (!links_.contains(other.endpoint) && links_.size() >= kMaxLinks) {
      handler_->on_rejected(absl::StrCat("a member ", other.endpoint, " named by node ",
                                         header.sender, ": this node keeps at most ", kMaxLinks,
                                         " connections"));
      continue;
    }
    send_hello(other.identity.id, other.endpoint);
  }
}

void Membership::take_notice(const NativeHello& hello) {
  if (hello.down_node != self_.id || hello.down_episode == 0) return;
  const uint32_t peer = hello.self.identity.id;
  if (!notices_taken_.contains(peer) && notices_taken_.size() >= 2 * kMaxLinks) {
    // Bounded whatever ids Hellos claim: only members' and declared-down peers' numbers matter.
    SharedLock lock(mutex_);
    absl::erase_if(notices_taken_, [this](const auto& entry) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return !members_.contains(entry.first) && !declared_down_.contains(entry.first);
    });
  }
  uint64_t& taken = notices_taken_[peer];
  if (hello.down_episode <= taken) return;
  taken = hello.down_episode;
  drop(peer, DropCause::kDeclaredDown,
       absl::StrCat("node '", hello.self.identity.name, "' declared this node down"));
}

bool Membership::on_stranger(uint32_t id, TimePoint now) {
  auto it = declared_down_.find(id);
  if (it == declared_down_.end()) return false;
  if (now >= it->second.next_reminder) {
    it->second.next_reminder = now + absl::ToChronoNanoseconds(config_.heartbeat_interval);
    send_hello(id, it->second.endpoint);
  }
  return true;
}

std::optional<NativeMember> Membership::running_namesake(const NativeMember& member,
                                                         TimePoint now) const {
  SharedLock lock(mutex_);
  for (const auto& [id, known] : members_) {
    if (id != member.identity.id && known.member.identity.name == member.identity.name &&
        liveness_.heard_lately(id, now)) {
      return known.member;
    }
  }
  return std::nullopt;
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
  for (uint32_t id : replaced) drop(id, DropCause::kReplaced, "restarted");
}

void Membership::add(const NativeMember& member) {
  {
    SharedLock lock(mutex_);
    if (members_.contains(member.identity.id)) {
      (void)liveness_.heard(member.identity.id, Clock::now());
      return;
    }
  }
  declared_down_.erase(member.identity.id);
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

void Membership::drop(uint32_t id, DropCause cause, std::string_view reason) {
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
  // A peer that went silent may come back when the network heals: keep greeting it a while, and
  // tell it that it was declared down.
  if (cause == DropCause::kDeclaredDown) {
    if (declared_down_.size() >= kMaxLinks) {
      declared_down_.erase(std::min_element(
          declared_down_.begin(), declared_down_.end(),
          [](const auto& a, const auto& b) { return a.second.until < b.second.until; }));
    }
    const auto now = Clock::now();
    declared_down_[id] =
        DeclaredDown{gone.member.endpoint, next_episode_++, now + kRegreetDeclaredDownFor, now};
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
    drop(id, DropCause::kDeclaredDown,
         absl::StrCat("its control queue stayed full for ",
                      absl::FormatDuration(config_.node_down_after)));
  }
}

void Membership::greet(TimePoint now) {
  if (now < next_greeting_) return;
  next_greeting_ = now + kSeedHelloPeriod;
  absl::erase_if(declared_down_, [now](const auto& entry) { return entry.second.until <= now; });
  absl::flat_hash_set<std::string> greeted;
  for (const auto& [id, down] : declared_down_) {
    send_hello(id, down.endpoint);
    greeted.insert(down.endpoint);
  }
  std::vector<std::string> waiting_for;
  for (const std::string& seed : config_.seeds) {
    if (seed == endpoint_ || seed == config_.listen || has_member_at(seed)) continue;
    waiting_for.push_back(seed);
    if (greeted.insert(seed).second) send_hello(0, seed);
  }
  bool alone;
  {
    SharedLock lock(mutex_);
    alone = members_.empty();
  }
  if (!alone || waiting_for.empty()) {
    alone_since_ = now;
    next_seed_log_ = now + kSeedWaitLogInterval;
  } else if (now >= next_seed_log_) {
    next_seed_log_ = now + kSeedWaitLogInterval;
    handler_->on_connection_log(
        absl::StrCat("no seed has answered in ",
                     std::chrono::duration_cast<std::chrono::seconds>(now - alone_since_).count(),
                     " s; still greeting ", absl::StrJoin(waiting_for, ", "), " every second"));
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

NativeHello Membership::hello_to(uint32_t to) const {
  NativeHello hello{.self = NativeMember{self_, endpoint_}};
  if (auto it = declared_down_.find(to); to != 0 && it != declared_down_.end()) {
    hello.down_node = to;
    hello.down_episode = it->second.episode;
  }
  SharedLock lock(mutex_);
  for (const auto& [id, member] : members_) hello.members.push_back(member.member);
  return hello;
}

void Membership::send_hello(uint32_t to, const std::string& endpoint) {
  link_to(endpoint)->send_control(NativeKind::kHello, encode_hello(hello_to(to)));
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
