#include "transport/socket/zmtp/frame.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace bossa::zmtp {

absl::StatusOr<FrameHeader> parse_frame_header(std::string_view in, const FrameLimits& limits) {
  FrameHeader h;
  if (in.empty()) return h;
  h.flags = static_cast<std::uint8_t>(in[0]);
  if ((h.flags & kFlagsReserved) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZMTP frame: reserved flag bits set in 0x", absl::Hex(h.flags)));
  }
  if (h.command() && h.more()) {
    return absl::InvalidArgumentError("ZMTP frame: command frame with the MORE flag");
  }
  if (!h.command() && !limits.messages_allowed) {
    return absl::InvalidArgumentError("ZMTP frame: data frame before the handshake completed");
  }
  const std::size_t need = (h.flags & kFlagLong) ? kLongHeaderSize : kShortHeaderSize;
  if (in.size() < need) return h;
  if (h.flags & kFlagLong) {
    std::uint64_t size = 0;
    for (std::size_t i = 1; i < kLongHeaderSize; ++i) {
      size = (size << 8) | static_cast<std::uint8_t>(in[i]);
    }
    if (size > (UINT64_MAX >> 1)) {
      return absl::InvalidArgumentError("ZMTP frame: long size has its top bit set");
    }
    h.size = size;
  } else {
    h.size = static_cast<std::uint8_t>(in[1]);
  }
  const std::uint64_t limit = h.command() ? limits.max_command_frame : limits.max_message_frame;
  if (h.size > limit) {
    return absl::ResourceExhaustedError(
        absl::StrCat("ZMTP frame: ", h.command() ? "command" : "message", " frame of ", h.size,
                     " octets exceeds the limit of ", limit));
  }
  h.header_size = need;
  return h;
}

std::size_t write_frame_header(std::uint8_t* out, std::uint64_t size, std::uint8_t flags) {
  if (size <= kShortSizeMax) {
    out[0] = flags;
    out[1] = static_cast<std::uint8_t>(size);
    return kShortHeaderSize;
  }
  out[0] = flags | kFlagLong;
  for (int i = 8; i >= 1; --i) {
    out[i] = static_cast<std::uint8_t>(size);
    size >>= 8;
  }
  return kLongHeaderSize;
}

void append_frame(std::string& out, std::string_view body, bool more) {
  std::uint8_t header[kMaxHeaderSize];
  const std::size_t n = write_frame_header(header, body.size(), more ? kFlagMore : 0);
  out.append(reinterpret_cast<const char*>(header), n);
  out.append(body);
}

absl::StatusOr<std::optional<DecodedFrame>> FrameDecoder::next(std::string_view& in) {
  if (!pending_) {
    // The last large body gathered (its frame handled by now) does not keep its room.
    if (body_.capacity() > kMaxReserve) std::string().swap(body_);
    // Fast path: a whole header at the front of `in` and nothing carried over.
    std::string_view src = in;
    if (header_have_ > 0) {
      const std::size_t want = (header_[0] & kFlagLong) ? kLongHeaderSize : kShortHeaderSize;
      const std::size_t take = std::min(want - header_have_, in.size());
      std::memcpy(header_ + header_have_, in.data(), take);
      header_have_ += take;
      in.remove_prefix(take);
      src = std::string_view(reinterpret_cast<const char*>(header_), header_have_);
    }
    absl::StatusOr<FrameHeader> h = parse_frame_header(src, limits_);
    if (!h.ok()) return h.status();
    if (h->header_size == 0) {
      if (header_have_ == 0) {  // stash the partial header
        std::memcpy(header_, in.data(), in.size());
        header_have_ = in.size();
        in.remove_prefix(in.size());
      }
      return std::nullopt;
    }
    if (header_have_ == 0) in.remove_prefix(h->header_size);
    header_have_ = 0;
    if (in.size() >= h->size) {
      DecodedFrame f{*h, in.substr(0, h->size)};
      in.remove_prefix(h->size);
      return f;
    }
    pending_ = *h;
    body_.clear();
    // Grow with the octets that actually arrive: a declared size alone never allocates much.
    body_.reserve(std::min<std::uint64_t>(h->size, kMaxReserve));
  }
  const std::size_t take = std::min<std::uint64_t>(pending_->size - body_.size(), in.size());
  body_.append(in.substr(0, take));
  in.remove_prefix(take);
  if (body_.size() < pending_->size) return std::nullopt;
  DecodedFrame f{*pending_, body_};
  pending_.reset();
  return f;
}

}  // namespace bossa::zmtp
