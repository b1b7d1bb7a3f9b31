// AmqpTransport, its outbound half: batching what send() queued, publishing while the socket can
// take it, announcements, and what the broker says of what was published (confirms, refusals,
// returns). Node thread only.
#include "base/mutex.h"
#include "transport/amqp/amqp_transport.h"

#include <poll.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "transport/amqp/amqp_bytes.h"
#include "transport/envelope_batch.h"

namespace bossa::transport {
namespace {

constexpr size_t kMaxUnconfirmed = 10000;             // with confirms: published, not confirmed
constexpr size_t kMaxBatchBytes = 64 * 1024;          // envelopes for one node in one message
constexpr size_t kMaxBytesPerTurn = 1024 * 1024;      // published before the loop reads again
constexpr size_t kMaxPendingBytes = 4 * 1024 * 1024;  // batched, waiting for the socket

}  // namespace

bool AmqpTransport::pending_full() const {
  size_t pending_bytes = 0;
  for (const Batch& batch : pending_) pending_bytes += batch.envelopes.size();
  return pending_bytes >= kMaxPendingBytes;
}

bool AmqpTransport::has_publishable() const {
  if (!replies_.empty()) return true;
  if (held_.empty()) return !pending_.empty();
  return std::any_of(pending_.begin(), pending_.end(),
                     [&](const Batch& batch) { return !held_.contains(batch.to); });
}

void AmqpTransport::batch_outbound(bool all) {
  if (!all && pending_full()) return;  // send() waits for room meanwhile
  std::vector<Outbound> queued;
  {
    MutexLock lock(mutex_);
    queued.swap(outbound_);
  }
  room_.notify_all();
  // What waits for one node travels together, in the order it was sent, up to kMaxBatchBytes a
  // message: under load the broker routes one message for many envelopes. Batches go after the
  // ones already pending, so the order per node holds.
  absl::flat_hash_map<uint32_t, size_t> filling;  // destination -> its batch being filled
  for (const Outbound& out : queued) {
    auto [it, fresh] = filling.try_emplace(out.to, pending_.size());
    if (fresh) pending_.push_back(Batch{out.to, {}, std::nullopt, 0});
    std::string& envelopes = pending_[it->second].envelopes;
    append_to_batch(envelopes, out.envelope);
    if (envelopes.size() >= kMaxBatchBytes) filling.erase(it);
  }
}

absl::Status AmqpTransport::publish_pending(Session& session) {
  const bool confirms = config_.amqp.publisher_confirms;
  const std::string self_key = node_key(self_.id);
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_APP_ID_FLAG |
                      AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                      AMQP_BASIC_MESSAGE_ID_FLAG;
  properties.content_type = bytes_of(kBatchContentType);
  properties.app_id = bytes_of(self_.name);
  properties.reply_to = bytes_of(self_key);
  properties.delivery_mode = confirms ? AMQP_DELIVERY_PERSISTENT : AMQP_DELIVERY_NONPERSISTENT;
  amqp_basic_properties_t hello = properties;
  hello._flags = (properties._flags & ~AMQP_BASIC_CONTENT_TYPE_FLAG) | AMQP_BASIC_TYPE_FLAG |
                 AMQP_BASIC_CORRELATION_ID_FLAG;
  hello.type = bytes_of(kPresenceHello);
  std::string sequence;
  std::string epoch;

  size_t published_bytes = 0;
  for (auto it = pending_.begin(); it != pending_.end() && can_publish(session) &&
                                   session.writable && published_bytes < kMaxBytesPerTurn;) {
    if (held_.contains(it->to)) {  // after it, the others for its node wait too
      ++it;
      continue;
    }
    Batch& batch = *it;
    uint64_t& last = next_sequence_[batch.to];
    amqp_basic_properties_t* sent = &properties;
    const uint64_t number = batch.number != 0 ? batch.number : last + 1;
    if (batch.hello) {
      sequence = absl::StrCat(last);
      epoch = absl::StrCat(*batch.hello);
      hello.message_id = bytes_of(sequence);
      hello.correlation_id = bytes_of(epoch);
      sent = &hello;
    } else {
      sequence = absl::StrCat(number);
      properties.message_id = bytes_of(sequence);
    }
    if (absl::Status published = publish(session, topology_.nodes_exchange, node_key(batch.to),
                                         *sent, batch.envelopes, /*mandatory=*/true);
        !published.ok()) {
      return published;  // still pending: lose() keeps it or reports it
    }
    if (!batch.hello) {
      // Only a batch that left takes its number, or there would be a gap.
      batch.number = number;
      last = std::max(last, number);
    }
    published_bytes += batch.envelopes.size();
    if (confirms) {
      session.unconfirmed.push_back(Unconfirmed{session.next_publish_tag - 1, std::move(batch)});
    }
    it = pending_.erase(it);
    // The socket's room is looked at again before the next batch: a broker that stopped reading
    // must not leave the thread blocked in a write.
    pollfd out{session.publisher->fd(), POLLOUT, 0};
    session.writable = ::poll(&out, 1, 0) == 1 && (out.revents & POLLOUT) != 0;
  }
  return absl::OkStatus();
}

void AmqpTransport::take_answers() {
  std::vector<OutsideAnswer> answers;
  {
    MutexLock lock(mutex_);
    answers.swap(answers_);
  }
  for (OutsideAnswer& answer : answers) replies_.push_back(std::move(answer));
}

absl::Status AmqpTransport::publish_replies(Session& session) {
  amqp_table_entry_t status{};
  status.key = bytes_of(kStatusHeader);
  status.value.kind = AMQP_FIELD_KIND_UTF8;
  amqp_basic_properties_t properties{};
  size_t published_bytes = 0;
  while (!replies_.empty() && can_publish(session) && session.writable &&
         published_bytes < kMaxBytesPerTurn) {
    const OutsideAnswer& answer = replies_.front();
    properties._flags =
        AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties.content_type = bytes_of(answer.content_type);
    properties.delivery_mode = AMQP_DELIVERY_NONPERSISTENT;
    status.value.value.bytes = bytes_of(answer.status);
    properties.headers = amqp_table_t{1, &status};
    if (!answer.to.correlation_id.empty()) {
      properties._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
      properties.correlation_id = bytes_of(answer.to.correlation_id);
    }
    // Mandatory: a reply_to with no queue (a client gone, a made-up name) comes back as a return,
    // and is reported lost. Not to a direct reply-to name, which is no queue: RabbitMQ returns
    // what is published to one mandatory even as it delivers it, and drops in silence what is for
    // a client gone.
    const bool direct = answer.to.reply_to.starts_with(kDirectReplyTo);
    if (absl::Status published = publish(session, "", answer.to.reply_to, properties, answer.body,
                                         /*mandatory=*/!direct);
        !published.ok()) {
      return published;  // still waiting: it leaves after the reconnection
    }
    published_bytes += answer.body.size();
    replies_.pop_front();
    pollfd out{session.publisher->fd(), POLLOUT, 0};
    session.writable = ::poll(&out, 1, 0) == 1 && (out.revents & POLLOUT) != 0;
  }
  return absl::OkStatus();
}

void AmqpTransport::drop_answers(std::string_view reason) {
  std::vector<OutsideAnswer> answers;
  {
    MutexLock lock(mutex_);
    answering_ = false;
    answers.swap(answers_);
  }
  for (size_t i = 0; i < replies_.size() + answers.size(); ++i) {
    handler_->on_outside_answer_lost(reason);
  }
  replies_.clear();
}

absl::Status AmqpTransport::publish(Session& session, std::string_view exchange,
                                    std::string_view key, amqp_basic_properties_t& properties,
                                    std::string_view body, bool mandatory) {
  properties._flags |= AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_USER_ID_FLAG;
  properties.timestamp = session.id;
  // The broker refuses a user_id other than the user this connection logged in as: receivers
  // trust it to say who sent what (speaks_for).
  properties.user_id = bytes_of(url_.user);
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

void AmqpTransport::report_in_flight(Session* session, std::string_view reason) {
  const std::string unconfirmed =
      absl::StrCat(as_absl(reason), " before the broker confirmed it (it may have arrived)");
  if (session != nullptr) {
    for (const Unconfirmed& pending : session->unconfirmed) {
      report_undelivered(pending.batch, unconfirmed);
    }
    session->unconfirmed.clear();
  }
  // A numbered batch left once and waited to leave again.
  for (const Batch& batch : pending_) {
    report_undelivered(batch, batch.number != 0 ? std::string_view(unconfirmed) : reason);
  }
  pending_.clear();
  std::vector<Outbound> queued;
  {
    MutexLock lock(mutex_);
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

void AmqpTransport::settle(Session& session, uint64_t tag, bool multiple, bool refused) {
  auto report = [&](const Unconfirmed& settled) {
    if (!refused || settled.batch.hello) return;
    report_undelivered(settled.batch, "the broker refused it (basic.nack)");
    hello_again(settled.batch.to);
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

}  // namespace bossa::transport
