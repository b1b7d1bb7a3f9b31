// What bossa puts on the wire, seen by a raw ZMTP peer: greeting and READY, PONG for PING,
// heartbeats that close a silent connection and leave a busy one alone.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/raw_client.h"
#include "transport/socket/tests/test_util.h"
#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/greeting.h"

namespace bossa::socket {
namespace {

using testing::RawClient;

// Reads bossa's greeting and READY; returns the READY metadata.
zmtp::Metadata read_handshake(RawClient& raw) {
  std::string greeting;
  EXPECT_TRUE(raw.read_exactly(greeting, 64));
  auto g = zmtp::decode_greeting(greeting);
  EXPECT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->mechanism, "NULL");
  EXPECT_EQ(g->major, 3);
  EXPECT_EQ(g->minor, 1);
  auto frame = raw.read_frame();
  EXPECT_TRUE(frame.has_value());
  if (!frame) return {};
  EXPECT_TRUE(frame->first.command());
  auto cmd = zmtp::parse_command(frame->second);
  EXPECT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "READY");
  auto md = zmtp::parse_metadata(cmd->data);
  EXPECT_TRUE(md.ok());
  return md.ok() ? *md : zmtp::Metadata{};
}

TEST(Wire, ReadyCarriesSocketTypeAndIdentity) {
  Context ctx(1);
  Socket dealer(ctx, SocketType::kDealer);
  ASSERT_TRUE(dealer.set(Option::kRoutingId, "alice").ok());
  ASSERT_TRUE(dealer.bind("tcp://127.0.0.1:*").ok());
  RawClient raw(dealer.last_endpoint());
  raw.write(testing::handshake("ROUTER"));
  const zmtp::Metadata md = read_handshake(raw);
  EXPECT_EQ(zmtp::find_property(md, "Socket-Type"), "DEALER");
  EXPECT_EQ(zmtp::find_property(md, "Identity"), "alice");
}

TEST(Wire, PingIsAnsweredWithPongEchoingTheContext) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.bind("tcp://127.0.0.1:*").ok());
  RawClient raw(pull.last_endpoint());
  std::string out = testing::handshake("PUSH");
  zmtp::append_ping(out, 0, "ctx-42");
  raw.write(out);
  read_handshake(raw);
  auto frame = raw.read_frame();
  ASSERT_TRUE(frame.has_value());
  auto cmd = zmtp::parse_command(frame->second);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "PONG");
  EXPECT_EQ(cmd->data, "ctx-42");
}

TEST(Wire, DataFramesFollowTheHandshake) {
  Context ctx(1);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.bind("tcp://127.0.0.1:*").ok());
  RawClient raw(push.last_endpoint());
  raw.write(testing::handshake("PULL"));
  read_handshake(raw);
  ASSERT_TRUE(push.send(Message{"", std::string(300, 'z')}).ok());
  auto first = raw.read_frame();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->first.flags, zmtp::kFlagMore);
  EXPECT_EQ(first->second, "");
  auto second = raw.read_frame();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->first.flags, zmtp::kFlagLong);
  EXPECT_EQ(second->second, std::string(300, 'z'));
}

TEST(Wire, HeartbeatClosesASilentPeer) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.set(Option::kHeartbeatIvl, 20).ok());
  ASSERT_TRUE(pull.set(Option::kHeartbeatTimeout, 60).ok());
  ASSERT_TRUE(pull.bind("tcp://127.0.0.1:*").ok());
  RawClient raw(pull.last_endpoint());
  raw.write(testing::handshake("PUSH"));
  read_handshake(raw);
  auto ping = raw.read_frame();  // bossa pings; the raw peer never answers
  ASSERT_TRUE(ping.has_value());
  auto cmd = zmtp::parse_command(ping->second);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "PING");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(raw.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(testing::eventually([&] { return pull.stats().disconnects == 1; }));
  EXPECT_EQ(pull.stats().protocol_errors, 0u);
}

TEST(Wire, APeerHeardFromLatelyIsNotPinged) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  // An interval 15 times the gap between messages, so that a test thread kept from running a
  // while (a loaded machine) does not fall silent for a whole interval.
  ASSERT_TRUE(pull.set(Option::kHeartbeatIvl, 300).ok());
  ASSERT_TRUE(pull.bind("tcp://127.0.0.1:*").ok());
  RawClient raw(pull.last_endpoint());
  raw.write(testing::handshake("PUSH"));
  read_handshake(raw);
  // Five heartbeat intervals of traffic, a message every 20 ms: no PING is due.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int sent = 0;
  while (std::chrono::steady_clock::now() < until) {
    std::string message;
    zmtp::append_frame(message, "busy", false);
    raw.write(message);
    ++sent;
    ASSERT_FALSE(raw.readable_within(std::chrono::milliseconds(20)))
        << "bossa wrote to a peer it heard from " << sent << " messages ago";
  }
  for (int i = 0; i < sent; ++i) ASSERT_TRUE(pull.recv().ok());
  // Silent from here on: the PING comes.
  auto ping = raw.read_frame();
  ASSERT_TRUE(ping.has_value());
  auto cmd = zmtp::parse_command(ping->second);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "PING");
}

TEST(Wire, PeerTtlClosesTheConnectionWhenThePeerFallsSilent) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  ASSERT_TRUE(pull.bind("tcp://127.0.0.1:*").ok());
  RawClient raw(pull.last_endpoint());
  std::string out = testing::handshake("PUSH");
  zmtp::append_ping(out, 1, "");  // TTL: one tenth of a second
  raw.write(out);
  read_handshake(raw);
  EXPECT_TRUE(raw.closed_by_server());
  EXPECT_TRUE(testing::eventually([&] { return pull.stats().disconnects == 1; }));
}

}  // namespace
}  // namespace bossa::socket
