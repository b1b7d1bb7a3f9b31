#include "transport/native/native_transport.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/spin_wait.h"
#include "transport/envelope_batch.h"

namespace bossa::transport {
namespace {

using socket::Option;

constexpr std::chrono::seconds kSeedHelloPeriod{1};
// Socket messages (batches) queued towards one peer before the flusher waits for room.
constexpr int kSendQueueLimit = 1000;
// A batch this big makes send() wait until the flusher takes it.
constexpr size_t kMaxBatchBytes = size_t{4} << 20;
// A send this soon after the previous one on its link joins the batch (the link is streaming);
// a later one leaves at once from the sender's thread.
constexpr auto kStreamingGap = std::chrono::microseconds(5);
// A streaming link's batch leaves from the flusher's thread kBatchDelay after it began, or at once
// when it already holds kFullBatchBytes as the flusher looks at it (large messages). Under load the
// flusher so sends one large batch per kBatchDelay, in parallel with the senders, and never waits
// for a peer; the last envelopes of a burst wait at most that long. (Measured on 2 cores: 30 us
// batches gave 1.3 M msg/s, 100 us 1.6 M, 300 us 1.8 M.)
constexpr size_t kFullBatchBytes = 64 * 1024;
constexpr auto kBatchDelay = std::chrono::microseconds(100);

// How long after it began the flusher sends a batch that holds `bytes` so far.
std::chrono::microseconds flush_delay(size_t bytes) {
  return bytes < kFullBatchBytes ? kBatchDelay : std::chrono::microseconds::zero();
}
// How soon the flusher tries again a batch whose peer's queue was full.
constexpr auto kStalledRetry = std::chrono::milliseconds(1);
// How long an inline sender holds a link's socket at a time while its queue is full.
constexpr int kFlushStepMs = 100;
// How many queued messages the receive thread reads before it looks at the clock again.
constexpr int kMaxDrain = 10000;
// How long a peer that went silent is greeted again, in case it comes back.
constexpr auto kRegreetFormerMembersFor = std::chrono::seconds(60);
// Connections a node keeps at most: a Hello listing more new endpoints than that is not followed.
constexpr size_t kMaxLinks = 1024;
// What a closing link may still flush to a peer that is up.
constexpr int kLingerOnLeaveMs = 500;

}  // namespace

NativeTransport::Link::Link(socket::Context& context, ChunkPool& chunk_pool)
    : push(context, socket::SocketType::push), batch(&chunk_pool) {}

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
    if (flush(member.link, /*retry=*/false)) (void)flush(member.link, /*retry=*/false);
    std::lock_guard<std::mutex> link_lock(member.link->socket_mutex);
    (void)member.link->push.send(native_message(NativeKind::kBye, self_.id, {}),
                                 socket::Flags::dontwait);
  }
  members_.clear();
  for (auto& [endpoint, link] : links_) close_link(*link, kLingerOnLeaveMs);
  links_.clear();
  pull_.close();
}

