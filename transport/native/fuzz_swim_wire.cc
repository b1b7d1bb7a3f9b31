// libFuzzer target: what a membership peer can send (swim_wire.h), on arbitrary bytes. The first
// byte picks what the rest is:
//   even  one message: whatever decodes must encode to bytes that decode the same;
//   odd   messages for one node (SwimMembership), each after its length (2 octets, little-endian);
//         the node takes each one that decodes, and its time moves on 100 ms between them and
//         ten minutes at the end (suspicions, checks and tombstones all run out).
// Nothing may crash. Seeds: fuzz_swim_wire_corpus/ (make_swim_fuzz_seeds.cc writes them).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "transport/native/swim.h"
#include "transport/native/swim_wire.h"

namespace {

using bossa::transport::SwimMembership;
using bossa::transport::SwimMessage;
using bossa::transport::SwimNode;
using bossa::transport::SwimUpdate;

bool same(const SwimNode& a, const SwimNode& b) {
  return a.id == b.id && a.name == b.name && a.endpoint == b.endpoint;
}

bool same(const SwimUpdate& a, const SwimUpdate& b) {
  return same(*a.node, *b.node) && a.status == b.status && a.incarnation == b.incarnation &&
         a.epoch == b.epoch && a.by == b.by && a.replaced == b.replaced && a.by_epoch == b.by_epoch;
}

bool same(const SwimMessage& a, const SwimMessage& b) {
  if (a.kind != b.kind || !same(*a.sender, *b.sender) || a.incarnation != b.incarnation ||
      a.epoch != b.epoch || a.members != b.members || a.target != b.target || a.seq != b.seq ||
      (a.probe == nullptr) != (b.probe == nullptr) || (a.probe && !same(*a.probe, *b.probe)) ||
      a.digests != b.digests || a.buckets != b.buckets || a.fine != b.fine ||
      a.reason != b.reason || a.updates.size() != b.updates.size()) {
    return false;
  }
  for (size_t i = 0; i < a.updates.size(); ++i) {
    if (!same(a.updates[i], b.updates[i])) return false;
  }
  return true;
}

void check_message(std::string_view bytes) {
  absl::StatusOr<SwimMessage> message = bossa::transport::decode_swim(bytes);
  if (!message.ok()) return;
  absl::StatusOr<SwimMessage> back =
      bossa::transport::decode_swim(bossa::transport::encode_swim(*message));
  if (!back.ok() || !same(*back, *message)) std::abort();
}

void run_node(std::string_view bytes) {
  SwimMembership node({}, 1);
  SwimMembership::TimePoint now{};
  node.start(bossa::transport::make_swim_node(1, "fuzz", "tcp://127.0.0.1:1"),
             {bossa::transport::make_swim_node(0, "", "tcp://127.0.0.1:2")}, now);
  auto drain = [&] {
    (void)node.take_messages();
    (void)node.take_events();
  };
  while (bytes.size() >= 2) {
    const size_t size = static_cast<uint8_t>(bytes[0]) | size_t{static_cast<uint8_t>(bytes[1])}
                                                             << 8;
    bytes.remove_prefix(2);
    const std::string_view chunk = bytes.substr(0, size);
    bytes.remove_prefix(chunk.size());
    absl::StatusOr<SwimMessage> message = bossa::transport::decode_swim(chunk);
    if (message.ok()) node.on_message(*message, now);
    drain();
    now += std::chrono::milliseconds(100);
    node.tick(now);
    drain();
  }
  now += std::chrono::minutes(10);
  node.tick(now);
  drain();
  if (node.next_deadline() <= now) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    check_message(bytes);
  } else {
    run_node(bytes);
  }
  return 0;
}
