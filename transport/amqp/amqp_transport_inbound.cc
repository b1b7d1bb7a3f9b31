// AmqpTransport, its inbound half: deliveries (envelopes from nodes, announcements, messages
// from outside the cluster), the frames the broker sends besides, and who is up. Node thread only.
#include "base/mutex.h"
#include "transport/amqp/amqp_transport.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "transport/amqp/amqp_bytes.h"
#include "transport/amqp/outside_message.h"
#include "transport/envelope_batch.h"

namespace bossa::transport {
namespace {

constexpr uint64_t kMaxDeliveriesPerTurn = 1000;  // before the loop publishes and keeps time again
constexpr uint64_t kAckEvery = 256;               // with confirms: deliveries per acknowledgement

}  // namespace

absl::Status AmqpTransport::read_consumer(Session& session, bool& handed_in) {
  const bool confirms = config_.amqp.publisher_confirms;
  for (uint64_t turn = 0; turn < kMaxDeliveriesPerTurn; ++turn) {
    absl::StatusOr<AmqpConnection::Ready> ready = session.consumer->next_delivery(
        [&](const amqp_envelope_t& delivery) { on_delivery(session, delivery); });
    if (!ready.ok()) return ready.status();
    if (*ready == AmqpConnection::Ready::kNothing) break;
    handed_in = handed_in || *ready == AmqpConnection::Ready::kDelivery;
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
      if (view_of(returned->exchange).empty()) {
        handler_->on_outside_answer_lost(
            absl::StrCat("the broker has no queue '", key, "' for it (", why, ")"));
      } else if (std::optional<uint32_t> to = parse_node_key(key)) {
        // A hello has an empty body: one that comes back does not call for another.
        const bool batch = !body->empty();
        report_undelivered(Batch{*to, *std::move(body), std::nullopt, 0},
                           absl::StrCat("the broker has no queue for node ", *to, " (", why, ")"));
        if (batch) hello_again(*to);
      }
      return absl::OkStatus();
    }
    case AMQP_CONNECTION_BLOCKED_METHOD:
      session.blocked = true;
      return absl::OkStatus();
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
      if (session.blocked) {
        // The peers' announcements were held up as this node's were: their silence is over now.
        MutexLock lock(mutex_);
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
    handler_->on_rejected(absl::StrCat("a message through exchange '", as_absl(exchange),
                                       "', which is not one of this cluster's"));
  }
}

void AmqpTransport::on_presence(const amqp_basic_properties_t& properties) {
  std::optional<NodeIdentity> sender = sender_of(properties);
  std::optional<std::string_view> kind =
      message_property(properties, AMQP_BASIC_TYPE_FLAG, properties.type);
  if (!sender || !kind) {
    handler_->on_rejected("a presence announcement without a sender or a type");
    return;
  }
  if (!speaks_for(properties, *sender, "a presence announcement")) return;
  if (sender->id == self_.id || *kind != kPresenceAlive) return;
  // An announcement heard since this node reconnected was made since: the node's queue is back.
  if (note_heard(*sender, session_of(properties))) held_.erase(sender->id);
}

void AmqpTransport::on_node_envelope(const amqp_envelope_t& delivery) {
  const amqp_basic_properties_t& properties = delivery.message.properties;
  std::optional<NodeIdentity> sender = sender_of(properties);
  if (!sender || sender->id == self_.id) {
    handler_->on_rejected(sender ? "a node message claiming to come from this node"
                                 : "a node message without a sender");
    return;
  }
  if (!speaks_for(properties, *sender, "a node message")) return;
  if (message_property(properties, AMQP_BASIC_TYPE_FLAG, properties.type) == kPresenceBye) {
    // Bye travels the path of the envelopes, after the last of them.
    std::optional<NodeIdentity> gone;
    {
      MutexLock lock(mutex_);
      gone = peers_.remove(sender->id, /*left=*/true);
    }
    held_.erase(sender->id);
    last_sequence_.erase(sender->id);  // nothing from it counts any more
    room_.notify_all();
    if (gone) handler_->on_node_down(*gone, "left", DeliveryTally{});
    return;
  }
  const std::optional<uint64_t> sequence =
      number_property(properties, AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id);
  if (!sequence) {
    handler_->on_rejected(absl::StrCat("a node message from node ", sender->id,
                                       " without a sequence number in its message id"));
    return;
  }
  const uint64_t session = session_of(properties);
  if (message_property(properties, AMQP_BASIC_TYPE_FLAG, properties.type) == kPresenceHello) {
    const std::optional<uint64_t> epoch =
        number_property(properties, AMQP_BASIC_CORRELATION_ID_FLAG, properties.correlation_id);
    if (!epoch) {
      handler_->on_rejected(absl::StrCat("a hello from node ", sender->id,
                                         " without an epoch in its correlation id"));
      return;
    }
    on_hello(*sender, session, *sequence, *epoch);
    return;
  }
  if (auto seen = last_sequence_.find(sender->id);
      seen != last_sequence_.end() && *sequence <= seen->second) {
    return;  // seen before the connection dropped
  }
  if (!note_heard(*sender, session)) return;  // from a run or session now over
  const uint64_t last = std::exchange(last_sequence_[sender->id], *sequence);
  if (counting_.contains(sender->id) && *sequence > last + 1) {
    renew(*sender, /*ours=*/true,
          absl::StrCat(*sequence - last - 1, " batches it sent were lost on the way"));
  }
  counting_.insert(sender->id);
  if (message_property(properties, AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type) !=
      kBatchContentType) {
    handler_->on_rejected(absl::StrCat("a node message from node ", sender->id,
                                       " whose content type is not ", as_absl(kBatchContentType)));
    return;
  }
  absl::Status read = for_each_in_batch(
      view_of(delivery.message.body),
      [&](std::string_view envelope) { handler_->on_envelope(sender->id, envelope); });
  if (!read.ok()) {
    handler_->on_rejected(
        absl::StrCat("the rest of a batch from node ", sender->id, ": ", read.message()));
  }
  handler_->on_batch_end();
}

bool AmqpTransport::speaks_for(const amqp_basic_properties_t& properties,
                               const NodeIdentity& sender, std::string_view what) {
  if (config_.amqp.shared_user) return true;
  const std::optional<std::string_view> user =
      message_property(properties, AMQP_BASIC_USER_ID_FLAG, properties.user_id);
  if (user == std::string_view(sender.name)) return true;
  handler_->on_forged_sender(absl::StrCat(
      as_absl(what), " claiming to come from node '", sender.name, "' (id ", sender.id, ") ",
      user ? absl::StrCat("sent by broker user '", as_absl(*user), "'")
           : std::string("without a user_id that the broker validated")));
  return false;
}

void AmqpTransport::on_outside_message(const amqp_envelope_t& delivery) {
  const amqp_basic_properties_t& properties = delivery.message.properties;
  const std::string_view content_type =
      message_property(properties, AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type)
          .value_or(std::string_view());
  const std::string_view reply_to =
      message_property(properties, AMQP_BASIC_REPLY_TO_FLAG, properties.reply_to)
          .value_or(std::string_view());
  if (!reply_to.empty()) {
    OutsideRequest request{
        .target = std::string(view_of(delivery.routing_key)),
        .content_type = std::string(content_type),
        .body = std::string(view_of(delivery.message.body)),
        .user =
            std::string(message_property(properties, AMQP_BASIC_USER_ID_FLAG, properties.user_id)
                            .value_or(std::string_view())),
        .to = {.reply_to = std::string(reply_to),
               .correlation_id =
                   std::string(message_property(properties, AMQP_BASIC_CORRELATION_ID_FLAG,
                                                properties.correlation_id)
                                   .value_or(std::string_view()))}};
    // The broker's per-message TTL, milliseconds in decimal: past it the answer is of no use.
    if (std::optional<uint64_t> ms =
            number_property(properties, AMQP_BASIC_EXPIRATION_FLAG, properties.expiration)) {
      // Held to 2^40 ms (35 years) to stay a Duration; the node caps it far below.
      request.timeout =
          absl::Milliseconds(static_cast<int64_t>(std::min<uint64_t>(*ms, 1ULL << 40)));
    }
    handler_->on_outside_request(std::move(request));
    return;
  }
  absl::StatusOr<std::string> envelope =
      envelope_from_outside(self_.id, view_of(delivery.routing_key), content_type,
                            view_of(delivery.message.body), DecodeLimits{});
  if (!envelope.ok()) {
    handler_->on_rejected(absl::StrCat("a message from outside the cluster for '",
                                       as_absl(view_of(delivery.routing_key)),
                                       "': ", envelope.status().message()));
    return;
  }
  handler_->on_envelope(0, *envelope);
  handler_->on_batch_end();
}

void AmqpTransport::on_hello(const NodeIdentity& node, uint64_t session, uint64_t sequence,
                             uint64_t epoch) {
  if (!note_heard(node, session)) return;
  AmqpPeers::Hello said;
  {
    MutexLock lock(mutex_);
    said = peers_.hello(node.id, epoch);
  }
  const uint64_t last = last_sequence_[node.id];
  if (said == AmqpPeers::Hello::kRenewed) {
    renew(node, /*ours=*/false, "it had this node down");
  } else if (counting_.contains(node.id) && sequence > last) {
    renew(node, /*ours=*/true,
          absl::StrCat(sequence - last, " batches it sent were lost on the way"));
  }
  last_sequence_[node.id] = std::max(last, sequence);
  counting_.insert(node.id);
}

bool AmqpTransport::note_heard(const NodeIdentity& node, uint64_t session) {
  AmqpPeers::Heard heard;
  uint64_t epoch = 0;
  {
    MutexLock lock(mutex_);
    heard = peers_.heard(node, session, Clock::now());
    epoch = peers_.epoch(node.id);
  }
  if (heard.stale) return false;
  for (const NodeIdentity& replaced : heard.replaced) {
    counting_.erase(replaced.id);
    held_.erase(replaced.id);
    last_sequence_.erase(replaced.id);
    handler_->on_node_down(replaced, "restarted", DeliveryTally{});
  }
  if (heard.came_up) {
    // Its numbers count from the first message of this incarnation.
    counting_.erase(node.id);
    say_hello(node.id, epoch);
    handler_->on_node_up(node);
  } else if (heard.reconnected) {
    // Its queue may have gone with its connection: the hello tells it what it should have had.
    say_hello(node.id, epoch);
  }
  return true;
}

void AmqpTransport::say_hello(uint32_t to, uint64_t epoch) {
  batch_outbound(/*all=*/true);
  pending_.push_back(Batch{to, {}, epoch, 0});
}

void AmqpTransport::hello_again(uint32_t to) {
  std::optional<uint64_t> epoch;
  {
    MutexLock lock(mutex_);
    if (peers_.is_up(to)) epoch = peers_.epoch(to);
  }
  if (epoch) say_hello(to, *epoch);
}

void AmqpTransport::renew(const NodeIdentity& node, bool ours, std::string_view reason) {
  std::optional<NodeIdentity> renewed;
  uint64_t epoch = 0;
  {
    MutexLock lock(mutex_);
    renewed = peers_.renew(node.id, ours);
    epoch = peers_.epoch(node.id);
  }
  if (!renewed) return;
  counting_.erase(node.id);
  // What this node sent before leaves ahead of the hello; what it sends once the handler hears the
  // node is up again, after it.
  say_hello(node.id, epoch);
  handler_->on_node_down(*renewed, reason, DeliveryTally{});
  handler_->on_node_up(*renewed);
}

void AmqpTransport::expire_silent() {
  std::vector<NodeIdentity> silent;
  {
    MutexLock lock(mutex_);
    silent = peers_.remove_silent(Clock::now());
  }
  if (silent.empty()) return;
  room_.notify_all();
  const std::string reason =
      absl::StrCat("silent for ", absl::FormatDuration(config_.node_down_after));
  for (const NodeIdentity& node : silent) {
    const bool kept = held_.erase(node.id) != 0;
    handler_->on_node_down(node,
                           kept ? "not heard from since this node got the broker back" : reason,
                           DeliveryTally{});
  }
}

}  // namespace bossa::transport
