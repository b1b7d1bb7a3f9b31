#include "transport/socket/zmtp/command.h"

#include <gtest/gtest.h>

#include <string>

#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/test_bytes.h"

namespace bossa::zmtp {
namespace {

// Strips the frame header of one encoded command frame and returns its body.
std::string Body(const std::string& frame) {
  auto h = ParseFrameHeader(frame, FrameLimits{});
  EXPECT_TRUE(h.ok());
  EXPECT_TRUE(h->command());
  return frame.substr(h->header_size);
}

TEST(Command, ReadyWithSocketTypeOctetByOctet) {
  std::string out;
  AppendReady(out, {{"Socket-Type", "PUSH"}});
  std::string expected = Bytes({0x04, 26, 5});
  expected += "READY";
  expected += Bytes({11});
  expected += "Socket-Type";
  expected += Bytes({0, 0, 0, 4});
  expected += "PUSH";
  EXPECT_EQ(out, expected);
}

TEST(Command, ReadyMetadataRoundTripsWithEmptyValue) {
  std::string out;
  AppendReady(out, {{"Socket-Type", "ROUTER"}, {"Identity", ""}, {"X-Big", std::string(300, 'v')}});
  const std::string body = Body(out);
  auto cmd = ParseCommand(body);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "READY");
  auto md = ParseMetadata(cmd->data);
  ASSERT_TRUE(md.ok()) << md.status();
  ASSERT_EQ(md->size(), 3u);
  EXPECT_EQ(FindProperty(*md, "socket-type"), "ROUTER");
  EXPECT_EQ(FindProperty(*md, "IDENTITY"), "");
  EXPECT_EQ(FindProperty(*md, "X-Big")->size(), 300u);
  EXPECT_FALSE(FindProperty(*md, "Resource").has_value());
}

TEST(Command, MetadataRefusesValueOverrun) {
  std::string data = Bytes({1, 'A', 0, 0, 0, 9, 'x'});
  EXPECT_FALSE(ParseMetadata(data).ok());
  EXPECT_FALSE(ParseMetadata(Bytes({5, 'A'})).ok());
  EXPECT_FALSE(ParseMetadata(Bytes({0, 0, 0, 0, 0})).ok());
}

TEST(Command, RefusesNameOverrunAndEmptyBody) {
  EXPECT_FALSE(ParseCommand("").ok());
  EXPECT_FALSE(ParseCommand(Bytes({9, 'P', 'I'})).ok());
  EXPECT_FALSE(ParseCommand(Bytes({0})).ok());
}

TEST(Command, PingCarriesTtlAndContext) {
  std::string out;
  AppendPing(out, 0x0102, "ctx");
  EXPECT_EQ(out, Bytes({0x04, 10, 4, 'P', 'I', 'N', 'G', 1, 2, 'c', 't', 'x'}));
  const std::string body = Body(out);
  auto cmd = ParseCommand(body);
  ASSERT_TRUE(cmd.ok());
  auto ping = ParsePing(cmd->data);
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->ttl_deciseconds, 0x0102);
  EXPECT_EQ(ping->context, "ctx");
}

TEST(Command, PingOfWrongLengthIsRefused) {
  EXPECT_FALSE(ParsePing(Bytes({1})).ok());
  EXPECT_FALSE(ParsePing(std::string(19, 'x')).ok());
  EXPECT_TRUE(ParsePing(std::string(18, 'x')).ok());
  EXPECT_FALSE(ParsePong(std::string(17, 'x')).ok());
}

TEST(Command, PongEchoesContext) {
  std::string out;
  AppendPong(out, "abc");
  EXPECT_EQ(out, Bytes({0x04, 8, 4, 'P', 'O', 'N', 'G', 'a', 'b', 'c'}));
}

TEST(Command, ErrorReasonIsLengthPrefixed) {
  std::string out;
  AppendError(out, "no");
  const std::string body = Body(out);
  auto cmd = ParseCommand(body);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "ERROR");
  EXPECT_EQ(ParseError(cmd->data).value(), "no");
  EXPECT_FALSE(ParseError(Bytes({5, 'a'})).ok());
}

TEST(Command, SubscribeAndCancelCarryTheTopic) {
  std::string out;
  AppendSubscribe(out, "weather");
  const std::string body = Body(out);
  auto cmd = ParseCommand(body);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "SUBSCRIBE");
  EXPECT_EQ(cmd->data, "weather");
  out.clear();
  AppendCancel(out, "");
  EXPECT_EQ(out, Bytes({0x04, 7, 6, 'C', 'A', 'N', 'C', 'E', 'L'}));
}

TEST(Command, LongCommandUsesLongHeader) {
  std::string out;
  AppendSubscribe(out, std::string(300, 't'));
  EXPECT_EQ(static_cast<std::uint8_t>(out[0]), 0x06);
}

}  // namespace
}  // namespace bossa::zmtp
