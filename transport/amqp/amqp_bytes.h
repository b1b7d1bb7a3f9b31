// Views between rabbitmq-c's amqp_bytes_t and std::string_view, neither owning nor copying: the
// bytes stay where they are, and live as long as their owner does.
#pragma once

#include <amqp.h>

#include <string_view>

namespace bossa::transport {

inline std::string_view view_of(amqp_bytes_t bytes) {
  return std::string_view(static_cast<const char*>(bytes.bytes), bytes.len);
}

// rabbitmq-c takes amqp_bytes_t for input it only reads, so the const goes for the call's length.
inline amqp_bytes_t bytes_of(std::string_view text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

}  // namespace bossa::transport
