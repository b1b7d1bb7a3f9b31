// The membership protocol's messages (swim.h) and their codec: one message is one Cap'n Proto
// message (swim_wire.capnp) in the flat format, carried as the body of a native frame.
//
// Every message names its sender (id, name, endpoint, key), the sender's incarnation, epoch and
// count of members up, and the id it is meant for (0 when the sender knows only an endpoint: a
// seed). By kind:
//   kPing     seq: "ack this"; updates piggybacked
//   kPingReq  seq, probe: "ping `probe` for me and pass its ack back with this seq"
//   kAck      seq: the answer to a Ping (or one passed back for a PingReq)
//   kNack     seq: "the node you asked me to ping has not answered me"
//   kGossip   updates only
//   kSync     anti-entropy, in three forms (below)
//   kState    updates: what the sender knows (alive, and its tombstones; a suspect as alive) of
//             the members in the fine buckets `fine` holds (all when it is empty: the answer to
//             a Join)
//   kJoin     "I am new here (or back): admit me and send your State"
//   kRefuse   reason: the sender refused to admit this node (its name or endpoint is taken)
// The kind numbers are wire numbers and never change.
//
// Anti-entropy: an id falls in one of kSwimFineBuckets fine buckets (swim_fine_bucket), and 32
// fine buckets make a coarse one (kSwimCoarseBuckets). A node's digest of a bucket is the sum of
// a hash of (id, epoch, incarnation) over its live members there, itself included. A Sync is:
//   1. `digests`: the sender's kSwimCoarseBuckets coarse digests. The receiver answers with a
//      State of the coarse buckets that differ when they hold few members, else with 2.
//   2. `buckets` (bit i: coarse bucket i) and `digests`: the sender's fine digests of those
//      coarse buckets, 32 for each in increasing order. The receiver answers with 3.
//   3. `fine` (a bitmap of kSwimFineBuckets bits, 64 to a word): "send me your State of these
//      fine buckets", those whose digests differ.
//
// Names and endpoints are immutable per node id, so a decoded node is shared (SwimNodeRef)
// between the updates and the member table that keeps it. Decoding applies DecodeLimits and the
// bounds below and is safe on untrusted bytes. Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include "absl/status/statusor.h"

namespace bossa::transport {

// A node: one run of a bossa node. Immutable once made, and shared by reference count.
struct SwimNode : boost::intrusive_ref_counter<SwimNode, boost::thread_safe_counter> {
  SwimNode(uint32_t id, std::string name, std::string endpoint, std::string key)
      : id(id), name(std::move(name)), endpoint(std::move(endpoint)), key(std::move(key)) {}

  const uint32_t id;
  const std::string name;
  const std::string endpoint;
  // Its CURVE public key (kSwimKeyBytes octets): what its listen endpoint proves and its links
  // authenticate with. Empty for a node that runs without security.
  const std::string key;
};
using SwimNodeRef = boost::intrusive_ptr<const SwimNode>;

inline SwimNodeRef make_swim_node(uint32_t id, std::string name, std::string endpoint,
                                  std::string key = {}) {
  return SwimNodeRef(new SwimNode(id, std::move(name), std::move(endpoint), std::move(key)));
}

enum class SwimStatus : uint8_t { kAlive = 0, kSuspect = 1, kDead = 2, kLeft = 3 };

inline bool is_live(SwimStatus status) {
  return status == SwimStatus::kAlive || status == SwimStatus::kSuspect;
}

struct SwimUpdate {
  SwimNodeRef node;
  SwimStatus status = SwimStatus::kAlive;
  uint32_t incarnation = 0;
  uint32_t epoch = 0;
  uint32_t by = 0;        // suspect: the accuser; dead: who declared it (the new run, if replaced)
  bool replaced = false;  // dead: a new run took its name or endpoint
  uint32_t by_epoch = 0;  // the epoch `by` was in when it said so
};

enum class SwimKind : uint8_t {
  kPing = 1,
  kPingReq = 2,
  kAck = 3,
  kNack = 4,
  kGossip = 5,
  kSync = 6,
  kState = 7,
  kJoin = 8,
  kRefuse = 9,
};

struct SwimMessage {
  SwimKind kind = SwimKind::kGossip;
  SwimNodeRef sender;
  uint32_t incarnation = 0;  // the sender's
  uint32_t epoch = 0;        // the sender's
  uint32_t members = 0;      // the sender's members up
  uint32_t target = 0;
  uint32_t seq = 0;
  SwimNodeRef probe;  // kPingReq
  std::vector<SwimUpdate> updates;
  std::vector<uint64_t> digests;  // kSync
  uint32_t buckets = 0;           // kSync
  std::vector<uint64_t> fine;     // kSync, kState: empty or kSwimFineWords words
  std::string reason;             // kRefuse
};

inline constexpr size_t kSwimCoarseBuckets = 32;
inline constexpr size_t kSwimFineBuckets = 1024;
inline constexpr size_t kSwimFinePerCoarse = kSwimFineBuckets / kSwimCoarseBuckets;
inline constexpr size_t kSwimFineWords = kSwimFineBuckets / 64;

inline uint32_t swim_fine_bucket(uint32_t id) {
  return (id * 0x9e3779b1u) >> 22;
}
inline uint32_t swim_coarse_bucket(uint32_t id) {
  return swim_fine_bucket(id) / kSwimFinePerCoarse;
}

// Bounds a decoded message must keep, besides the byte and traversal limits.
inline constexpr size_t kSwimMaxUpdates = size_t{1} << 17;
inline constexpr size_t kSwimMaxMessageBytes = size_t{32} << 20;
inline constexpr size_t kSwimMaxNameBytes = 255;
inline constexpr size_t kSwimMaxEndpointBytes = 1024;
inline constexpr size_t kSwimKeyBytes = 32;
inline constexpr size_t kSwimMaxReasonBytes = 4096;
inline constexpr uint32_t kSwimMaxEpoch = (uint32_t{1} << 29) - 1;

std::string encode_swim(const SwimMessage& message);
// InvalidArgument naming what is wrong: bytes that do not decode, a kind or status out of range,
// a node without id, name or endpoint, a PingReq without its probe, or a bound exceeded.
absl::StatusOr<SwimMessage> decode_swim(std::string_view bytes);

}  // namespace bossa::transport
