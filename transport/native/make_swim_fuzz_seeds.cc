// Writes the seed corpus of fuzz_swim_wire (fuzz_swim_wire.cc says how an input is read): one
// input for each kind of message, and runs of messages that take a node through joining,
// probing, a suspicion of itself, its death and a rejoin, and a refusal.
//
//   fuzz/make_swim_fuzz_seeds transport/native/fuzz_swim_wire_corpus
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "transport/native/swim_wire.h"

namespace {

using namespace bossa::transport;

// The node under test in the runs (fuzz_swim_wire.cc's run_node).
const SwimNodeRef kSelf = make_swim_node(1, "fuzz", "tcp://127.0.0.1:1");
const SwimNodeRef kSeed = make_swim_node(2, "seed", "tcp://127.0.0.1:2");
const SwimNodeRef kPeer = make_swim_node(3, "peer", "tcp://127.0.0.1:3");
const SwimNodeRef kOther = make_swim_node(4, "other", "tcp://127.0.0.1:4");

SwimMessage from(const SwimNodeRef& sender, SwimKind kind) {
  SwimMessage message;
  message.kind = kind;
  message.sender = sender;
  message.target = kSelf->id;
  message.members = 3;
  return message;
}

SwimUpdate update(const SwimNodeRef& node, SwimStatus status, uint32_t incarnation = 0,
                  uint32_t epoch = 0, uint32_t by = 0) {
  return SwimUpdate{node, status, incarnation, epoch, by, false};
}

SwimMessage state() {
  SwimMessage message = from(kSeed, SwimKind::kState);
  message.updates = {
      update(kPeer, SwimStatus::kAlive), update(kOther, SwimStatus::kAlive),
      update(make_swim_node(5, "gone", "tcp://127.0.0.1:5"), SwimStatus::kDead, 2, 0, 2)};
  return message;
}

std::vector<SwimMessage> one_of_each() {
  std::vector<SwimMessage> messages;
  SwimMessage ping = from(kPeer, SwimKind::kPing);
  ping.seq = 7;
  ping.updates = {update(kOther, SwimStatus::kSuspect, 1, 0, 3)};
  messages.push_back(ping);
  SwimMessage request = from(kPeer, SwimKind::kPingReq);
  request.seq = 8;
  request.probe = kOther;
  messages.push_back(request);
  SwimMessage ack = from(kOther, SwimKind::kAck);
  ack.seq = 1;
  messages.push_back(ack);
  SwimMessage nack = from(kPeer, SwimKind::kNack);
  nack.seq = 1;
  messages.push_back(nack);
  SwimMessage gossip = from(kPeer, SwimKind::kGossip);
  gossip.updates = {update(kOther, SwimStatus::kLeft, 3), update(kSeed, SwimStatus::kAlive, 2)};
  messages.push_back(gossip);
  SwimMessage sync = from(kPeer, SwimKind::kSync);
  sync.digests.assign(kSwimCoarseBuckets, 0x1234);
  messages.push_back(sync);
  SwimMessage offer = from(kPeer, SwimKind::kSync);
  offer.buckets = 0x11;
  offer.digests.assign(2 * kSwimFinePerCoarse, 0x5678);
  messages.push_back(offer);
  SwimMessage wanted = from(kPeer, SwimKind::kSync);
  wanted.fine.assign(kSwimFineWords, 0xff00ff00ff00ff00);
  messages.push_back(wanted);
  SwimMessage part = state();
  part.fine.assign(kSwimFineWords, ~uint64_t{0});
  messages.push_back(part);
  messages.push_back(from(make_swim_node(6, "new", "tcp://127.0.0.1:6"), SwimKind::kJoin));
  SwimMessage refuse = from(kSeed, SwimKind::kRefuse);
  refuse.reason = "node 'fuzz' (id 1) refused: the name 'fuzz' is held by node 9";
  messages.push_back(refuse);
  return messages;
}

// A node that joins, is probed, is suspected, is declared dead, and answers a joiner.
std::vector<SwimMessage> a_life() {
  std::vector<SwimMessage> run = {state()};
  SwimMessage ping = from(kPeer, SwimKind::kPing);
  ping.seq = 1;
  run.push_back(ping);
  SwimMessage suspicion = from(kPeer, SwimKind::kGossip);
  suspicion.updates = {update(kSelf, SwimStatus::kSuspect, 0, 0, 3)};
  run.push_back(suspicion);
  SwimMessage request = from(kOther, SwimKind::kPingReq);
  request.seq = 2;
  request.probe = kPeer;
  run.push_back(request);
  SwimMessage death = from(kSeed, SwimKind::kGossip);
  death.updates = {update(kSelf, SwimStatus::kDead, 1, 0, 2)};
  run.push_back(death);
  run.push_back(from(make_swim_node(7, "peer", "tcp://127.0.0.1:7"), SwimKind::kJoin));
  run.push_back(from(make_swim_node(8, "late", "tcp://127.0.0.1:3"), SwimKind::kJoin));
  return run;
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A seed that does not decode would only teach the fuzzer the decoder's first checks.
bool decodes(const std::vector<SwimMessage>& messages) {
  for (const SwimMessage& message : messages) {
    absl::StatusOr<SwimMessage> back = decode_swim(encode_swim(message));
    if (!back.ok()) {
      std::fprintf(stderr, "a seed does not decode: %s\n", back.status().ToString().c_str());
      return false;
    }
  }
  return true;
}

std::string framed(const std::vector<SwimMessage>& run) {
  std::string bytes(1, '\1');
  for (const SwimMessage& message : run) {
    const std::string encoded = encode_swim(message);
    bytes += static_cast<char>(encoded.size() & 0xff);
    bytes += static_cast<char>(encoded.size() >> 8);
    bytes += encoded;
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::vector<SwimMessage> each = one_of_each();
  if (!decodes(each) || !decodes(a_life())) return 1;
  for (size_t i = 0; i < each.size(); ++i) {
    write(dir + "/message_" + std::to_string(i), std::string(1, '\0') + encode_swim(each[i]));
  }
  write(dir + "/node_each_kind", framed(each));
  write(dir + "/node_life", framed(a_life()));
  return 0;
}
