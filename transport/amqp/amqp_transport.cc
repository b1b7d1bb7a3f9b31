// AmqpTransport: its life (start, stop, leave), what any thread may call (send, broadcast,
// nodes, advertise_name), and the node thread's loop: connecting, declaring, binding, keeping
// time, waiting for input. The inbound and outbound halves are amqp_transport_inbound.cc and
// amqp_transport_outbound.cc.
#include "transport/amqp/amqp_transport.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/spin_wait.h"
#include "base/string_view_bridge.h"
#include "transport/amqp/amqp_bytes.h"

namespace bossa::transport {
namespace {

constexpr size_t kSendQueueLimit = 10000;  // envelopes waiting for the node thread
constexpr uint16_t kPrefetch = 1000;       // with confirms: unacknowledged deliveries
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
constexpr auto kGraceBackoff = std::chrono::seconds(1);  // while the peers are kept
// A session shorter than this does not reset the backoff: a broker that accepts connections and
// drops them at once is not hammered.
constexpr auto kHealthySession = std::chrono::seconds(10);
// A durable queue of a node that vanished without leaving is deleted after this long unused.
constexpr absl::Duration kOrphanQueueExpiry = absl::Minutes(1);

// `duration` for a log line, to the millisecond: "6.519s".
std::string rounded(std::chrono::steady_clock::duration duration) {
  return absl::FormatDuration(absl::Trunc(absl::FromChrono(duration), absl::Milliseconds(1)));
}

}  // namespace

AmqpTransport::AmqpTransport(TransportConfig config, AmqpUrl url)
    : config_(std::move(config)),
      url_(std::move(url)),
      topology_(config_.amqp.exchange),
      peers_(absl::ToChronoNanoseconds(config_.node_down_after)) {}

AmqpTransport::~AmqpTransport() {
  stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

absl::StatusOr<AmqpTransport::Session> AmqpTransport::connect() {
  const bool confirms = config_.amqp.publisher_confirms;
  AmqpConnection::Options options{.url = url_,
                                  .name = absl::StrCat("bossa node ", self_.name, " (in)"),
                                  .heartbeat = config_.amqp.heartbeat,
                                  .timeout = config_.amqp.connect_timeout,
                                  .ca_file = config_.amqp.ca_file};
  Session session;
  absl::StatusOr<std::unique_ptr<AmqpConnection>> consumer = AmqpConnection::open(options);
  if (!consumer.ok()) return consumer.status();
  session.consumer = *std::move(consumer);
  options.name = absl::StrCat("bossa node ", self_.name, " (out)");
  // No heartbeats on the publishing connection: once a heartbeat is overdue, rabbitmq-c's publish
  // waits for input without end. The consuming connection's heartbeats watch the broker for both.
  options.heartbeat = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<AmqpConnection>> publisher = AmqpConnection::open(options);
  if (!publisher.ok()) return publisher.status();
  session.publisher = *std::move(publisher);

  const auto now = Clock::now();
  session.began = session.consumer_heard = now;
  const auto epoch_ms = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  session.id = last_session_ = std::max(epoch_ms, last_session_ + 1);

  AmqpConnection& in = *session.consumer;
  absl::Status status = in.declare_exchange(topology_.nodes_exchange, "direct", true);
  status.Update(in.declare_exchange(topology_.names_exchange, "direct", true));
  status.Update(in.declare_exchange(topology_.presence_exchange, "fanout", true));
  if (!status.ok()) return status;
  // With confirms the queue outlives a broker restart (durable, and persistent envelopes in it);
  // without, it lives and dies with this node's connection.
  const AmqpConnection::QueueOptions node_queue =
      confirms ? AmqpConnection::QueueOptions{.durable = true, .expires = kOrphanQueueExpiry}
               : AmqpConnection::QueueOptions{.exclusive = true, .auto_delete = true};
  const std::string presence_queue = topology_.presence_queue(self_);
  status.Update(in.declare_queue(queue_, node_queue));
  status.Update(in.bind(queue_, topology_.nodes_exchange, node_key(self_.id)));
  status.Update(in.declare_queue(presence_queue, {.exclusive = true, .auto_delete = true}));
  status.Update(in.bind(presence_queue, topology_.presence_exchange, ""));
  if (!status.ok()) return status;
  {
    // A durable queue keeps its bindings across a broker restart: names let go of meanwhile are
    // unbound, so that no message for them still comes here.
    MutexLock lock(mutex_);
    for (const std::string& name : bound_names_) {
      if (!advertised_.contains(name)) {
        status.Update(in.unbind(queue_, topology_.names_exchange, name));
      }
    }
    for (const std::string& name : advertised_) {
      status.Update(in.bind(queue_, topology_.names_exchange, name));
    }
    if (status.ok()) {
      bound_names_ = advertised_;
      binding_changes_.clear();
    }
  }
  if (confirms) {
    status.Update(in.set_prefetch(kPrefetch));
    status.Update(session.publisher->select_confirms());
  }
  status.Update(in.consume(queue_, /*no_ack=*/!confirms));
  status.Update(in.consume(presence_queue, /*no_ack=*/true));
  if (!status.ok()) return status;
  return session;
}

absl::Status AmqpTransport::start(const NodeIdentity& self, TransportHandler& handler) {
  if (running_.load()) return absl::FailedPreconditionError("the amqp transport is started");
  if (!config_.amqp.shared_user && url_.user != self.name) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transport.amqp.url logs node '", self.name, "' in as broker user '", url_.user,
        "', but each node must log in as the broker user named after it, '", self.name,
        "' (docs/transports.md, \"Broker users and permissions\"); to let every node share one "
        "user, unchecked, set transport.amqp.shared_user = true"));
  }
  if (config_.amqp.shared_user) {
    handler.on_connection_log(absl::StrCat(
        "transport.amqp.shared_user = true: every node logs in as broker user '", url_.user,
        "', so nodes take any message that claims a sender: whoever logs in as that user can pose "
        "as a node"));
  }
  self_ = self;
  queue_ = topology_.node_queue(self_);
  handler_ = &handler;
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return absl::InternalError("cannot make an eventfd for the amqp transport");
  absl::StatusOr<Session> session = connect();
  if (!session.ok()) return session.status();
  if (absl::Status announced = announce(*session); !announced.ok()) return announced;
  running_.store(true);
  {
    MutexLock lock(mutex_);
    answering_ = true;
  }
  thread_ = std::thread([this, first = *std::move(session)]() mutable { run(std::move(first)); });
  return absl::OkStatus();
}