absl::Status NativeTransport::send(uint32_t to, std::string_view envelope) {
  // While the members' lock is held the member's link stays. Most sends only append to its batch
  // under that lock; one that may wait (for the batch lock too: its holder may be waiting for the
  // socket), or that hands the link on, takes a reference to it and lets the lock go, so that the
  // receive thread is never kept from changing the members for long.
  std::shared_lock<std::shared_mutex> members_lock(members_mutex_);
  auto it = members_.find(to);
  if (it == members_.end()) return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
  Link* link = it->second.link.get();
  std::shared_ptr<Link> kept;
  auto keep_link = [&] {
    if (members_lock.owns_lock()) {
      kept = it->second.link;
      members_lock.unlock();
    }
  };
  std::unique_lock<SpinLock> lock(link->batch_mutex, std::try_to_lock);
  if (!lock.owns_lock()) {
    keep_link();
    lock.lock();
  }
  auto has_room = [&] { return link->closed || link->batch.bytes() < kMaxBatchBytes; };
  // Looked at before waiting: wait_for reads the clock even when it need not wait.
  if (!has_room()) {
    keep_link();
    if (!link->batch_taken.wait_for(lock, absl::ToChronoNanoseconds(config_.node_down_after),
                                    has_room)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("node ", to, " has not read its queue for ",
                       absl::FormatDuration(config_.node_down_after)));
    }
  }
  if (link->closed) return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
  // While a batch waits for its timer or the flusher sends one, this envelope joins the next,
  // without a look at the clock (the flusher notes when it last sent instead).
  if (link->in_flight || link->flush_posted) {
    link->batch.append(envelope);
    return absl::OkStatus();
  }
  const Clock::time_point now = Clock::now();
  const bool streaming = now - link->last_send < kStreamingGap;
  link->last_send = now;
  if (streaming) {
    link->batch.append(envelope);
    link->flush_posted = true;
    const auto delay = flush_delay(link->batch.bytes());
    lock.unlock();  // the timer is set up outside the lock, which the flusher may be waiting for
    keep_link();
    arm_flush(kept, delay);
    return absl::OkStatus();
  }
  // An idle link: this envelope leaves now, from this thread, without waiting for the flusher.
  // What comes meanwhile waits behind it (in_flight), also while a full socket queue makes this
  // thread let the socket go between tries, and leaves with the flusher afterwards.
  keep_link();  // sending may wait for the socket
  link->batch.append(envelope);
  std::vector<std::string> chunks = link->batch.take();
  link->in_flight = true;
  lock.unlock();
  {
    std::unique_lock<std::mutex> socket_lock(link->socket_mutex);
    send_batch(*link, std::move(chunks), socket_lock);
  }
  lock.lock();
  link->in_flight = false;
  if (link->batch.empty() || link->flush_posted) return absl::OkStatus();
  link->flush_posted = true;
  const auto delay = flush_delay(link->batch.bytes());
  lock.unlock();
  arm_flush(kept, delay);
  return absl::OkStatus();
}

