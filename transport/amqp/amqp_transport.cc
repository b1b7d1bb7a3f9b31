#include "transport/amqp/amqp_transport.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "transport/amqp/outside_message.h"
#include "transport/envelope_batch.h"

namespace bossa::transport {
namespace {

constexpr size_t kSendQueueLimit = 10000;         // envelopes waiting for the node thread
constexpr size_t kMaxUnconfirmed = 10000;         // with confirms: published, not yet confirmed
constexpr uint64_t kMaxDeliveriesPerTurn = 1000;  // before the loop publishes and keeps time again
constexpr uint64_t kAckEvery = 256;               // with confirms: deliveries per acknowledgement
constexpr uint16_t kPrefetch = 1000;              // with confirms: unacknowledged deliveries
constexpr size_t kMaxBatchBytes = 64 * 1024;      // envelopes for one node in one message
constexpr size_t kMaxBytesPerTurn = 1024 * 1024;  // published before the loop reads again
constexpr size_t kMaxPendingBytes = 4 * 1024 * 1024;  // batched, waiting for the socket
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
// A session shorter than this does not reset the backoff: a broker that accepts connections and
// drops them at once is not hammered.
constexpr auto kHealthySession = std::chrono::seconds(10);
// A durable queue of a node that vanished without leaving is deleted after this long unused.
constexpr absl::Duration kOrphanQueueExpiry = absl::Minutes(1);

std::string_view view_of(amqp_bytes_t bytes) {
  return std::string_view(static_cast<const char*>(bytes.bytes), bytes.len);
}

amqp_bytes_t bytes_of(std::string_view text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

// A property of `properties` if it is present.
std::optional<std::string_view> property(const amqp_basic_properties_t& properties,
                                         amqp_flags_t flag, const amqp_bytes_t& value) {
  if ((properties._flags & flag) == 0) return std::nullopt;
  return view_of(value);
}

// The sender's session (amqp_peers.h), carried as the message's timestamp; 0 if absent.
uint64_t session_of(const amqp_basic_properties_t& properties) {
  return (properties._flags & AMQP_BASIC_TIMESTAMP_FLAG) != 0 ? properties.timestamp : 0;
}

// Who sent a node envelope or a presence announcement: app_id names it, reply_to is its id.
std::optional<NodeIdentity> sender_of(const amqp_basic_properties_t& properties) {
  std::optional<std::string_view> name =
      property(properties, AMQP_BASIC_APP_ID_FLAG, properties.app_id);
  std::optional<std::string_view> key =
      property(properties, AMQP_BASIC_REPLY_TO_FLAG, properties.reply_to);
  if (!name || !key || name->empty()) return std::nullopt;
  std::optional<uint32_t> id = parse_node_key(*key);
  if (!id) return std::nullopt;
  return NodeIdentity{*id, std::string(*name)};
}

}  // namespace

AmqpTransport::AmqpTransport(TransportConfig config, AmqpUrl url)
    : config_(std::move(config)), url_(std::move(url)), topology_(config_.amqp.exchange) {}

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
    std::lock_guard<std::mutex> lock(mutex_);
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
  self_ = self;
  queue_ = topology_.node_queue(self_);
  handler_ = &handler;
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return absl::InternalError("cannot make an eventfd for the amqp transport");
  absl::StatusOr<Session> session = connect();
  if (!session.ok()) return session.status();
  if (absl::Status announced = announce(*session); !announced.ok()) return announced;
  running_.store(true);
  thread_ = std::thread([this, first = *std::move(session)]() mutable { run(std::move(first)); });
  return absl::OkStatus();
}

void AmqpTransport::stop() {
  if (!running_.exchange(false)) return;
  wake();
  room_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  peers_.remove_all();  // from now on nobody is up: send() says so
  outbound_.clear();
}

absl::Status AmqpTransport::send(uint32_t to, std::string_view envelope) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!running_.load()) return absl::UnavailableError("the amqp transport is stopped");
  if (!peers_.is_up(to)) return absl::UnavailableError(absl::StrCat("node ", to, " is not up"));
  // The node thread itself never waits for room: it is the one that makes it.
  if (outbound_.size() >= kSendQueueLimit && std::this_thread::get_id() != thread_id_.load()) {
    const bool room =
        room_.wait_for(lock, absl::ToChronoMilliseconds(config_.node_down_after), [&] {
          return outbound_.size() < kSendQueueLimit || !running_.load() || !peers_.is_up(to);
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

void AmqpTransport::broadcast(std::string_view envelope) {
  for (const NodeIdentity& node : nodes()) (void)send(node.id, envelope);
}

std::vector<NodeIdentity> AmqpTransport::nodes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peers_.nodes();
}

void AmqpTransport::advertise_name(std::string_view name, bool held) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
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

void AmqpTransport::wake() {
  const uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
}

void AmqpTransport::run(Session first) {
  thread_id_.store(std::this_thread::get_id());
  std::optional<Session> session(std::move(first));
  auto backoff = std::chrono::duration_cast<Clock::duration>(kFirstBackoff);
  Clock::time_point next_attempt;
  next_announce_ = Clock::now() + absl::ToChronoNanoseconds(config_.heartbeat_interval);
  while (running_.load()) {
    if (!session) {
      if (Clock::now() < next_attempt) {
        wait_for_input(nullptr, next_attempt);
        continue;
      }
      absl::StatusOr<Session> connected = connect();
      if (connected.ok()) {
        session = *std::move(connected);
        next_announce_ = Clock::now();
      } else {
        next_attempt = Clock::now() + backoff;
        backoff = std::min<Clock::duration>(backoff * 2, kMaxBackoff);
        continue;
      }
    }
    if (absl::Status served = serve(*session); !served.ok()) {
      if (Clock::now() - session->began >= kHealthySession) backoff = kFirstBackoff;
      lose(*session, served);
      session.reset();
      next_attempt = Clock::now() + backoff;
      backoff = std::min<Clock::duration>(backoff * 2, kMaxBackoff);
    }
  }
  if (session) leave(*session);
}

absl::Status AmqpTransport::serve(Session& session) {
  if (absl::Status status = check_heartbeats(session); !status.ok()) return status;
  if (absl::Status status = apply_bindings(session); !status.ok()) return status;
  batch_outbound(session);
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
  if (absl::Status status = read_consumer(session); !status.ok()) return status;
  wait_for_input(&session, next_announce_);
  return absl::OkStatus();
}

absl::Status AmqpTransport::apply_bindings(Session& session) {
  absl::flat_hash_map<std::string, bool> changes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    changes.swap(binding_changes_);
  }
  for (auto it = changes.begin(); it != changes.end(); ++it) {
    const auto& [name, held] = *it;
    absl::Status status = held ? session.consumer->bind(queue_, topology_.names_exchange, name)
                               : session.consumer->unbind(queue_, topology_.names_exchange, name);
    if (!status.ok()) {
      // What was not applied waits for the next session, unless a later change replaced it.
      std::lock_guard<std::mutex> lock(mutex_);
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

void AmqpTransport::batch_outbound(Session& session) {
  size_t pending_bytes = 0;
  for (const Batch& batch : session.pending) pending_bytes += batch.envelopes.size();
  if (pending_bytes >= kMaxPendingBytes) return;  // send() waits for room meanwhile
  std::vector<Outbound> queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queued.swap(outbound_);
  }
  room_.notify_all();
  // What waits for one node travels together, in the order it was sent, up to kMaxBatchBytes a
  // message: under load the broker routes one message for many envelopes. Batches go after the
  // ones already pending, so the order per node holds.
  absl::flat_hash_map<uint32_t, size_t> filling;  // destination -> its batch being filled
  for (const Outbound& out : queued) {
    auto [it, fresh] = filling.try_emplace(out.to, session.pending.size());
    if (fresh) session.pending.push_back(Batch{out.to, {}});
    std::string& envelopes = session.pending[it->second].envelopes;
    append_to_batch(envelopes, out.envelope);
    if (envelopes.size() >= kMaxBatchBytes) filling.erase(it);
  }
}

absl::Status AmqpTransport::publish_pending(Session& session) {
  const bool confirms = config_.amqp.publisher_confirms;
  const std::string self_key = node_key(self_.id);
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_APP_ID_FLAG |
                      AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.content_type = bytes_of(kBatchContentType);
  properties.app_id = bytes_of(self_.name);
  properties.reply_to = bytes_of(self_key);
  properties.delivery_mode = confirms ? AMQP_DELIVERY_PERSISTENT : AMQP_DELIVERY_NONPERSISTENT;
  std::string sequence;
  if (confirms) properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;

  size_t published_bytes = 0;
  while (!session.pending.empty() && can_publish(session) && session.writable &&
         published_bytes < kMaxBytesPerTurn) {
    Batch& batch = session.pending.front();
    if (confirms) {
      sequence = absl::StrCat(++next_sequence_[batch.to]);
      properties.message_id = bytes_of(sequence);
    }
    if (absl::Status published = publish(session, topology_.nodes_exchange, node_key(batch.to),
                                         properties, batch.envelopes, /*mandatory=*/true);
        !published.ok()) {
      return published;  // lose() reports the batch, still pending
    }
    published_bytes += batch.envelopes.size();
    if (confirms) {
      session.unconfirmed.push_back(Unconfirmed{session.next_publish_tag - 1, std::move(batch)});
    }
    session.pending.pop_front();
    // The socket's room is looked at again before the next batch: a broker that stopped reading
    // must not leave the thread blocked in a write.
    pollfd out{session.publisher->fd(), POLLOUT, 0};
    session.writable = ::poll(&out, 1, 0) == 1 && (out.revents & POLLOUT) != 0;
  }
  return absl::OkStatus();
}

absl::Status AmqpTransport::publish(Session& session, std::string_view exchange,
                                    std::string_view key, amqp_basic_properties_t& properties,
                                    std::string_view body, bool mandatory) {
  properties._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
  properties.timestamp = session.id;
  absl::Status published = session.publisher->publish(exchange, key, mandatory, properties, body);
  // With confirms every publish on the channel takes the next delivery tag, announcements too.
  if (published.ok() && config_.amqp.publisher_confirms) ++session.next_publish_tag;
  return published;
}

void AmqpTransport::report_undelivered(const Batch& batch, std::string_view reason) {
  (void)for_each_in_batch(batch.envelopes, [&](std::string_view envelope) {
    handler_->on_undelivered(batch.to, envelope, reason);
  });
}

void AmqpTransport::report_in_flight(Session& session, std::string_view reason) {
  const std::string unconfirmed =
      absl::StrCat(as_absl(reason), " before the broker confirmed it (it may have arrived)");
  for (const Unconfirmed& pending : session.unconfirmed) {
    report_undelivered(pending.batch, unconfirmed);
  }
  session.unconfirmed.clear();
  for (const Batch& batch : session.pending) report_undelivered(batch, reason);
  session.pending.clear();
  std::vector<Outbound> queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queued.swap(outbound_);
  }
  room_.notify_all();
  for (const Outbound& out : queued) handler_->on_undelivered(out.to, out.envelope, reason);
}

bool AmqpTransport::can_publish(const Session& session) const {
  return !session.blocked &&
         !(config_.amqp.publisher_confirms && session.unconfirmed.size() >= kMaxUnconfirmed);
}

absl::Status AmqpTransport::announce(Session& session) {
  const std::string self_key = node_key(self_.id);
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_TYPE_FLAG |
                      AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.app_id = bytes_of(self_.name);
  properties.reply_to = bytes_of(self_key);
  properties.type = bytes_of(kPresenceAlive);
  properties.delivery_mode = AMQP_DELIVERY_NONPERSISTENT;
  return publish(session, topology_.presence_exchange, "", properties, "", /*mandatory=*/false);
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

absl::Status AmqpTransport::read_publisher(Session& session) {
  for (;;) {
    absl::StatusOr<std::optional<amqp_frame_t>> frame = session.publisher->next_frame();
    if (!frame.ok()) return frame.status();
    if (!frame->has_value()) return absl::OkStatus();
    if (absl::Status status = handle_frame(session, **frame, /*publisher=*/true); !status.ok()) {
      return status;
    }
  }
}

absl::Status AmqpTransport::read_consumer(Session& session) {
  const bool confirms = config_.amqp.publisher_confirms;
  for (uint64_t turn = 0; turn < kMaxDeliveriesPerTurn; ++turn) {
    absl::StatusOr<AmqpConnection::Ready> ready = session.consumer->next_delivery(
        [&](const amqp_envelope_t& delivery) { on_delivery(session, delivery); });
    if (!ready.ok()) return ready.status();
    if (*ready == AmqpConnection::Ready::kNothing) break;
    session.consumer_heard = Clock::now();
    if (*ready == AmqpConnection::Ready::kOtherFrame) {
      absl::StatusOr<std::optional<amqp_frame_t>> frame = session.consumer->next_frame();
      if (!frame.ok()) return frame.status();
      if (frame->has_value()) {
        if (absl::Status status = handle_frame(session, **frame, /*publisher=*/false);
            !status.ok()) {
          return status;
        }
      }
    }
    if (confirms && session.unacked_delivery != 0 && turn % kAckEvery == kAckEvery - 1) {
      if (absl::Status acked = session.consumer->ack(session.unacked_delivery, true); !acked.ok()) {
        return acked;
      }
      session.unacked_delivery = 0;
    }
  }
  if (confirms && session.unacked_delivery != 0) {
    if (absl::Status acked = session.consumer->ack(session.unacked_delivery, true); !acked.ok()) {
      return acked;
    }
    session.unacked_delivery = 0;
  }
  return absl::OkStatus();
}

absl::Status AmqpTransport::handle_frame(Session& session, const amqp_frame_t& frame,
                                         bool publisher) {
  if (frame.frame_type != AMQP_FRAME_METHOD) return absl::OkStatus();
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
      settle(session, ack->delivery_tag, ack->multiple != 0, /*refused=*/false);
      return absl::OkStatus();
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
      settle(session, nack->delivery_tag, nack->multiple != 0, /*refused=*/true);
      return absl::OkStatus();
    }
    case AMQP_BASIC_RETURN_METHOD: {
      const auto* returned = static_cast<const amqp_basic_return_t*>(method.decoded);
      const std::string key(view_of(returned->routing_key));
      const std::string why(view_of(returned->reply_text));
      absl::StatusOr<std::string> body =
          (publisher ? session.publisher : session.consumer)->read_content(frame.channel);
      if (!body.ok()) return body.status();
      if (std::optional<uint32_t> to = parse_node_key(key)) {
        report_undelivered(Batch{*to, *std::move(body)},
                           absl::StrCat("the broker has no queue for node ", *to, " (", why, ")"));
      }
      return absl::OkStatus();
    }
    case AMQP_CONNECTION_BLOCKED_METHOD:
      session.blocked = true;
      return absl::OkStatus();
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
      if (session.blocked) {
        // The peers' announcements were held up as this node's were: their silence is over now.
        std::lock_guard<std::mutex> lock(mutex_);
        peers_.heard_all(Clock::now());
      }
      session.blocked = false;
      return absl::OkStatus();
    case AMQP_BASIC_CANCEL_METHOD:
      return absl::UnavailableError("the broker cancelled this node's consumer");
    case AMQP_CONNECTION_CLOSE_METHOD: {
      const auto* close = static_cast<const amqp_connection_close_t*>(method.decoded);
      const std::string why(view_of(close->reply_text));
      (publisher ? session.publisher : session.consumer)->answer_close(frame);
      return absl::UnavailableError(absl::StrCat("the broker closed the connection: ", why));
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
      const auto* close = static_cast<const amqp_channel_close_t*>(method.decoded);
      const std::string why(view_of(close->reply_text));
      (publisher ? session.publisher : session.consumer)->answer_close(frame);
      return absl::UnavailableError(absl::StrCat("the broker closed the channel: ", why));
    }
    default:
      return absl::OkStatus();
  }
}

void AmqpTransport::settle(Session& session, uint64_t tag, bool multiple, bool refused) {
  auto report = [&](const Unconfirmed& settled) {
    if (refused) report_undelivered(settled.batch, "the broker refused it (basic.nack)");
  };
  std::deque<Unconfirmed>& pending = session.unconfirmed;
  if (multiple) {
    while (!pending.empty() && pending.front().tag <= tag) {
      report(pending.front());
      pending.pop_front();
    }
    return;
  }
  // Tags were given in publishing order, so the deque is sorted by tag.
  auto it = std::lower_bound(pending.begin(), pending.end(), tag,
                             [](const Unconfirmed& u, uint64_t t) { return u.tag < t; });
  if (it == pending.end() || it->tag != tag) return;
  report(*it);
  pending.erase(it);
}

void AmqpTransport::on_delivery(Session& session, const amqp_envelope_t& delivery) {
  if (config_.amqp.publisher_confirms && delivery.channel == 1 &&
      view_of(delivery.exchange) != topology_.presence_exchange) {
    session.unacked_delivery = delivery.delivery_tag;
  }
  const std::string_view exchange = view_of(delivery.exchange);
  if (exchange == topology_.presence_exchange) {
    on_presence(delivery.message.properties);
  } else if (exchange == topology_.nodes_exchange) {
    on_node_envelope(delivery);
  } else if (exchange == topology_.names_exchange) {
    on_outside_message(delivery);
  } else {
    rejected_.fetch_add(1, std::memory_order_relaxed);
  }
}

void AmqpTransport::on_presence(const amqp_basic_properties_t& properties) {
  std::optional<NodeIdentity> sender = sender_of(properties);
  std::optional<std::string_view> kind =
      property(properties, AMQP_BASIC_TYPE_FLAG, properties.type);
  if (!sender || !kind) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (sender->id == self_.id || *kind != kPresenceAlive) return;
  note_heard(*sender, session_of(properties));
}

void AmqpTransport::on_node_envelope(const amqp_envelope_t& delivery) {
  const amqp_basic_properties_t& properties = delivery.message.properties;
  std::optional<NodeIdentity> sender = sender_of(properties);
  if (!sender || sender->id == self_.id) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (property(properties, AMQP_BASIC_TYPE_FLAG, properties.type) == kPresenceBye) {
    // Bye travels the path of the envelopes, after the last of them.
    std::optional<NodeIdentity> gone;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      gone = peers_.remove(sender->id, /*left=*/true);
    }
    room_.notify_all();
    if (gone) handler_->on_node_down(*gone, "left");
    return;
  }
  if (config_.amqp.publisher_confirms) {
    uint64_t sequence = 0;
    std::optional<std::string_view> id =
        property(properties, AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id);
    if (!id || !absl::SimpleAtoi(as_absl(*id), &sequence)) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    uint64_t& last = last_sequence_[sender->id];
    if (sequence <= last) return;  // seen before the connection dropped: redelivered
    last = sequence;
  }
  if (!note_heard(*sender, session_of(properties))) return;  // from a run or session now over
  if (property(properties, AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type) !=
      kBatchContentType) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  absl::Status read = for_each_in_batch(
      view_of(delivery.message.body),
      [&](std::string_view envelope) { handler_->on_envelope(sender->id, envelope); });
  if (!read.ok()) rejected_.fetch_add(1, std::memory_order_relaxed);
}