void AmqpTransport::stop() {
  if (!running_.exchange(false)) return;
  wake();
  room_.notify_all();
  thread_.join();
  MutexLock lock(mutex_);
  peers_.remove_all();  // from now on nobody is up: send() says so
  outbound_.clear();
}

absl::Status AmqpTransport::send(uint32_t to, std::string_view envelope, Lane lane) {
  MutexLock lock(mutex_);
  if (!running_.load()) return absl::UnavailableError("the amqp transport is stopped");
  if (!peers_.is_up(to)) return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
  // The node thread itself never waits for room: it is the one that makes it. Nor does a control
  // envelope: it may take the queue past its limit, by what little control traffic there is.
  if (outbound_.size() >= kSendQueueLimit && lane == Lane::kData &&
      std::this_thread::get_id() != thread_id_.load()) {
    const bool room = room_.wait_for(mutex_, absl::ToChronoMilliseconds(config_.node_down_after),
                                     [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
                                       return outbound_.size() < kSendQueueLimit ||
                                              !running_.load() || !peers_.is_up(to);
                                     });
    if (!room) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the queue towards the broker stayed full for ",
                       absl::FormatDuration(config_.node_down_after)));
    }
    if (!peers_.is_up(to)) return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
  }
  const bool was_empty = outbound_.empty();
  outbound_.push_back(Outbound{to, std::string(envelope)});
  lock.unlock();
  if (was_empty) wake();
  return absl::OkStatus();
}

void AmqpTransport::broadcast(std::string_view envelope, Lane lane) {
  for (const NodeIdentity& node : nodes()) (void)send(node.id, envelope, lane);
}

std::vector<NodeIdentity> AmqpTransport::nodes() const {
  MutexLock lock(mutex_);
  return peers_.nodes();
}