void NativeTransport::arm_flush(const std::shared_ptr<Link>& link,
                                std::chrono::microseconds delay) {
  if (delay == std::chrono::microseconds::zero()) {
    boost::asio::post(flusher_, [this, link] { (void)flush(link, /*retry=*/false); });
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(flusher_, delay);
  timer->async_wait([this, link, timer](const boost::system::error_code&) {
    (void)flush(link, /*retry=*/false);
  });
}

bool NativeTransport::flush(const std::shared_ptr<Link>& link, bool retry) {
  // Locks are taken one at a time here, as an idle link's sender takes them.
  std::deque<socket::Message> messages;
  std::vector<std::string> chunks;
  {
    std::lock_guard<SpinLock> lock(link->batch_mutex);
    // This call is what its timer (or post) was for.
    if (retry) {
      link->retry_scheduled = false;
    } else {
      link->flush_posted = false;
    }
    if (!link->stalled.empty()) {
      messages.swap(link->stalled);
    } else {
      // An idle link's sender is sending its batch itself (only stop() calls meanwhile): what
      // came after it waits for that sender, which hands it to the flusher.
      if (link->in_flight) return false;
      if (link->batch.empty()) return true;  // nothing came for a whole kBatchDelay: idle
      chunks = link->batch.take();
      link->in_flight = true;
    }
  }
  link->batch_taken.notify_all();
  for (std::string& chunk : chunks) {
    messages.push_back(
        native_message_around(NativeKind::kData, self_.id, chunk_pool_.frame_of(std::move(chunk))));
  }
  absl::Status sent;
  {
    std::lock_guard<std::mutex> lock(link->socket_mutex);
    while (!messages.empty()) {
      sent = link->push.send(std::move(messages.front()), socket::Flags::dontwait);
      if (!sent.ok()) break;
      messages.pop_front();
    }
  }
  std::unique_lock<SpinLock> lock(link->batch_mutex);
  if (absl::IsUnavailable(sent) && running_.load()) {
    // The peer's queue is full: the rest of the batch waits (in_flight, so everything after it
    // stays behind it) while the flusher serves the other links, and is tried again shortly.
    link->stalled = std::move(messages);
    if (!link->retry_scheduled) {
      link->retry_scheduled = true;
      auto timer = std::make_shared<boost::asio::steady_timer>(flusher_, kStalledRetry);
      timer->async_wait([this, link, timer](const boost::system::error_code&) {
        (void)flush(link, /*retry=*/true);
      });
    }
    return false;
  }
  // Sent, or refused by a closed link (and lost with it). The link counts as streaming until a
  // whole kBatchDelay passes without a send, so a sender held up for a moment (preempted, say)
  // goes on filling batches instead of sending one envelope at a time.
  link->in_flight = false;
  link->last_send = Clock::now();
  if (link->flush_posted) return sent.ok();
  link->flush_posted = true;
  const auto delay = flush_delay(link->batch.bytes());
  lock.unlock();
  arm_flush(link, delay);
  return sent.ok();
}

void NativeTransport::send_batch(Link& link, std::vector<std::string> chunks,
                                 std::unique_lock<std::mutex>& socket_lock) {
  // While the socket's queue is full this waits, in short steps that let the receive thread use
  // or close the link, up to node_down_after; senders meanwhile wait for room in the next batch.
  // A link closed meanwhile refuses, and the rest of the batch is lost with it.
  const Clock::time_point give_up =
      Clock::now() + absl::ToChronoNanoseconds(config_.node_down_after);
  for (std::string& chunk : chunks) {
    socket::Message message =
        native_message_around(NativeKind::kData, self_.id, chunk_pool_.frame_of(std::move(chunk)));
    for (;;) {
      absl::Status sent = link.push.send(std::move(message));
      if (sent.ok()) break;
      if (!absl::IsDeadlineExceeded(sent) || Clock::now() >= give_up) return;
      socket_lock.unlock();
      socket_lock.lock();
    }
  }
}

void NativeTransport::close_link(Link& link, int linger_ms) {
  {
    std::lock_guard<std::mutex> lock(link.socket_mutex);
    (void)link.push.set(Option::linger, linger_ms);
    link.push.close();
  }
  {
    std::lock_guard<SpinLock> lock(link.batch_mutex);
    link.closed = true;
    link.batch.clear();
  }
  link.batch_taken.notify_all();
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
    if (known) continue;
    if (!links_.contains(other.endpoint) && links_.size() >= kMaxLinks) {
      handler_->on_rejected(absl::StrCat("a member ", other.endpoint, " named by node ",
                                         header.sender, ": this node keeps at most ", kMaxLinks,
                                         " connections"));
      continue;
    }
    send_on(*link_to(other.endpoint), NativeKind::kHello, encode_hello(this->hello()));
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
  close_link(*gone.link, 0);
  // A peer that went silent may come back when the network heals: keep greeting it a while.
  if (reason != "left" && reason != "restarted") {
    former_[gone.member.endpoint] = Clock::now() + kRegreetFormerMembersFor;
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
      std::unique_lock<std::mutex> lock(link->socket_mutex, std::try_to_lock);
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
      if (!member) send_on(*link_to(endpoint), NativeKind::kHello, encode_hello(hello()));
    }
  }
}

NativeHello NativeTransport::hello() const {
  NativeHello hello{NativeMember{self_, endpoint_}, {}};
  std::shared_lock<std::shared_mutex> lock(members_mutex_);
  for (const auto& [id, member] : members_) hello.members.push_back(member.member);
  return hello;
}

std::shared_ptr<NativeTransport::Link> NativeTransport::link_to(const std::string& endpoint) {
  auto [it, inserted] = links_.try_emplace(endpoint);
  if (inserted) {
    it->second = std::make_shared<Link>(context_, chunk_pool_);
    socket::Socket& push = it->second->push;
    (void)push.set(Option::sndhwm, kSendQueueLimit);
    (void)push.set(Option::sndtimeo, kFlushStepMs);
    (void)push.set(Option::reconnect_ivl, 100);
    (void)push.set(Option::reconnect_ivl_max, 1000);
    (void)push.connect(endpoint);
  }
  return it->second;
}

void NativeTransport::send_on(Link& link, NativeKind kind, std::string body) {
  std::lock_guard<std::mutex> lock(link.socket_mutex);
  (void)link.push.send(native_message(kind, self_.id, std::move(body)), socket::Flags::dontwait);
}

}  // namespace bossa::transport
