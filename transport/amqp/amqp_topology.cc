#include "transport/amqp/amqp_topology.h"

#include <charconv>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "transport/amqp/amqp_bytes.h"

namespace bossa::transport {

AmqpTopology::AmqpTopology(std::string_view prefix)
    : prefix(prefix),
      nodes_exchange(absl::StrCat(as_absl(prefix), ".nodes")),
      names_exchange(absl::StrCat(as_absl(prefix), ".names")),
      presence_exchange(absl::StrCat(as_absl(prefix), ".presence")) {}

std::string AmqpTopology::node_queue(const NodeIdentity& node) const {
  return absl::StrCat(as_absl(prefix), ".node.", node.name, ".", node.id);
}

std::string AmqpTopology::presence_queue(const NodeIdentity& node) const {
  return absl::StrCat(as_absl(prefix), ".presence.", node.name, ".", node.id);
}

std::string node_key(uint32_t id) {
  return absl::StrCat(id);
}

std::optional<uint32_t> parse_node_key(std::string_view key) {
  uint32_t id = 0;
  const char* end = key.data() + key.size();
  const auto [stop, error] = std::from_chars(key.data(), end, id);
  if (key.empty() || key.front() == '-' || error != std::errc() || stop != end || id == 0) {
    return std::nullopt;
  }
  return id;
}

std::optional<std::string_view> message_property(const amqp_basic_properties_t& properties,
                                                 amqp_flags_t flag, const amqp_bytes_t& value) {
  if ((properties._flags & flag) == 0) return std::nullopt;
  return view_of(value);
}

std::optional<uint64_t> number_property(const amqp_basic_properties_t& properties,
                                        amqp_flags_t flag, const amqp_bytes_t& value) {
  std::optional<std::string_view> text = message_property(properties, flag, value);
  uint64_t number = 0;
  if (!text || !absl::SimpleAtoi(as_absl(*text), &number)) return std::nullopt;
  return number;
}

uint64_t session_of(const amqp_basic_properties_t& properties) {
  return (properties._flags & AMQP_BASIC_TIMESTAMP_FLAG) != 0 ? properties.timestamp : 0;
}

std::optional<NodeIdentity> sender_of(const amqp_basic_properties_t& properties) {
  std::optional<std::string_view> name =
      message_property(properties, AMQP_BASIC_APP_ID_FLAG, properties.app_id);
  std::optional<std::string_view> key =
      message_property(properties, AMQP_BASIC_REPLY_TO_FLAG, properties.reply_to);
  if (!name || !key || name->empty()) return std::nullopt;
  std::optional<uint32_t> id = parse_node_key(*key);
  if (!id) return std::nullopt;
  return NodeIdentity{*id, std::string(*name)};
}

}  // namespace bossa::transport
