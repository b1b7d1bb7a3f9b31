#include "transport/native/native_transport.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace bossa::transport {
namespace {

using socket::Option;

constexpr std::chrono::seconds kSeedHelloPeriod{1};
// Messages queued towards one peer before send() waits for room.
constexpr int kSendQueueLimit = 200000;
// What a closing link may still flush to a peer that is up.
constexpr int kLingerOnLeaveMs = 500;

int to_ms(absl::Duration d) {
  return static_cast<int>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

}  // namespace

NativeTransport::Link::Link(socket::Context& context) : push(context, socket::SocketType::push) {}

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
  absl::Status status = pull_.set(Option::rcvhwm, 0);
  if (status.ok()) status = pull_.set(Option::rcvtimeo, 50);
  if (status.ok()) status = pull_.bind(config_.listen);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("node '", self.name, "' cannot listen on ",
                                               config_.listen, ": ", status.message()));
  }
  running_.store(true);
  next_heartbeat_ = Clock::now();
  next_seed_hello_ = Clock::now();
  thread_ = std::thread([this] { run(); });
  return absl::OkStatus();
}

void NativeTransport::stop() {
  if (!running_.exchange(false)) return;
  thread_.join();
  std::unique_lock<std::shared_mutex> lock(members_mutex_);
  for (auto& [id, member] : members_) {
    std::lock_guard<std::mutex> link_lock(member.link->mutex);
    (void)member.link->push.send(native_message(NativeKind::kBye, self_.id, {}),
                                 socket::Flags::dontwait);
  }
  members_.clear();
  for (auto& [endpoint, link] : links_) {
    std::lock_guard<std::mutex> link_lock(link->mutex);
    (void)link->push.set(Option::linger, kLingerOnLeaveMs);
    link->push.close();
  }
  links_.clear();
  pull_.close();
}

absl::Status NativeTransport::send(uint32_t to, std::string bytes) {
  std::shared_ptr<Link> link;
  {
    std::shared_lock<std::shared_mutex> lock(members_mutex_);
    auto it = members_.find(to);
    if (it == members_.end()) {
      return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
    }
    link = it->second.link;
  }
  std::lock_guard<std::mutex> lock(link->mutex);
  absl::Status sent =
      link->push.send(native_message(NativeKind::kData, self_.id, std::move(bytes)));
  if (absl::IsDeadlineExceeded(sent)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("node ", to, " has not read its queue for ",
                     absl::FormatDuration(config_.node_down_after)));
  }
  return sent;
}

void NativeTransport::broadcast(const std::string& bytes) {
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
  while (running_.load(std::memory_order_relaxed)) {
    absl::StatusOr<socket::Message> message = pull_.recv();
    if (message.ok()) handle(*std::move(message));
    tick(Clock::now());
  }
}

void NativeTransport::handle(socket::Message message) {
  absl::StatusOr<NativeHeader> header = decode_native_header(message);
  if (!header.ok()) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
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
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // Only this thread writes last_heard; the shared lock keeps the entry in place.
    it->second.last_heard = Clock::now();
  }
  switch (header->kind) {
    case NativeKind::kData:
      handler_->on_envelope(header->sender, message[1].to_string());
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
  if (!hello.ok() || hello->self.identity.id != header.sender ||
      hello->self.identity.id == self_.id || hello->self.identity.name == self_.name) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The answer goes first: on this link it then precedes anything node-up makes us send, so the
  // peer knows us before our first envelope arrives.
  if (answer) {
    send_on(*link_to(hello->self.endpoint), NativeKind::kHelloReply, encode_hello(this->hello()));
  }
  add_member(hello->self);
  for (const NativeMember& other : hello->members) {
    if (other.identity.id == self_.id || other.identity.name == self_.name) continue;
    bool known;
    {
      std::shared_lock<std::shared_mutex> lock(members_mutex_);
      known = members_.contains(other.identity.id);
    }
    if (!known) send_on(*link_to(other.endpoint), NativeKind::kHello, encode_hello(this->hello()));
  }
}