void AmqpTransport::on_outside_message(const amqp_envelope_t& delivery) {
  const amqp_basic_properties_t& properties = delivery.message.properties;
  const std::string_view content_type =
      property(properties, AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type)
          .value_or(std::string_view());
  absl::StatusOr<std::string> envelope =
      envelope_from_outside(self_.id, view_of(delivery.routing_key), content_type,
                            view_of(delivery.message.body), DecodeLimits{});
  if (!envelope.ok()) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  handler_->on_envelope(0, *envelope);
}

bool AmqpTransport::note_heard(const NodeIdentity& node, uint64_t session) {
  AmqpPeers::Heard heard;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    heard = peers_.heard(node, session, Clock::now());
  }
  if (heard.stale) return false;
  for (const NodeIdentity& replaced : heard.replaced) {
    handler_->on_node_down(replaced, "restarted");
  }
  if (heard.reconnected) handler_->on_node_down(node, "reconnected to the broker");
  if (heard.came_up) handler_->on_node_up(node);
  return true;
}

void AmqpTransport::expire_silent() {
  std::vector<NodeIdentity> silent;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    silent =
        peers_.remove_silent(Clock::now() - absl::ToChronoNanoseconds(config_.node_down_after));
  }
  if (silent.empty()) return;
  room_.notify_all();
  const std::string reason =
      absl::StrCat("silent for ", absl::FormatDuration(config_.node_down_after));
  for (const NodeIdentity& node : silent) handler_->on_node_down(node, reason);
}

