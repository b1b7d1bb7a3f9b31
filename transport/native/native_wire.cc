#include "transport/native/native_wire.h"

#include <capnp/message.h>

#include "absl/strings/str_cat.h"
#include "serialization/capnp_frame.h"
#include "transport/native/native_wire.capnp.h"

namespace bossa::transport {
namespace {

constexpr size_t kHeaderSize = 5;
constexpr size_t kAckSize = 8;
// A Hello lists at most this many members, and is at most this big.
constexpr size_t kMaxMembers = 4096;
constexpr size_t kMaxHelloBytes = 1 << 20;
// A refusal's text is cut to this many octets.
constexpr size_t kMaxRefusedBytes = 1024;

void fill_member(wire::Member::Builder out, const NativeMember& member) {
  out.setId(member.identity.id);
  out.setName(member.identity.name);
  out.setEndpoint(member.endpoint);
}

NativeMember read_member(wire::Member::Reader in) {
  return NativeMember{NodeIdentity{in.getId(), std::string(in.getName().cStr())},
                      std::string(in.getEndpoint().cStr())};
}

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
  if (h[0] < static_cast<uint8_t>(NativeKind::kHello) ||
      h[0] > static_cast<uint8_t>(NativeKind::kControlEnvelope)) {
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

std::string encode_hello(const NativeHello& hello) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<wire::Hello>();
  fill_member(root.initSelf(), hello.self);
  auto members = root.initMembers(static_cast<unsigned>(hello.members.size()));
  for (size_t i = 0; i < hello.members.size(); ++i) {
    fill_member(members[static_cast<unsigned>(i)], hello.members[i]);
  }
  root.setDownNode(hello.down_node);
  root.setDownEpisode(hello.down_episode);
  root.setEchoEpisode(hello.echo_episode);
  root.setRefused(hello.refused.substr(0, kMaxRefusedBytes));
  return capnp_frame::write(message);
}

absl::StatusOr<NativeHello> decode_hello(std::string_view bytes) {
  DecodeLimits limits;
  limits.max_bytes = kMaxHelloBytes;
  limits.traversal_limit_words = kMaxHelloBytes / 8 * 2;
  NativeHello hello;
  absl::Status status =
      capnp_frame::read(bytes, limits, "hello", [&](capnp::MessageReader& reader) {
        auto root = reader.getRoot<wire::Hello>();
        if (!root.hasSelf()) return absl::InvalidArgumentError("hello: no sender");
        hello.self = read_member(root.getSelf());
        auto members = root.getMembers();
        if (members.size() > kMaxMembers) {
          return absl::InvalidArgumentError(
              absl::StrCat("hello: ", members.size(), " members, at most ", kMaxMembers));
        }
        for (auto member : members) hello.members.push_back(read_member(member));
        hello.down_node = root.getDownNode();
        hello.down_episode = root.getDownEpisode();
        hello.echo_episode = root.getEchoEpisode();
        const std::string_view refused(root.getRefused().cStr(), root.getRefused().size());
        hello.refused = std::string(refused.substr(0, kMaxRefusedBytes));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (hello.self.identity.id == 0 || hello.self.identity.name.empty() ||
      hello.self.endpoint.empty()) {
    return absl::InvalidArgumentError("hello: the sender's id, name and endpoint must be set");
  }
  return hello;
}

}  // namespace bossa::transport