std::string AmqpTransport::peer_key(uint32_t node) const {
  if (config_.amqp.shared_user) return {};
  MutexLock lock(mutex_);
  return peers_.name_of(node);
}

void AmqpTransport::advertise_name(std::string_view name, bool held) {
  {
    MutexLock lock(mutex_);
    const std::string key(name);
    if (held) {
      advertised_.insert(key);
    } else {
      advertised_.erase(key);
    }
    binding_changes_[key] = held;
  }
  wake();
}

absl::Status AmqpTransport::answer_outside(OutsideAnswer answer) {
  {
    MutexLock lock(mutex_);
    if (!answering_) return absl::FailedPreconditionError("the amqp transport is stopped");
    answers_.push_back(std::move(answer));
    // The node bounds the requests in flight, and so the answers: no room to wait for.
    if (answers_.size() > 1) return absl::OkStatus();
  }
  wake();
  return absl::OkStatus();
}

void AmqpTransport::wake() {
  const uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
}

void AmqpTransport::run(Session first) {
  thread_id_.store(std::this_thread::get_id());
  std::optional<Session> session(std::move(first));
  auto backoff = std::chrono::duration_cast<Clock::duration>(kFirstBackoff);
  Clock::time_point next_attempt;
  auto retry_later = [&] {
    // While the peers are kept, the broker is tried at least each kGraceBackoff: its return is
    // what they wait for.
    const Clock::duration most = grace_ends_ ? kGraceBackoff : kMaxBackoff;
    next_attempt = Clock::now() + std::min(backoff, most);
    backoff = std::min<Clock::duration>(backoff * 2, kMaxBackoff);
  };
  next_announce_ = Clock::now() + absl::ToChronoNanoseconds(config_.heartbeat_interval);
  while (running_.load()) {
    if (!session) {
      if (grace_ends_ && Clock::now() >= *grace_ends_) give_up();
      if (Clock::now() < next_attempt) {
        wait_for_input(nullptr, std::min(next_attempt, grace_ends_.value_or(next_attempt)),
                       /*spin=*/false);
        continue;
      }
      absl::StatusOr<Session> connected = connect();
      if (!connected.ok()) {
        retry_later();
        continue;
      }
      session = *std::move(connected);
      next_announce_ = Clock::now();
      resume();
    }
    if (absl::Status served = serve(*session); !served.ok()) {
      if (Clock::now() - session->began >= kHealthySession) backoff = kFirstBackoff;
      lose(*session, served);
      session.reset();
      retry_later();
    }
  }
  if (session) {
    leave(*session);
  } else {
    report_in_flight(nullptr, "the node stopped");
  }
  drop_answers("the node stopped before it was published");
}

absl::Status AmqpTransport::serve(Session& session) {
  if (absl::Status status = check_heartbeats(session); !status.ok()) return status;
  if (absl::Status status = apply_bindings(session); !status.ok()) return status;
  batch_outbound(/*all=*/false);
  take_answers();
  if (absl::Status status = publish_replies(session); !status.ok()) return status;
  if (absl::Status status = publish_pending(session); !status.ok()) return status;
  const Clock::time_point now = Clock::now();
  if (now >= next_announce_ && !session.blocked) {
    if (absl::Status status = announce(session); !status.ok()) return status;
    next_announce_ = now + absl::ToChronoNanoseconds(config_.heartbeat_interval);
  }
  // While the broker blocks publishers, every node's announcements wait in it: silence then says
  // nothing about the peers.
  if (!session.blocked) expire_silent();
  if (absl::Status status = read_publisher(session); !status.ok()) return status;
  bool handed_in = false;
  if (absl::Status status = read_consumer(session, handed_in); !status.ok()) return status;
  // Polls before it sleeps only when the node's own threads may answer soon what it just handed
  // them (an actor's reply, the door's answer): waking the thread for it would cost the round
  // trip tens of microseconds. After publishing, what comes next waits for the broker, and a
  // thread polling for it takes a core the broker needs: it yields between polls, but a woken
  // thread that ran more than its share lately is not eligible for the CPU, and waits the poll
  // out (docs/benchmarks.md, amqp_rpc_rt).
  wait_for_input(&session, next_announce_, /*spin=*/handed_in);
  return absl::OkStatus();
}