void AmqpTransport::lose(Session& session, const absl::Status& why) {
  const std::string reason = absl::StrCat("lost the broker: ", why.message());
  report_in_flight(session, reason);
  std::vector<NodeIdentity> peers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    peers = peers_.remove_all();
  }
  room_.notify_all();
  for (const NodeIdentity& node : peers) handler_->on_node_down(node, reason);
}

void AmqpTransport::leave(Session& session) {
  // What actors sent before the node stopped still leaves if it can; then each peer hears bye
  // after the last envelope for it, on the same path.
  batch_outbound(session);
  session.writable = true;
  absl::Status left = check_heartbeats(session);  // a silent broker would hold a publish forever
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
  report_in_flight(session, "the node stopped");
  if (left.ok() && config_.amqp.publisher_confirms) (void)session.consumer->delete_queue(queue_);
}

void AmqpTransport::wait_for_input(Session* session, Clock::time_point until) {
  bool work = false;
  if (session != nullptr) {
    work = session->consumer->has_buffered_input() || session->publisher->has_buffered_input();
    std::lock_guard<std::mutex> lock(mutex_);
    work = work || ((!outbound_.empty() || !session->pending.empty()) && can_publish(*session) &&
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
  const bool waiting_to_publish = session != nullptr && !session->pending.empty();
  if (session != nullptr) {
    fds[1].fd = session->consumer->fd();
    fds[2].fd = session->publisher->fd();
    if (waiting_to_publish) fds[2].events |= POLLOUT;
  }
  (void)::poll(fds, 3, static_cast<int>(std::max<int64_t>(timeout.count(), 0)));
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
