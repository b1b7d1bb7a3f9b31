// ZMTP frame codec (RFC 23 section "Framing").
//
//   short frame: flags (1) size (1)            body    -- flags bit 1 (LONG) clear, size <= 255
//   long frame:  flags (1) size (8, big-endian) body   -- flags bit 1 (LONG) set
//   flags: bit 0 MORE (another frame of this message follows), bit 1 LONG, bit 2 COMMAND,
//          bits 3-7 reserved and zero. A command never has MORE.
//
// parse_frame_header and the Append functions are pure. FrameDecoder is a streaming decoder with
// explicit size limits; one instance per connection, thread-compatible. Untrusted octets yield a
// Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::zmtp {

struct FrameHeader {
  std::uint8_t flags = 0;
  std::uint64_t size = 0;       // body octets
  std::size_t header_size = 0;  // 2 or 9; 0 means "need more octets"
  bool more() const { return (flags & kFlagMore) != 0; }
  bool command() const { return (flags & kFlagCommand) != 0; }
};

// Limits the decoder enforces before it allocates anything.
struct FrameLimits {
  std::uint64_t max_message_frame = UINT64_MAX;  // data frames (the socket's maxmsgsize)
  std::uint64_t max_command_frame = 64 * 1024;   // command frames
  bool messages_allowed = true;                  // false until the handshake completes
};

// Parses the header at the start of `in`. When `in` holds too few octets, returns a header whose
// header_size is 0. Refuses reserved flag bits, a command with MORE, and sizes over `limits`.
absl::StatusOr<FrameHeader> parse_frame_header(std::string_view in, const FrameLimits& limits);

// Writes a header for `size` octets with `flags` (MORE / COMMAND; LONG is chosen here) into `out`,
// which has room for kMaxHeaderSize octets. Returns the octets written.
std::size_t write_frame_header(std::uint8_t* out, std::uint64_t size, std::uint8_t flags);

// Appends a whole data frame.
void append_frame(std::string& out, std::string_view body, bool more);

// A frame delivered by FrameDecoder. `body` points either into the caller's input or into the
// decoder's own buffer; it stays valid until the next call to next().
struct DecodedFrame {
  FrameHeader header;
  std::string_view body;
};

class FrameDecoder {
 public:
  // The most a body gathered across calls reserves before its octets arrive.
  static constexpr std::size_t kMaxReserve = 64 * 1024;

  explicit FrameDecoder(FrameLimits limits) : limits_(limits) {}

  // Consumes octets from the front of `in` until one frame is complete (returned) or `in` is empty
  // (nullopt). A returned body is valid until the next call, which frees the room a body of over
  // kMaxReserve gathered. An error leaves the decoder unusable: the connection must close.
  absl::StatusOr<std::optional<DecodedFrame>> next(std::string_view& in);

  void set_limits(FrameLimits limits) { limits_ = limits; }
  const FrameLimits& limits() const { return limits_; }

  // True between frames (no partial header or body held), when a caller may parse the next header
  // itself, e.g. to receive a large body straight into its final buffer.
  bool at_frame_boundary() const { return header_have_ == 0 && !pending_; }

 private:
  FrameLimits limits_;
  std::uint8_t header_[kMaxHeaderSize] = {};
  std::size_t header_have_ = 0;
  std::optional<FrameHeader> pending_;  // header parsed, body incomplete
  std::string body_;                    // body gathered across calls
};

}  // namespace bossa::zmtp
