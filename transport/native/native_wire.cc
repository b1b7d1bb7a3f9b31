#include "transport/native/native_wire.h"

#include "absl/strings/str_cat.h"

namespace bossa::transport {
namespace {

constexpr size_t kHeaderSize = 5;
constexpr size_t kAckSize = 8;

}  // namespace

socket::Message native_message_around(NativeKind kind, uint32_t sender, socket::Frame body) {
  uint8_t header[kHeaderSize] = {
      static_cast<uint8_t>(kind), static_cast<uint8_t>(sender), static_cast<uint8_t>(sender >> 8),
      static_cast<uint8_t>(sender >> 16), static_cast<uint8_t>(sender >> 24)};
  socket::Message message(socket::Frame(header, kHeaderSize));
  message.push_back(std::move(body));
  return message;
}

socket::Message native_message(NativeKind kind, uint32_t sender, std::string body) {
  if (body.empty()) return native_message_around(kind, sender, socket::Frame());
  auto* owned = new std::string(std::move(body));
  return native_message_around(
      kind, sender,
      socket::Frame::adopt(
          owned->data(), owned->size(),
          [](void*, void* hint) { delete static_cast<std::string*>(hint); }, owned));
}

absl::StatusOr<NativeHeader> decode_native_header(const socket::Message& message) {
  if (message.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("native transport message has ", message.size(), " frames, expected 2"));
  }
  const socket::Frame& header = message[0];
  if (header.size() != kHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat("native transport header is ", header.size(),
                                                   " octets, expected ", kHeaderSize));
  }
  const uint8_t* h = header.data();
  if (h[0] < static_cast<uint8_t>(NativeKind::kHeartbeat) ||
      h[0] > static_cast<uint8_t>(NativeKind::kSwim)) {
    return absl::InvalidArgumentError(
        absl::StrCat("native transport message of unknown kind ", h[0]));
  }
  const uint32_t sender =
      uint32_t{h[1]} | uint32_t{h[2]} << 8 | uint32_t{h[3]} << 16 | uint32_t{h[4]} << 24;
  return NativeHeader{static_cast<NativeKind>(h[0]), sender};
}

std::string encode_ack(uint64_t ack) {
  std::string body(kAckSize, '\0');
  for (size_t i = 0; i < kAckSize; ++i) body[i] = static_cast<char>(ack >> (8 * i));
  return body;
}

absl::StatusOr<std::optional<uint64_t>> decode_ack(std::string_view body) {
  if (body.empty()) return std::nullopt;
  if (body.size() != kAckSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an ack of ", body.size(), " octets, expected ", kAckSize));
  }
  uint64_t ack = 0;
  for (size_t i = 0; i < kAckSize; ++i) {
    ack |= uint64_t{static_cast<uint8_t>(body[i])} << (8 * i);
  }
  return ack;
}

}  // namespace bossa::transport