absl::Status AmqpTransport::apply_bindings(Session& session) {
  absl::flat_hash_map<std::string, bool> changes;
  {
    MutexLock lock(mutex_);
    changes.swap(binding_changes_);
  }
  for (auto it = changes.begin(); it != changes.end(); ++it) {
    const auto& [name, held] = *it;
    absl::Status status = held ? session.consumer->bind(queue_, topology_.names_exchange, name)
                               : session.consumer->unbind(queue_, topology_.names_exchange, name);
    if (!status.ok()) {
      // What was not applied waits for the next session, unless a later change replaced it.
      MutexLock lock(mutex_);
      for (; it != changes.end(); ++it) binding_changes_.try_emplace(it->first, it->second);
      return status;
    }
    if (held) {
      bound_names_.insert(name);
    } else {
      bound_names_.erase(name);
    }
  }
  return absl::OkStatus();
}

absl::Status AmqpTransport::check_heartbeats(const Session& session) const {
  const absl::Duration heartbeat = config_.amqp.heartbeat;
  if (heartbeat <= absl::ZeroDuration()) return absl::OkStatus();
  // The broker sends a heartbeat every half period when it has nothing else to send; rabbitmq-c
  // would notice two periods of silence only inside a read that waits, which this loop never
  // does: the check is here, at one and a half periods (the loop wakes every half period).
  const absl::Duration silence = heartbeat * 3 / 2;
  const auto limit = absl::ToChronoNanoseconds(silence);
  const auto now = Clock::now();
  if (now - session.consumer_heard > limit) {
    return absl::UnavailableError(absl::StrCat(
        "the broker sent nothing for ", absl::FormatDuration(silence), ": heartbeats missed"));
  }
  return absl::OkStatus();
}

void AmqpTransport::lose(Session& session, const absl::Status& why) {
  const std::string reason = absl::StrCat("lost the broker: ", why.message());
  const absl::Duration grace = config_.amqp.reconnect_grace;
  if (grace <= absl::ZeroDuration()) {
    report_in_flight(&session, reason);
    drop_peers(reason);
    return;
  }
  // What the broker did not confirm leaves again once it is back, ahead of the rest and under its
  // number: a receiver that had it already drops it.
  for (auto it = session.unconfirmed.rbegin(); it != session.unconfirmed.rend(); ++it) {
    pending_.push_front(std::move(it->batch));
  }
  session.unconfirmed.clear();
  const Clock::time_point now = Clock::now();
  // A session too short to hear the peers in does not start the grace again: a broker that takes
  // connections and drops them keeps no dead peer up for ever.
  if (!grace_ends_ || now - session.began >= absl::ToChronoNanoseconds(config_.node_down_after)) {
    grace_ends_ = now + absl::ToChronoNanoseconds(grace);
    lost_at_ = now;
  }
  lost_reason_ = reason;
  handler_->on_connection_log(
      absl::StrCat(reason, "; the peers stay up while this node reconnects, for up to ",
                   rounded(std::max(*grace_ends_ - now, Clock::duration::zero()))));
}

void AmqpTransport::give_up() {
  const std::string reason =
      absl::StrCat(lost_reason_, " (not back within ", rounded(*grace_ends_ - lost_at_), ")");
  grace_ends_.reset();
  report_in_flight(nullptr, reason);
  drop_peers(reason);
}

void AmqpTransport::drop_peers(std::string_view reason) {
  std::vector<NodeIdentity> peers;
  {
    MutexLock lock(mutex_);
    peers = peers_.remove_all();
  }
  held_.clear();
  room_.notify_all();
  for (const NodeIdentity& node : peers) handler_->on_node_down(node, reason, DeliveryTally{});
}

