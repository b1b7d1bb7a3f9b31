// AmqpTopology: the exchanges, queues, routing keys and message properties the amqp backend uses
// on a RabbitMQ broker. docs/transports.md documents them for clients in other languages.
//
// With the configured prefix P (transport.amqp.exchange, "bossa" by default):
//   P.nodes      direct exchange: routing key a node id in decimal -> that node's queue
//   P.names      direct exchange: routing key a global name -> the holder's node's queue
//   P.presence   fanout exchange: every node announces itself each heartbeat_interval
//   P.node.<name>.<id>      queue: what a node receives (bound to P.nodes and P.names)
//   P.presence.<name>.<id>  queue: presence announcements, one per node
// Node traffic carries app_id = the sender's name, reply_to = its id, user_id = the broker user it
// logged in as (the broker checks it; a receiver takes a node's traffic only from the user named
// after the node, unless the nodes share a user), timestamp = its session (amqp_peers.h), a
// content type (a batch of envelopes, or one from outside), type "alive" on
// presence and "bye" on a leaving node's last word to each peer. A batch's message_id is its
// number, counted per destination from 1; a message of type "hello" (empty) carries as message_id
// the last number its sender gave a batch for the receiver, and as correlation_id the epoch the
// receiver is known under there. A message to P.names with reply_to is a request from outside the
// cluster; its answer goes to the default exchange, routing key reply_to, with the request's
// correlation_id and a kStatusHeader header. Plain values and free functions; no shared state.
#pragma once

#include <amqp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transport/transport.h"

namespace bossa::transport {

inline constexpr std::string_view kEnvelopeContentType = "application/vnd.bossa.envelope";
inline constexpr std::string_view kBatchContentType = "application/vnd.bossa.envelope-batch";
inline constexpr std::string_view kPresenceAlive = "alive";  // type of an announcement
inline constexpr std::string_view kPresenceBye = "bye";      // type of a leaving node's last word
inline constexpr std::string_view kPresenceHello = "hello";  // type of where a node stands
// The header of an answer to a client outside the cluster: "OK" or an error code's name.
inline constexpr std::string_view kStatusHeader = "bossa-status";
// What RabbitMQ's direct reply-to names begin with (the client consumes amq.rabbitmq.reply-to).
inline constexpr std::string_view kDirectReplyTo = "amq.rabbitmq.reply-to.";

struct AmqpTopology {
  explicit AmqpTopology(std::string_view prefix);

  std::string node_queue(const NodeIdentity& node) const;
  std::string presence_queue(const NodeIdentity& node) const;

  std::string prefix;
  std::string nodes_exchange;
  std::string names_exchange;
  std::string presence_exchange;
};

// A node's routing key on the nodes exchange, and back; nullopt for anything but a decimal u32.
std::string node_key(uint32_t id);
std::optional<uint32_t> parse_node_key(std::string_view key);

// The property of `properties` that `flag` marks, if it is present (it points into them).
std::optional<std::string_view> message_property(const amqp_basic_properties_t& properties,
                                                 amqp_flags_t flag, const amqp_bytes_t& value);
// The property as a number in decimal; nullopt if it is absent or is not one.
std::optional<uint64_t> number_property(const amqp_basic_properties_t& properties,
                                        amqp_flags_t flag, const amqp_bytes_t& value);
// The sender's session (amqp_peers.h), carried as the message's timestamp; 0 if absent.
uint64_t session_of(const amqp_basic_properties_t& properties);
// Who sent a node envelope or an announcement: app_id names it, reply_to is its id; nullopt if
// either is missing or malformed.
std::optional<NodeIdentity> sender_of(const amqp_basic_properties_t& properties);

}  // namespace bossa::transport
