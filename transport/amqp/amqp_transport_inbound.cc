// AmqpTransport, its inbound half: deliveries (envelopes from nodes, announcements, messages
// from outside the cluster), the frames the broker sends besides, and who is up. Node thread only.
#include "base/mutex.h"
#include "transport/amqp/amqp_transport.h"

#include <utility>

#include "absl/strings/numbers.h"
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
  if (sender->id == self_.id || *kind != kPresenceAlive) return;
  note_heard(*sender, session_of(properties));
}

void AmqpTransport::on_node_envelope(const amqp_envelope_t& delivery) {
  const amqp_basic_properties_t& properties = delivery.message.properties;
  std::optional<NodeIdentity> sender = sender_of(properties);
  if (!sender || sender->id == self_.id) {
    handler_->on_rejected(sender ? "a node message claiming to come from this node"
                                 : "a node message without a sender");
    return;
  }
  if (message_property(properties, AMQP_BASIC_TYPE_FLAG, properties.type) == kPresenceBye) {
    // Bye travels the path of the envelopes, after the last of them.
    std::optional<NodeIdentity> gone;
    {
      MutexLock lock(mutex_);
      gone = peers_.remove(sender->id, /*left=*/true);
    }
    room_.notify_all();
    if (gone) handler_->on_node_down(*gone, "left", DeliveryTally{});
    return;
  }
  if (config_.amqp.publisher_confirms) {
    uint64_t sequence = 0;
    std::optional<std::string_view> id =
        message_property(properties, AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id);
    if (!id || !absl::SimpleAtoi(as_absl(*id), &sequence)) {
      handler_->on_rejected(absl::StrCat("a node message from node ", sender->id,
                                         " without a sequence number in its message id"));
      return;
    }
    uint64_t& last = last_sequence_[sender->id];
    if (sequence <= last) return;  // seen before the connection dropped: redelivered
    last = sequence;
  }
  if (!note_heard(*sender, session_of(properties))) return;  // from a run or session now over
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

void AmqpTransport::on_outside_message(const amqp_envelope_t& delivery) {
  const amqp_basic_properties_t& properties = delivery.message.properties;
  const std::string_view content_type =
      message_property(properties, AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type)
          .value_or(std::string_view());
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

bool AmqpTransport::note_heard(const NodeIdentity& node, uint64_t session) {
  AmqpPeers::Heard heard;
  {
    MutexLock lock(mutex_);
    heard = peers_.heard(node, session, Clock::now());
  }
  if (heard.stale) return false;
  for (const NodeIdentity& replaced : heard.replaced) {
    handler_->on_node_down(replaced, "restarted", DeliveryTally{});
  }
  if (heard.reconnected) handler_->on_node_down(node, "reconnected to the broker", DeliveryTally{});
  if (heard.came_up) handler_->on_node_up(node);
  return true;
}

void AmqpTransport::expire_silent() {
  std::vector<NodeIdentity> silent;
  {
    MutexLock lock(mutex_);
    silent =
        peers_.remove_silent(Clock::now() - absl::ToChronoNanoseconds(config_.node_down_after));
  }
  if (silent.empty()) return;
  room_.notify_all();
  const std::string reason =
      absl::StrCat("silent for ", absl::FormatDuration(config_.node_down_after));
  for (const NodeIdentity& node : silent) handler_->on_node_down(node, reason, DeliveryTally{});
}

}  // namespace bossa::transport
