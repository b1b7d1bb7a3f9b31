// The native transport's wire: how nodes frame what they send one another over bossa::socket.
//
// Every message is two ZMTP frames on a PUSH -> PULL connection. Each node binds one PULL at its
// listen endpoint and connects two PUSH sockets to every peer's: the data connection carries
// kData batches (Lane::kData), preceded by a HelloReply and followed by Bye; the control
// connection carries kHello, kHelloReply, kHeartbeat and kControlEnvelope (Lane::kControl). PULL
// reads its connections in turn, one message each, so control never waits behind a data
// backlog; order holds per connection, not across the two. A node speaks on at most two open
// connections (sender_binding.h); a peer that uses one for everything is understood as well.
//
//   frame 0, 5 octets: kind (1 octet, the numbers below) and the sender's node id (4 octets,
//            little-endian)
//   frame 1: for kData, a batch of one or more envelopes (transport/envelope_batch.h); for
//            kControlEnvelope, one envelope as it is; for kHello and kHelloReply, a Hello
//            (native_wire.capnp) in Cap'n Proto's flat format; for kHeartbeat and kBye, empty or
//            an ack; empty otherwise
//
// An ack is 8 octets, little-endian: how many envelopes (each of a batch one, kData and
// kControlEnvelope alike) the sender of the frame has received from its receiver since it took
// the receiver for a member (a Hello from a member starts the count again: the member's link is
// new). The receiver's link subtracts it from what it accepted to tell what is in doubt when the
// sender goes down (ack_ledger.h). An empty body (a data connection's first heartbeat, or an
// older node) carries no ack.
//
// The kind numbers are wire numbers and never change. Decoding is safe on untrusted bytes.
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "transport/socket/core/message.h"
#include "transport/transport.h"

namespace bossa::transport {

enum class NativeKind : uint8_t {
  kHello = 1,            // a node introduces itself; the receiver answers with kHelloReply
  kHelloReply = 2,       // the answer: no answer is due
  kHeartbeat = 3,        // "still here", every heartbeat_interval
  kData = 4,             // an envelope
  kBye = 5,              // the sender leaves the cluster
  kControlEnvelope = 6,  // one control envelope (Lane::kControl)
};

struct NativeMember {
  NodeIdentity identity;
  std::string endpoint;
};

// A Hello or HelloReply (native_wire.capnp says what each field means).
struct NativeHello {
  NativeMember self{};
  std::vector<NativeMember> members{};
  uint32_t down_node = 0;  // the receiver, declared down by the sender
  uint64_t down_episode = 0;
  uint64_t echo_episode = 0;  // a reply: the down_episode of the Hello it answers
  std::string refused{};      // a reply: why the receiver is refused; empty if it is not
};

struct NativeHeader {
  NativeKind kind;
  uint32_t sender;
};

// Builds the two-frame message; the body's bytes are moved, not copied.
socket::Message native_message(NativeKind kind, uint32_t sender, std::string body);
// The same around a body frame the caller made (one that gives its memory back, say).
socket::Message native_message_around(NativeKind kind, uint32_t sender, socket::Frame body);

// Reads frame 0 of a received message. InvalidArgument unless it has two frames and a 5-octet
// header of a known kind.
absl::StatusOr<NativeHeader> decode_native_header(const socket::Message& message);

// The body of a heartbeat or Bye carrying `ack`.
std::string encode_ack(uint64_t ack);
// The ack in such a body: nullopt for an empty body, InvalidArgument unless it has 0 or 8 octets.
absl::StatusOr<std::optional<uint64_t>> decode_ack(std::string_view body);

std::string encode_hello(const NativeHello& hello);
absl::StatusOr<NativeHello> decode_hello(std::string_view bytes);

}  // namespace bossa::transport
