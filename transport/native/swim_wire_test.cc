// The membership protocol's codec (swim_wire.h): what it writes reads back the same, and what
// breaks a bound or the schema's rules is refused with a reason.
#include "transport/native/swim_wire.h"

#include <string>

#include <capnp/message.h>

#include "gtest/gtest.h"
#include "serialization/capnp_frame.h"
#include "transport/native/swim_wire.capnp.h"

namespace bossa::transport {
namespace {

SwimMessage sample() {
  SwimMessage message;
  message.kind = SwimKind::kPingReq;
  message.sender = make_swim_node(7, "alpha", "tcp://127.0.0.1:4000", std::string(32, 'k'));
  message.incarnation = 3;
  message.epoch = 2;
  message.target = 9;
  message.seq = 41;
  message.probe = make_swim_node(11, "gamma", "tcp://127.0.0.1:4002");
  message.buckets = 0x80000001;
  message.digests.assign(2 * kSwimFinePerCoarse, 5);
  message.fine.assign(kSwimFineWords, 0x0101);
  message.reason = "why";
  message.updates.push_back(SwimUpdate{make_swim_node(9, "beta", "tcp://127.0.0.1:4001"),
                                       SwimStatus::kDead, 4, 1, 7, true});
  message.updates.push_back(SwimUpdate{message.probe, SwimStatus::kSuspect, 0, 0, 9, false});
  return message;
}

// Builds a message field by field, to write what encode_swim never would.
template <typename Fill>
std::string raw(Fill fill) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<swim_wire::Message>();
  root.setKind(static_cast<uint8_t>(SwimKind::kGossip));
  auto sender = root.initSender();
  sender.setId(7);
  sender.setName("alpha");
  sender.setEndpoint("tcp://127.0.0.1:4000");
  fill(root);
  return capnp_frame::write(builder);
}

std::string error(std::string_view bytes) {
  absl::StatusOr<SwimMessage> decoded = decode_swim(bytes);
  EXPECT_FALSE(decoded.ok());
  return std::string(decoded.status().message());
}

TEST(SwimWireTest, AMessageReadsBackAsItWasWritten) {
  const SwimMessage sent = sample();
  absl::StatusOr<SwimMessage> got = decode_swim(encode_swim(sent));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->kind, sent.kind);
  EXPECT_EQ(got->sender->id, 7u);
  EXPECT_EQ(got->sender->name, "alpha");
  EXPECT_EQ(got->sender->endpoint, "tcp://127.0.0.1:4000");
  EXPECT_EQ(got->sender->key, std::string(32, 'k'));
  EXPECT_EQ(got->probe->key, "");  // a node without security
  EXPECT_EQ(got->incarnation, 3u);
  EXPECT_EQ(got->epoch, 2u);
  EXPECT_EQ(got->target, 9u);
  EXPECT_EQ(got->seq, 41u);
  EXPECT_EQ(got->probe->name, "gamma");
  EXPECT_EQ(got->digests, sent.digests);
  EXPECT_EQ(got->buckets, 0x80000001u);
  EXPECT_EQ(got->fine, sent.fine);
  EXPECT_EQ(got->reason, "why");
  ASSERT_EQ(got->updates.size(), 2u);
  const SwimUpdate& dead = got->updates[0];
  EXPECT_EQ(dead.node->name, "beta");
  EXPECT_EQ(dead.status, SwimStatus::kDead);
  EXPECT_EQ(dead.incarnation, 4u);
  EXPECT_EQ(dead.epoch, 1u);
  EXPECT_EQ(dead.by, 7u);
  EXPECT_TRUE(dead.replaced);
  EXPECT_EQ(got->updates[1].status, SwimStatus::kSuspect);
}

TEST(SwimWireTest, BytesThatAreNotAMessageAreRefused) {
  EXPECT_FALSE(decode_swim("").ok());
  EXPECT_FALSE(decode_swim("not a capnp message").ok());
  const std::string bytes = encode_swim(sample());
  EXPECT_FALSE(decode_swim(std::string_view(bytes).substr(0, bytes.size() - 8)).ok());
}

TEST(SwimWireTest, AKindOrStatusOutOfRangeIsRefused) {
  EXPECT_NE(error(raw([](auto root) { root.setKind(0); })).find("unknown kind 0"),
            std::string::npos);
  EXPECT_NE(error(raw([](auto root) { root.setKind(10); })).find("unknown kind 10"),
            std::string::npos);
  const std::string status = error(raw([](auto root) {
    auto update = root.initUpdates(1)[0];
    auto node = update.initNode();
    node.setId(9);
    node.setName("beta");
    node.setEndpoint("tcp://127.0.0.1:4001");
    update.setStatus(4);
  }));
  EXPECT_NE(status.find("status 4"), std::string::npos) << status;
}

TEST(SwimWireTest, ANodeWithoutIdNameOrEndpointIsRefused) {
  EXPECT_NE(error(raw([](auto root) { root.getSender().setId(0); })).find("needs an id"),
            std::string::npos);
  EXPECT_NE(error(raw([](auto root) { root.getSender().setName(""); })).find("needs an id"),
            std::string::npos);
  const std::string no_sender = error(raw([](auto root) { root.disownSender(); }));
  EXPECT_NE(no_sender.find("no sender"), std::string::npos) << no_sender;
  const std::string update = error(raw([](auto root) { root.initUpdates(1); }));
  EXPECT_NE(update.find("without its node"), std::string::npos) << update;
}

TEST(SwimWireTest, AKeyThatIsNotThirtyTwoOctetsIsRefused) {
  EXPECT_EQ(error(raw([](swim_wire::Message::Builder root) {
              const std::string key(31, 'k');
              root.getSender().setKey(capnp::Data::Reader(
                  reinterpret_cast<const capnp::byte*>(key.data()), key.size()));
            })),
            "swim message: sender: a key of 31 octets, not 32");
}

TEST(SwimWireTest, WhatBreaksABoundIsRefused) {
  const std::string name = error(
      raw([](auto root) { root.getSender().setName(std::string(kSwimMaxNameBytes + 1, 'n')); }));
  EXPECT_NE(name.find("a node name over"), std::string::npos) << name;
  const std::string epoch = error(raw([](auto root) { root.setSenderEpoch(kSwimMaxEpoch + 1); }));
  EXPECT_NE(epoch.find("epoch"), std::string::npos) << epoch;
  const std::string digests = error(raw([](auto root) { root.initDigests(3); }));
  EXPECT_NE(digests.find("3 digests, expected 0 or 32"), std::string::npos) << digests;
  const std::string fine_digests = error(raw([](auto root) {
    root.setBuckets(0x3);
    root.initDigests(32);
  }));
  EXPECT_NE(fine_digests.find("expected 0 or 64"), std::string::npos) << fine_digests;
  const std::string fine = error(raw([](auto root) { root.initFine(3); }));
  EXPECT_NE(fine.find("a fine bucket set of 3 words"), std::string::npos) << fine;
  const std::string ping_req =
      error(raw([](auto root) { root.setKind(static_cast<uint8_t>(SwimKind::kPingReq)); }));
  EXPECT_NE(ping_req.find("PingReq without its probe"), std::string::npos) << ping_req;
}

}  // namespace
}  // namespace bossa::transport
