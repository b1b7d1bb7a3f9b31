#include "transport/native/membership.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace bossa::transport {
namespace {

using Clock = std::chrono::steady_clock;

// What a closing link may still flush to a peer that is up.
constexpr int kLingerOnLeaveMs = 500;
// A link that carried nothing for this long, everything it carried acknowledged, is closed: the
// links to the members a node probes in turn do not pile up.
constexpr auto kIdleLinkAfter = std::chrono::seconds(5);
constexpr auto kIdleCheckPeriod = std::chrono::seconds(1);
constexpr auto kMemoryReleasePeriod = std::chrono::seconds(10);
// How long a member the protocol says left may still deliver what it sent before its Bye.
constexpr auto kLeftGrace = std::chrono::seconds(2);
// How long a node without members waits for its seeds before it says so, and then how often.
constexpr auto kSeedWaitLogInterval = std::chrono::seconds(10);

const std::string kNoKey;

absl::Status not_up(uint32_t id) {
  return absl::UnavailableError(absl::StrCat("node ", id, " is not up"));
}

SwimMembership::Config swim_config(const TransportConfig& config) {
  SwimMembership::Config swim;
  swim.protocol_period = config.heartbeat_interval;
  return swim;
}

}  // namespace

Membership::Membership(const TransportConfig& config)
    : config_(config), swim_(swim_config(config), std::random_device{}()) {}

void Membership::start(const NodeIdentity& self, std::string endpoint, const LinkContext& links,
                       TransportHandler& handler, TimePoint now) {
  self_ = self;
  endpoint_ = std::move(endpoint);
  link_context_.emplace(links);
  handler_ = &handler;
  next_acks_ = now;
  next_idle_check_ = now + kIdleCheckPeriod;
  alone_since_ = now;
  next_seed_log_ = now + kSeedWaitLogInterval;
  // Without security no key is told or asked for; with it, a seed named without its key holds
  // this node's own (a cluster sharing one key pair).
  const std::string& own_key = links.secret_key.empty() ? kNoKey : config_.public_key;
  std::vector<SwimNodeRef> seeds;
  for (const std::string& text : config_.seeds) {
    std::optional<Seed> seed = parse_seed(text);
    if (!seed) {
      handler.on_connection_log(absl::StrCat("seed '", text, "' is not KEY@ENDPOINT: skipped"));
      continue;
    }
    if (seed->endpoint == endpoint_ || seed->endpoint == config_.listen) continue;
    std::string key = own_key.empty() || !seed->key.empty() ? std::move(seed->key) : own_key;
    seeds.push_back(make_swim_node(0, "", std::move(seed->endpoint), std::move(key)));
  }
  swim_.start(make_swim_node(self.id, self.name, endpoint_, own_key), std::move(seeds), now);
  drain(now);
}

absl::Status Membership::send(uint32_t to, std::string_view envelope, Lane lane) {
  if (lane == Lane::kData) {
    // While the members' lock is held the member's link stays. Most sends only append to its
    // batch under that lock; one that may wait, or that hands the link on, takes a reference to
    // it and lets the lock go, so that the receive thread is never kept from changing the members
    // for long.
    SharedLock lock(mutex_);
    auto it = members_.find(to);
    if (it == members_.end()) return not_up(to);
    if (it->second.link != nullptr) {
      std::shared_ptr<NativeLink> kept;
      // Lets the lock go from inside link.send(), where the analysis cannot follow it.
      const LinkBatcher::SendResult sent =
          it->second.link->send(envelope, [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
            if (lock.owns_lock()) {
              kept = it->second.link;
              lock.unlock();
            }
          });
      // Closed as idle, or the member went: a new link below if it is still a member.
      if (sent != LinkBatcher::SendResult::kClosed) return status_of(to, sent);
    }
  }
  // The member has no link (or its link just closed): one is opened.
  std::shared_ptr<NativeLink> link = member_link(to);
  if (link == nullptr) return not_up(to);
  if (lane == Lane::kControl) {
    absl::Status sent = link->send_control_envelope(envelope);
    if (absl::IsUnavailable(sent)) {
      link = member_link(to);  // closed as idle meanwhile
      sent = link == nullptr ? not_up(to) : link->send_control_envelope(envelope);
    }
    return absl::IsUnavailable(sent) ? not_up(to) : sent;
  }
  return status_of(to, link->send(envelope, [] {}));
}

