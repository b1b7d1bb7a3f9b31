// The native transport's wire: how nodes frame what they send one another over bossa::socket.
//
// Every message is two ZMTP frames on a PUSH -> PULL connection. Each node binds one PULL at its
// listen endpoint and connects two PUSH sockets to the peer's of each link it opens: the data
// connection carries kData batches (Lane::kData), preceded by the sender's introduction (a kSwim)
// and followed by Bye; the control connection carries the introduction, the membership
// protocol's messages (kSwim), acks (kHeartbeat) and kControlEnvelope (Lane::kControl). PULL
// reads its connections in turn, one message each, so control never waits behind a data
// backlog; order holds per connection, not across the two. A node speaks on at most two open
// connections (sender_binding.h); a peer that uses one for everything is understood as well.
//
//   frame 0, 5 octets: kind (1 octet, the numbers below) and the sender's node id (4 octets,
//            little-endian)
//   frame 1: for kData, a batch of one or more envelopes (transport/envelope_batch.h); for
//            kControlEnvelope, one envelope as it is; for kSwim, a membership message
//            (swim_wire.h); for kHeartbeat and kBye, empty or an ack (an empty heartbeat opens
//            a link's data connection, binding it to its node)
//
// An ack is 8 octets, little-endian: how many envelopes (each of a batch one, kData and
// kControlEnvelope alike) the sender of the frame has received from its receiver since it took
// the receiver for a member. The receiver subtracts it from what it sent to tell what is in doubt
// when the sender goes down (ack_ledger.h).
//
// The kind numbers are wire numbers and never change: 1 and 2 (the Hellos of a full mesh) are
// retired. Decoding is safe on untrusted bytes. Thread-safety: free functions without shared
// state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "transport/socket/core/message.h"

namespace bossa::transport {

enum class NativeKind : uint8_t {
  kHeartbeat = 3,        // an ack of what the sender received
  kData = 4,             // a batch of envelopes
  kBye = 5,              // the sender leaves the cluster
  kControlEnvelope = 6,  // one control envelope (Lane::kControl)
  kSwim = 7,             // a membership protocol message, or the introduction that opens a link
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

}  // namespace bossa::transport