void AmqpTransport::resume() {
  if (!grace_ends_) return;                         // no peer was kept
  std::vector<std::pair<uint32_t, uint64_t>> kept;  // id, epoch
  const Clock::time_point now = Clock::now();
  {
    MutexLock lock(mutex_);
    for (const NodeIdentity& node : peers_.nodes()) {
      kept.emplace_back(node.id, peers_.epoch(node.id));
    }
    // Each peer reconnects on its own time: until the grace ends, its silence says nothing.
    peers_.expect_all(
        std::max(now + absl::ToChronoNanoseconds(config_.node_down_after), *grace_ends_));
  }
  // The hello tells each what it should have had, once its queue is known to be back.
  for (const auto& [id, epoch] : kept) {
    held_.insert(id);
    say_hello(id, epoch);
  }
  handler_->on_connection_log(absl::StrCat("reconnected to the broker after ",
                                           rounded(now - lost_at_), "; peers kept: ", kept.size()));
}

void AmqpTransport::leave(Session& session) {
  // What actors sent before the node stopped still leaves if it can; then each peer hears bye
  // after the last envelope for it, on the same path.
  batch_outbound(/*all=*/true);
  session.writable = true;
  absl::Status left = check_heartbeats(session);  // a silent broker would hold a publish forever
  take_answers();
  if (left.ok()) left = publish_replies(session);
  if (left.ok()) left = publish_pending(session);
  if (left.ok()) {
    const std::string self_key = node_key(self_.id);
    amqp_basic_properties_t properties{};
    properties._flags = AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_TYPE_FLAG;
    properties.app_id = bytes_of(self_.name);
    properties.reply_to = bytes_of(self_key);
    properties.type = bytes_of(kPresenceBye);
    for (const NodeIdentity& peer : nodes()) {
      left.Update(publish(session, topology_.nodes_exchange, node_key(peer.id), properties, "",
                          /*mandatory=*/false));
    }
  }
  report_in_flight(&session, "the node stopped");
  if (left.ok() && config_.amqp.publisher_confirms) (void)session.consumer->delete_queue(queue_);
}

void AmqpTransport::wait_for_input(Session* session, Clock::time_point until, bool spin) {
  bool work = false;
  if (session != nullptr) {
    work = session->consumer->has_buffered_input() || session->publisher->has_buffered_input();
    bool queued = false;
    {
      MutexLock lock(mutex_);
      queued = !outbound_.empty() || !answers_.empty();
    }
    // Batches held for a node not heard since the reconnection are no work yet.
    work = work || (((queued && !pending_full()) || has_publishable()) && can_publish(*session) &&
                    session->writable);
  }
  // Heartbeats are sent as frames are read: wake at least twice per heartbeat period.
  const auto heartbeat_half = absl::ToChronoMilliseconds(config_.amqp.heartbeat / 2);
  Clock::time_point deadline = until;
  if (heartbeat_half.count() > 0) deadline = std::min(deadline, Clock::now() + heartbeat_half);
  const auto timeout = work ? std::chrono::milliseconds(0)
                            : std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - Clock::now() + std::chrono::microseconds(999));
  pollfd fds[3] = {{wake_fd_, POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
  const bool waiting_to_publish = session != nullptr && has_publishable();
  if (session != nullptr) {
    fds[1].fd = session->consumer->fd();
    fds[2].fd = session->publisher->fd();
    if (waiting_to_publish) fds[2].events |= POLLOUT;
  }
  const int timeout_ms = static_cast<int>(std::max<int64_t>(timeout.count(), 0));
  const std::chrono::nanoseconds budget =
      spin ? absl::ToChronoNanoseconds(config_.busy_wait) : std::chrono::nanoseconds::zero();
  if (timeout_ms == 0 || !spin_until([&] { return ::poll(fds, 3, 0) > 0; }, budget)) {
    (void)::poll(fds, 3, timeout_ms);
  }
  if (fds[0].revents & POLLIN) {
    uint64_t count = 0;
    (void)!::read(wake_fd_, &count, sizeof count);
  }
  if (session == nullptr) return;
  // Anything the broker sent, heartbeats included, makes its socket readable.
  const auto now = Clock::now();
  if (fds[1].revents != 0 || session->consumer->has_buffered_input()) {
    session->consumer_heard = now;
  }
  if (fds[2].revents & POLLOUT) session->writable = true;
}

}  // namespace bossa::transport