absl::Status Membership::status_of(uint32_t to, LinkBatcher::SendResult sent) const {
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

std::shared_ptr<NativeLink> Membership::member_link(uint32_t to) {
  {
    SharedLock lock(mutex_);
    auto it = members_.find(to);
    if (it == members_.end()) return nullptr;
    if (it->second.link != nullptr && !it->second.link->closed()) return it->second.link;
  }
  MutexLock lock(mutex_);
  auto it = members_.find(to);
  if (it == members_.end()) return nullptr;
  Member& member = it->second;
  if (member.link == nullptr || member.link->closed()) {
    member.link = link_to(member.endpoint, member.key);
  }
  introduce(*member.link);
  return member.link;
}

std::shared_ptr<NativeLink> Membership::link_to(const std::string& endpoint,
                                                const std::string& key) {
  auto [it, inserted] = links_.try_emplace(endpoint);
  // A link to the endpoint that expects another key was to a node that ran there before.
  if (!inserted && !it->second->closed() && it->second->server_key() != key) it->second->close(0);
  if (inserted || it->second->closed()) {
    it->second = std::make_shared<NativeLink>(*link_context_, endpoint, key);
  }
  return it->second;
}

void Membership::introduce(NativeLink& link) {
  if (!link.begin_introduction()) return;
  SwimMessage intro;
  intro.kind = SwimKind::kGossip;
  intro.sender = swim_.self();
  intro.incarnation = swim_.incarnation();
  intro.epoch = swim_.epoch();
  std::string bytes = encode_swim(intro);
  link.send_on_data(NativeKind::kSwim, bytes);
  link.send_control(NativeKind::kSwim, std::move(bytes));
}

std::vector<NodeIdentity> Membership::nodes() const {
  SharedLock lock(mutex_);
  std::vector<NodeIdentity> nodes;
  nodes.reserve(members_.size());
  for (const auto& [id, member] : members_) nodes.push_back(member.identity);
  return nodes;
}

uint64_t Membership::data_accepted(uint32_t to) const {
  SharedLock lock(mutex_);
  auto it = members_.find(to);
  if (it == members_.end()) return 0;
  const Member& member = it->second;
  return member.data_before + (member.link != nullptr ? member.link->data_accepted() : 0);
}

bool Membership::is_member(uint32_t id) const {
  SharedLock lock(mutex_);
  return members_.contains(id);
}

std::string Membership::key_of(uint32_t id) const {
  SharedLock lock(mutex_);
  auto it = members_.find(id);
  return it == members_.end() ? std::string() : it->second.key;
}

Membership::Speaker Membership::speaks_as(uint32_t id, std::string_view key) const {
  SharedLock lock(mutex_);
  auto it = members_.find(id);
  if (it == members_.end()) return Speaker::kStranger;
  return it->second.key == key ? Speaker::kMember : Speaker::kOtherKey;
}

void Membership::on_swim(uint32_t sender, std::string_view body, std::string_view key,
                         TimePoint now) {
  absl::StatusOr<SwimMessage> message = decode_swim(body);
  if (!message.ok()) {
    handler_->on_rejected(absl::StrCat("a membership message from node ", sender,
                                       " that does not decode: ", message.status().message()));
    return;
  }
  if (message->sender->id != sender) {
    handler_->on_rejected(absl::StrCat("a membership message from node ", sender,
                                       " speaking for node ", message->sender->id));
    return;
  }
  if (message->sender->key != key || speaks_as(sender, key) == Speaker::kOtherKey) {
    handler_->on_forged_sender(absl::StrCat("a membership message from node ", sender, " ('",
                                            message->sender->name,
                                            "') on a connection whose key is not the node's"));
    return;
  }
  swim_.on_message(*message, now);
  drain(now);
}

void Membership::received(uint32_t id, uint64_t envelopes) {
  SharedLock lock(mutex_);
  if (auto it = members_.find(id); it != members_.end()) {
    it->second.received += envelopes;
    acks_owed_ = true;
  }
}

void Membership::on_ack(uint32_t id, uint64_t ack) {
  bool counted;
  {
    SharedLock lock(mutex_);
    auto it = members_.find(id);
    if (it == members_.end()) return;
    Member& member = it->second;
    const uint64_t accepted =
        member.accepted_before + (member.link != nullptr ? member.link->accepted() : 0);
    counted = member.ledger.on_ack(ack, accepted);
  }
  if (!counted) {
    handler_->on_rejected(absl::StrCat("an ack of ", ack, " envelopes from node ", id,
                                       ", more than this node sent it"));
  }
}

void Membership::on_bye(uint32_t id) {
  drop(id, "left");
}

void Membership::tick(TimePoint now) {
  if (now >= swim_.next_deadline()) {
    swim_.tick(now);
    drain(now);
  }
  if (now >= next_acks_ && (acks_owed_ || leaving_)) {
    next_acks_ = now + absl::ToChronoNanoseconds(config_.heartbeat_interval);
    send_acks();
    drop_left(now);
  }
  // Not a deadline of its own: the protocol ticks at least once a period anyway.
  if (now >= next_idle_check_) {
    next_idle_check_ = now + kIdleCheckPeriod;
    if (close_idle_links()) memory_to_release_ = true;
    release_memory(now);
  }
  log_waiting_for_seeds(now);
}

// An idle node owes no ack and waits for no Bye: then only the protocol's deadlines wake it.
Membership::TimePoint Membership::next_deadline() const {
  if (!acks_owed_ && !leaving_) return swim_.next_deadline();
  return std::min(swim_.next_deadline(), next_acks_);
}

void Membership::woke(TimePoint deadline, TimePoint now) {
  swim_.on_late(now - deadline);
}

// Members that left and sent no Bye within kLeftGrace.
void Membership::drop_left(TimePoint now) {
  std::vector<uint32_t> gone;
  bool waiting = false;
  {
    SharedLock lock(mutex_);
    for (const auto& [id, member] : members_) {
      if (!member.left_at) continue;
      if (now - *member.left_at >= kLeftGrace) {
        gone.push_back(id);
      } else {
        waiting = true;
      }
    }
  }
  leaving_ = waiting;
  for (uint32_t id : gone) drop(id, "left");
}

void Membership::send_protocol_messages() {
  for (SwimMembership::Outgoing& out : swim_.take_messages()) {
    std::string bytes = encode_swim(out.message);
    std::shared_ptr<NativeLink> link;
    {
      MutexLock lock(mutex_);
      link = link_to(out.to->endpoint, out.to->key);
    }
    link->send_control(NativeKind::kSwim, std::move(bytes));
  }
}

void Membership::drain(TimePoint now) {
  send_protocol_messages();
  for (SwimMembership::Event& event : swim_.take_events()) {
    switch (event.kind) {
      case SwimMembership::Event::Kind::kUp:
        add(event.node);
        break;
      case SwimMembership::Event::Kind::kDown: {
        // A member that left may still have envelopes on their way, ahead of its Bye.
        bool wait_for_bye = false;
        if (swim_.status_of(event.node->id) == SwimStatus::kLeft) {
          MutexLock lock(mutex_);
          auto it = members_.find(event.node->id);
          if (it != members_.end() && it->second.received > 0) {
            it->second.left_at = now;
            wait_for_bye = true;
            leaving_ = true;
          }
        }
        if (!wait_for_bye) drop(event.node->id, event.reason);
        break;
      }
      case SwimMembership::Event::Kind::kDeclaredDown:
        handler_->on_connection_log(
            absl::StrCat("this node was declared down (", event.reason, "); it rejoins"));
        break;
      case SwimMembership::Event::Kind::kRefused:
        handler_->on_join_refused(event.reason);
        break;
    }
  }
}

void Membership::add(const SwimNodeRef& node) {
  const NodeIdentity identity{node->id, node->name};
  {
    MutexLock lock(mutex_);
    auto [it, inserted] = members_.try_emplace(node->id);
    if (!inserted) return;
    it->second.identity = identity;
    it->second.endpoint = node->endpoint;
    it->second.key = node->key;
    // A link that carried only protocol messages so far (it accepted no envelope) becomes the
    // member's.
    if (auto link = links_.find(node->endpoint); link != links_.end()) {
      it->second.link = link->second;
    }
  }
  handler_->on_node_up(identity);
}

void Membership::drop(uint32_t id, std::string_view reason) {
  NodeIdentity identity;
  DeliveryTally tally;
  {
    MutexLock lock(mutex_);
    auto it = members_.find(id);
    if (it == members_.end()) return;
    Member& gone = it->second;
    identity = gone.identity;
    if (gone.link != nullptr) {
      gone.link->close(0);
      if (auto link = links_.find(gone.endpoint);
          link != links_.end() && link->second == gone.link) {
        links_.erase(link);
      }
    }
    tally = this->tally(gone);
    members_.erase(it);
  }
  handler_->on_node_down(identity, reason, tally);
}

DeliveryTally Membership::tally(Member& member) {
  const uint64_t accepted =
      member.accepted_before + (member.link != nullptr ? member.link->accepted() : 0);
  return member.ledger.tally(accepted);
}

void Membership::send_acks() {
  acks_owed_ = false;
  std::vector<std::pair<uint32_t, uint64_t>> due;
  {
    SharedLock lock(mutex_);
    for (auto& [id, member] : members_) {
      if (member.received == member.acked) continue;
      member.acked = member.received;
      due.emplace_back(id, member.received);
    }
  }
  for (const auto& [id, ack] : due) {
    if (std::shared_ptr<NativeLink> link = member_link(id)) {
      link->send_control(NativeKind::kHeartbeat, encode_ack(ack));
    }
  }
}

bool Membership::close_idle_links() {
  const auto idle_for = std::chrono::duration_cast<std::chrono::seconds>(kIdleLinkAfter).count() /
                        std::chrono::duration_cast<std::chrono::seconds>(kIdleCheckPeriod).count();
  MutexLock lock(mutex_);
  const size_t links_before = links_.size();
  for (auto& [id, member] : members_) {
    if (member.link == nullptr || member.link->quiet_checks() < idle_for) continue;
    // Everything the link accepted is acknowledged: it closes only if that is still all.
    const uint64_t acked = member.ledger.tally(~uint64_t{0}).acked;
    if (acked < member.accepted_before) continue;
    const uint64_t data = member.link->data_accepted();
    if (!member.link->close_if_accepted(acked - member.accepted_before)) continue;
    member.accepted_before = acked;
    member.data_before += data;
    links_.erase(member.endpoint);
    member.link = nullptr;
  }
  // Links to endpoints that are not members (seeds, nodes probed before they joined): no member
  // and no sender holds them.
  absl::erase_if(links_, [idle_for](auto& entry) {
    const std::shared_ptr<NativeLink>& link = entry.second;
    if (link.use_count() > 1 || link->quiet_checks() < idle_for) return false;
    link->close(0);
    return true;
  });
  return links_.size() < links_before;
}

// A node that many talked to at once (a burst of joins, a names phase) keeps what their links
// used, free but held by the allocator and the chunk pool, once the links closed: at 128 nodes
// 4 to 5 MB of a node's 9 MB of private memory after the cluster formed.
void Membership::release_memory(TimePoint now) {
  if (!memory_to_release_ || now < next_memory_release_) return;
  memory_to_release_ = false;
  next_memory_release_ = now + kMemoryReleasePeriod;
  link_context_->chunk_pool.release();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void Membership::log_waiting_for_seeds(TimePoint now) {
  if (swim_.up_count() > 0 || config_.seeds.empty()) {
    alone_since_ = now;
    next_seed_log_ = now + kSeedWaitLogInterval;
    return;
  }
  if (now < next_seed_log_) return;
  next_seed_log_ = now + kSeedWaitLogInterval;
  handler_->on_connection_log(
      absl::StrCat("no seed has answered in ",
                   std::chrono::duration_cast<std::chrono::seconds>(now - alone_since_).count(),
                   " s; still greeting ", absl::StrJoin(config_.seeds, ", ")));
}

void Membership::stop() {
  swim_.leave(Clock::now());
  send_protocol_messages();
  (void)swim_.take_events();  // the handler hears no more
  MutexLock lock(mutex_);
  for (auto& [id, member] : members_) {
    if (member.link == nullptr) continue;
    // The rest of a batch the peer's full queue refused, if any, then, if all of that left, what
    // was batched after it: never later envelopes without the earlier ones.
    if (member.link->flush()) (void)member.link->flush();
    // Bye goes behind the last batch, on its connection: the peer reads every envelope first.
    member.link->send_on_data(NativeKind::kBye, encode_ack(member.received));
  }
  members_.clear();
  for (auto& [endpoint, link] : links_) link->close(kLingerOnLeaveMs);
  links_.clear();
}

}  // namespace bossa::transport
