#include "transport/native/native_transport.h"

#include <algorithm>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/spin_wait.h"
#include "transport/envelope_batch.h"

namespace bossa::transport {
namespace {

using socket::Option;

constexpr std::chrono::seconds kSeedHelloPeriod{1};
// How many queued messages the receive thread reads before it looks at the clock again.
constexpr int kMaxDrain = 10000;
// How long a peer that went silent is greeted again, in case it comes back.
constexpr auto kRegreetFormerMembersFor = std::chrono::seconds(60);
// Connections a node keeps at most: a Hello listing more new endpoints than that is not followed.
constexpr size_t kMaxLinks = 1024;
// What a closing link may still flush to a peer that is up.
constexpr int kLingerOnLeaveMs = 500;

}  // namespace

NativeTransport::NativeTransport(TransportConfig config)
    : config_(std::move(config)), pull_(context_, socket::SocketType::pull) {}

NativeTransport::~NativeTransport() {
  stop();
}

absl::Status NativeTransport::start(const NodeIdentity& self, TransportHandler& handler) {
  if (running_.load()) return absl::FailedPreconditionError("the transport is already started");
  if (config_.listen.empty()) {
    return absl::InvalidArgumentError("the native transport needs transport.listen");
  }
  self_ = self;
  handler_ = &handler;
  absl::Status status = pull_.set(Option::rcvtimeo, 50);
  if (status.ok()) status = pull_.bind(config_.listen);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("node '", self.name, "' cannot listen on ",
                                               config_.listen, ": ", status.message()));
  }
  endpoint_ = pull_.last_endpoint();
  running_.store(true);
  link_context_.emplace(LinkContext{context_, chunk_pool_, flusher_, running_, self_.id,
                                    absl::ToChronoNanoseconds(config_.node_down_after)});
  next_heartbeat_ = Clock::now();
  next_seed_hello_ = Clock::now();
  flusher_work_.emplace(flusher_.get_executor());
  flusher_thread_ = std::thread([this] { flusher_.run(); });
  thread_ = std::thread([this] { run(); });
  return absl::OkStatus();
}

void NativeTransport::stop() {
  if (!running_.exchange(false)) return;
  thread_.join();
  // What is batched still leaves, then Bye.
  flusher_work_.reset();
  flusher_thread_.join();
  std::unique_lock<std::shared_mutex> lock(members_mutex_);
  for (auto& [id, member] : members_) {
    // The rest of a batch the peer's full queue refused, if any, then, if all of that left, what
    // was batched after it: never later envelopes without the earlier ones.
    if (member.link->flush()) (void)member.link->flush();
    member.link->send_control(NativeKind::kBye, {});
  }
  members_.clear();
  for (auto& [endpoint, link] : links_) link->close(kLingerOnLeaveMs);
  links_.clear();
  pull_.close();
}

