// ZMTP command codec (RFC 23 "Commands", RFC 37 additions).
//
//   command body = name-size (1) name (1..255) data
//   READY     data = *property; property = name-size (1) name value-size (4, big-endian) value
//   ERROR     data = reason-size (1) reason
//   SUBSCRIBE data = topic (rest of body)          CANCEL data = topic
//   PING      data = ttl (2, big-endian, tenths of a second) context (0..16)
//   PONG      data = context (0..16)
//
// Pure functions over buffers; thread-compatible. Malformed input yields a Status naming what was
// wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace bossa::zmtp {

struct Command {
  std::string_view name;
  std::string_view data;
};

// Metadata properties in wire order. Names compare case-insensitively.
using Metadata = std::vector<std::pair<std::string, std::string>>;

struct Ping {
  std::uint16_t ttl_deciseconds = 0;
  std::string_view context;
};

// Splits a command frame body into name and data.
absl::StatusOr<Command> parse_command(std::string_view body);
// parse_command for a handshake command, which also reads libzmq 4.3.4's PLAIN ERROR: its source
// spells the name "\x5ERROR", which C reads as the octet 0x5E then "RROR", so the body is
// "^RROR" reason-size reason (name size 94, overrunning the frame). That body is read as ERROR.
absl::StatusOr<Command> parse_handshake_command(std::string_view body);

absl::StatusOr<Metadata> parse_metadata(std::string_view data);
// The wire form of `metadata` (READY's data; PLAIN's INITIATE and CURVE's boxes carry it too).
std::string encode_metadata(const Metadata& metadata);
std::optional<std::string_view> find_property(const Metadata& metadata, std::string_view name);

absl::StatusOr<Ping> parse_ping(std::string_view data);
absl::StatusOr<std::string_view> parse_pong(std::string_view data);
absl::StatusOr<std::string_view> parse_error(std::string_view data);

// Each appends one whole command frame (header included) to `out`.
void append_command(std::string& out, std::string_view name, std::string_view data);
void append_ready(std::string& out, const Metadata& metadata);
void append_error(std::string& out, std::string_view reason);  // reason cut at 255 octets
void append_subscribe(std::string& out, std::string_view topic);
void append_cancel(std::string& out, std::string_view topic);
void append_ping(std::string& out, std::uint16_t ttl_deciseconds, std::string_view context);
void append_pong(std::string& out, std::string_view context);

}  // namespace bossa::zmtp
