// AmqpTopology: the exchanges, queues, routing keys and message properties the amqp backend uses
// on a RabbitMQ broker. docs/transports.md documents them for clients in other languages.
//
// With the configured prefix P (transport.amqp.exchange, "bossa" by default):
//
//   P.nodes      direct exchange; routing key: a node id in decimal ("3405691582") -> that node's
//                queue. Node-to-node envelopes travel here, published mandatory.
//   P.names      direct exchange; routing key: a global name -> the queue of the node whose
//                actor holds the name (the node binds it while the name is held). Any AMQP client
//                may publish here to reach a named actor.
//   P.presence   fanout exchange; every node announces itself here each heartbeat_interval.
//   P.node.<name>.<id>      queue: what a node receives (bound to P.nodes and P.names)
//   P.presence.<name>.<id>  queue: presence announcements, one per node
//
// Properties of node traffic: app_id = the sending node's name, reply_to = its id in decimal (its
// routing key on P.nodes), timestamp = its session (amqp_peers.h); type = "alive" on presence, and
// "bye" on the empty message a leaving node sends each peer on P.nodes; content_type
// kBatchContentType on envelopes between nodes, whose body is a batch of them
// (transport/envelope_batch.h); kEnvelopeContentType on one envelope from outside; message_id = a
// per-destination sequence number when publisher confirms are on (the receiver drops what it has
// already seen after a redelivery).
//
// Plain values and free functions; no shared state.
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
// The sender's session (amqp_peers.h), carried as the message's timestamp; 0 if absent.
uint64_t session_of(const amqp_basic_properties_t& properties);
// Who sent a node envelope or an announcement: app_id names it, reply_to is its id; nullopt if
// either is missing or malformed.
std::optional<NodeIdentity> sender_of(const amqp_basic_properties_t& properties);

}  // namespace bossa::transport