absl::Status NativeTransport::send(uint32_t to, std::string_view envelope) {
  // While the members' lock is held the member's link stays. Most sends only append to its batch
  // under that lock; one that may wait, or that hands the link on, takes a reference to it and
  // lets the lock go, so that the receive thread is never kept from changing the members for long.
  std::shared_lock<std::shared_mutex> members_lock(members_mutex_);
  auto it = members_.find(to);
  if (it == members_.end()) return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
  NativeLink& link = *it->second.link;
  std::shared_ptr<NativeLink> kept;
  const LinkBatcher::SendResult sent = link.send(envelope, [&] {
    if (members_lock.owns_lock()) {
      kept = it->second.link;
      members_lock.unlock();
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
  return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
}

void NativeTransport::broadcast(std::string_view bytes) {
  for (const NodeIdentity& node : nodes()) (void)send(node.id, bytes);
}

std::vector<NodeIdentity> NativeTransport::nodes() const {
  std::shared_lock<std::shared_mutex> lock(members_mutex_);
  std::vector<NodeIdentity> nodes;
  nodes.reserve(members_.size());
  for (const auto& [id, member] : members_) nodes.push_back(member.member.identity);
  return nodes;
}

void NativeTransport::run() {
  const std::chrono::nanoseconds busy_wait = absl::ToChronoNanoseconds(config_.busy_wait);
  while (running_.load(std::memory_order_relaxed)) {
    absl::StatusOr<socket::Message> message = pull_.recv(socket::Flags::dontwait);
    if (!message.ok() &&
        !spin_until([&] { return (message = pull_.recv(socket::Flags::dontwait)).ok(); },
                    busy_wait)) {
      message = pull_.recv();
    }
    // Whatever else has arrived is read before silence is judged (so that a handler that took a
    // while does not make every peer look silent), up to kMaxDrain messages at a time.
    for (int handled = 0; message.ok(); ++handled) {
      handle(*std::move(message));
      if (handled + 1 == kMaxDrain) break;
      message = pull_.recv(socket::Flags::dontwait);
    }
    tick(Clock::now());
  }
}

void NativeTransport::handle(socket::Message message) {
  absl::StatusOr<NativeHeader> header = decode_native_header(message);
  if (!header.ok()) {
    handler_->on_rejected(
        absl::StrCat("a message that is not a native frame: ", header.status().message()));
    return;
  }
  switch (header->kind) {
    case NativeKind::kHello:
    case NativeKind::kHelloReply:
      on_hello(*header, message[1].view(), header->kind == NativeKind::kHello);
      return;
    default:
      break;
  }
  {
    std::shared_lock<std::shared_mutex> lock(members_mutex_);
    auto it = members_.find(header->sender);
    if (it == members_.end()) {
      lock.unlock();
      handler_->on_rejected(absl::StrCat("a frame of kind ", static_cast<int>(header->kind),
                                         " from node ", header->sender, ", which is not a member"));
      return;
    }
    // Only this thread writes last_heard; the shared lock keeps the entry in place.
    it->second.last_heard = Clock::now();
  }
  switch (header->kind) {
    case NativeKind::kData:
      if (absl::Status read = for_each_in_batch(
              message[1].view(),
              [&](std::string_view envelope) { handler_->on_envelope(header->sender, envelope); });
          !read.ok()) {
        handler_->on_rejected(
            absl::StrCat("the rest of a batch from node ", header->sender, ": ", read.message()));
      }
      handler_->on_batch_end();
      break;
    case NativeKind::kBye:
      drop_member(header->sender, "left");
      break;
    default:
      break;
  }
}

void NativeTransport::on_hello(const NativeHeader& header, std::string_view body, bool answer) {
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
  // The answer goes first: on this link it then precedes anything node-up makes us send, so the
  // peer knows us before our first envelope arrives.
  if (answer) {
    link_to(hello->self.endpoint)
        ->send_control(NativeKind::kHelloReply, encode_hello(this->hello()));
  }
  add_member(hello->self);
  for (const NativeMember& other : hello->members) {
    if (other.identity.id == self_.id || other.identity.name == self_.name) continue;
    bool known;
    {
      std::shared_lock<std::shared_mutex> lock(members_mutex_);
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

void NativeTransport::drop_replaced(const NativeMember& member) {
  std::vector<uint32_t> replaced;
  {
    std::shared_lock<std::shared_mutex> lock(members_mutex_);
    for (const auto& [id, known] : members_) {
      if (id != member.identity.id && (known.member.identity.name == member.identity.name ||
                                       known.member.endpoint == member.endpoint)) {
        replaced.push_back(id);
      }
    }
  }
  for (uint32_t id : replaced) drop_member(id, "restarted");
}

void NativeTransport::add_member(const NativeMember& member) {
  {
    std::shared_lock<std::shared_mutex> lock(members_mutex_);
    auto it = members_.find(member.identity.id);
    if (it != members_.end()) {
      it->second.last_heard = Clock::now();
      return;
    }
  }
  former_.erase(member.endpoint);
  std::shared_ptr<NativeLink> link = link_to(member.endpoint);
  {
    std::unique_lock<std::shared_mutex> lock(members_mutex_);
    members_.emplace(member.identity.id, Member{member, link, Clock::now()});
  }
  handler_->on_node_up(member.identity);
}

void NativeTransport::drop_member(uint32_t id, std::string_view reason) {
  Member gone;
  {
    std::unique_lock<std::shared_mutex> lock(members_mutex_);
    auto it = members_.find(id);
    if (it == members_.end()) return;
    gone = std::move(it->second);
    members_.erase(it);
  }
  links_.erase(gone.member.endpoint);
  gone.link->close(0);
  // A peer that went silent may come back when the network heals: keep greeting it a while.
  if (reason != "left" && reason != "restarted") {
    former_[gone.member.endpoint] = Clock::now() + kRegreetFormerMembersFor;
  }
  handler_->on_node_down(gone.member.identity, reason);
}

void NativeTransport::tick(Clock::time_point now) {
  if (now >= next_heartbeat_) {
    next_heartbeat_ = now + absl::ToChronoNanoseconds(config_.heartbeat_interval);
    std::vector<std::shared_ptr<NativeLink>> alive;
    std::vector<uint32_t> silent;
    const auto limit = absl::ToChronoNanoseconds(config_.node_down_after);
    {
      std::shared_lock<std::shared_mutex> lock(members_mutex_);
      for (const auto& [id, member] : members_) {
        if (now - member.last_heard > limit) {
          silent.push_back(id);
        } else {
          alive.push_back(member.link);
        }
      }
    }
    for (const std::shared_ptr<NativeLink>& link : alive) link->send_heartbeat();
    for (uint32_t id : silent) {
      drop_member(id, absl::StrCat("silent for ", absl::FormatDuration(config_.node_down_after)));
    }
  }
  if (now >= next_seed_hello_) {
    next_seed_hello_ = now + kSeedHelloPeriod;
    absl::erase_if(former_, [now](const auto& entry) { return entry.second <= now; });
    std::vector<std::string> to_greet = config_.seeds;
    for (const auto& [endpoint, until] : former_) to_greet.push_back(endpoint);
    for (const std::string& endpoint : to_greet) {
      if (endpoint == endpoint_ || endpoint == config_.listen) continue;
      bool member = false;
      {
        std::shared_lock<std::shared_mutex> lock(members_mutex_);
        for (const auto& [id, known] : members_) member |= known.member.endpoint == endpoint;
      }
      if (!member) link_to(endpoint)->send_control(NativeKind::kHello, encode_hello(hello()));
    }
  }
}

NativeHello NativeTransport::hello() const {
  NativeHello hello{NativeMember{self_, endpoint_}, {}};
  std::shared_lock<std::shared_mutex> lock(members_mutex_);
  for (const auto& [id, member] : members_) hello.members.push_back(member.member);
  return hello;
}

std::shared_ptr<NativeLink> NativeTransport::link_to(const std::string& endpoint) {
  auto [it, inserted] = links_.try_emplace(endpoint);
  if (inserted) it->second = std::make_shared<NativeLink>(*link_context_, endpoint);
  return it->second;
}

}  // namespace bossa::transport
