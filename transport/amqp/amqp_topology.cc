#include "transport/amqp/amqp_topology.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"

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

}  // namespace bossa::transport