void NativeTransport::add_member(const NativeMember& member) {
  uint32_t replaced = 0;
  {
    std::shared_lock<std::shared_mutex> lock(members_mutex_);
    auto it = members_.find(member.identity.id);
    if (it != members_.end()) {
      it->second.last_heard = Clock::now();
      return;
    }
    for (const auto& [id, known] : members_) {
      if (known.member.identity.name == member.identity.name) replaced = id;
    }
  }
  if (replaced != 0) drop_member(replaced, "restarted");
  std::shared_ptr<Link> link = link_to(member.endpoint);
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
  {
    std::lock_guard<std::mutex> lock(gone.link->mutex);
    (void)gone.link->push.set(Option::linger, 0);
    gone.link->push.close();
  }
  handler_->on_node_down(gone.member.identity, reason);
}

void NativeTransport::tick(Clock::time_point now) {
  if (now >= next_heartbeat_) {
    next_heartbeat_ = now + absl::ToChronoNanoseconds(config_.heartbeat_interval);
    std::vector<std::pair<uint32_t, std::shared_ptr<Link>>> alive;
    std::vector<uint32_t> silent;
    const auto limit = absl::ToChronoNanoseconds(config_.node_down_after);
    {
      std::shared_lock<std::shared_mutex> lock(members_mutex_);
      for (const auto& [id, member] : members_) {
        if (now - member.last_heard > limit) {
          silent.push_back(id);
        } else {
          alive.emplace_back(id, member.link);
        }
      }
    }
    for (auto& [id, link] : alive) {
      // A sender waiting for room holds the link: it is busy with data, which is a heartbeat too.
      std::unique_lock<std::mutex> lock(link->mutex, std::try_to_lock);
      if (lock.owns_lock()) {
        (void)link->push.send(native_message(NativeKind::kHeartbeat, self_.id, {}),
                              socket::Flags::dontwait);
      }
    }
    for (uint32_t id : silent) {
      drop_member(id, absl::StrCat("silent for ", absl::FormatDuration(config_.node_down_after)));
    }
  }
  if (now >= next_seed_hello_) {
    next_seed_hello_ = now + kSeedHelloPeriod;
    for (const std::string& seed : config_.seeds) {
      if (seed == config_.listen) continue;
      bool member = false;
      {
        std::shared_lock<std::shared_mutex> lock(members_mutex_);
        for (const auto& [id, known] : members_) member |= known.member.endpoint == seed;
      }
      if (!member) send_on(*link_to(seed), NativeKind::kHello, encode_hello(hello()));
    }
  }
}

NativeHello NativeTransport::hello() const {
  NativeHello hello{NativeMember{self_, config_.listen}, {}};
  std::shared_lock<std::shared_mutex> lock(members_mutex_);
  for (const auto& [id, member] : members_) hello.members.push_back(member.member);
  return hello;
}

std::shared_ptr<NativeTransport::Link> NativeTransport::link_to(const std::string& endpoint) {
  auto [it, inserted] = links_.try_emplace(endpoint);
  if (inserted) {
    it->second = std::make_shared<Link>(context_);
    socket::Socket& push = it->second->push;
    (void)push.set(Option::sndhwm, kSendQueueLimit);
    (void)push.set(Option::sndtimeo, to_ms(config_.node_down_after));
    (void)push.set(Option::reconnect_ivl, 100);
    (void)push.set(Option::reconnect_ivl_max, 1000);
    (void)push.connect(endpoint);
  }
  return it->second;
}

void NativeTransport::send_on(Link& link, NativeKind kind, std::string body) {
  std::lock_guard<std::mutex> lock(link.mutex);
  (void)link.push.send(native_message(kind, self_.id, std::move(body)), socket::Flags::dontwait);
}

}  // namespace bossa::transport
