#include "transport/socket/zmtp/command.h"

#include <gtest/gtest.h>

#include <string>

#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/test_bytes.h"

namespace bossa::zmtp {
namespace {

// Strips the frame header of one encoded command frame and returns its body.
std::string command_body(const std::string& frame) {
  auto h = parse_frame_header(frame, FrameLimits{});
  EXPECT_TRUE(h.ok());
  EXPECT_TRUE(h->command());
  return frame.substr(h->header_size);
}

TEST(Command, ReadyWithSocketTypeOctetByOctet) {
  std::string out;
  append_ready(out, {{"Socket-Type", "PUSH"}});
  std::string expected = bytes({0x04, 26, 5});
  expected += "READY";
  expected += bytes({11});
  expected += "Socket-Type";
  expected += bytes({0, 0, 0, 4});
  expected += "PUSH";
  EXPECT_EQ(out, expected);
}

TEST(Command, ReadyMetadataRoundTripsWithEmptyValue) {
  std::string out;
  append_ready(out,
               {{"Socket-Type", "ROUTER"}, {"Identity", ""}, {"X-Big", std::string(300, 'v')}});
  const std::string body = command_body(out);
  auto cmd = parse_command(body);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "READY");
  auto md = parse_metadata(cmd->data);
  ASSERT_TRUE(md.ok()) << md.status();
  ASSERT_EQ(md->size(), 3u);
  EXPECT_EQ(find_property(*md, "socket-type"), "ROUTER");
  EXPECT_EQ(find_property(*md, "IDENTITY"), "");
  EXPECT_EQ(find_property(*md, "X-Big")->size(), 300u);
  EXPECT_FALSE(find_property(*md, "Resource").has_value());
}

TEST(Command, MetadataRefusesValueOverrun) {
  std::string data = bytes({1, 'A', 0, 0, 0, 9, 'x'});
  EXPECT_FALSE(parse_metadata(data).ok());
  EXPECT_FALSE(parse_metadata(bytes({5, 'A'})).ok());
  EXPECT_FALSE(parse_metadata(bytes({0, 0, 0, 0, 0})).ok());
}

TEST(Command, RefusesNameOverrunAndEmptyBody) {
  EXPECT_FALSE(parse_command("").ok());
  EXPECT_FALSE(parse_command(bytes({9, 'P', 'I'})).ok());
  EXPECT_FALSE(parse_command(bytes({0})).ok());
}

TEST(Command, PingCarriesTtlAndContext) {
  std::string out;
  append_ping(out, 0x0102, "ctx");
  EXPECT_EQ(out, bytes({0x04, 10, 4, 'P', 'I', 'N', 'G', 1, 2, 'c', 't', 'x'}));
  const std::string body = command_body(out);
  auto cmd = parse_command(body);
  ASSERT_TRUE(cmd.ok());
  auto ping = parse_ping(cmd->data);
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->ttl_deciseconds, 0x0102);
  EXPECT_EQ(ping->context, "ctx");
}

TEST(Command, PingOfWrongLengthIsRefused) {
  EXPECT_FALSE(parse_ping(bytes({1})).ok());
  EXPECT_FALSE(parse_ping(std::string(19, 'x')).ok());
  EXPECT_TRUE(parse_ping(std::string(18, 'x')).ok());
  EXPECT_FALSE(parse_pong(std::string(17, 'x')).ok());
}

TEST(Command, PongEchoesContext) {
  std::string out;
  append_pong(out, "abc");
  EXPECT_EQ(out, bytes({0x04, 8, 4, 'P', 'O', 'N', 'G', 'a', 'b', 'c'}));
}

TEST(Command, ErrorReasonIsLengthPrefixed) {
  std::string out;
  append_error(out, "no");
  const std::string body = command_body(out);
  auto cmd = parse_command(body);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "ERROR");
  EXPECT_EQ(parse_error(cmd->data).value(), "no");
  EXPECT_FALSE(parse_error(bytes({5, 'a'})).ok());
}

TEST(Command, AHandshakeReadsLibzmqsPlainErrorWhoseNameLostItsSizeOctet) {
  // What libzmq 4.3.4's PLAIN server sends a client its ZAP handler refused with 400.
  const std::string body = bytes({0x5e, 'R', 'R', 'O', 'R', 3, '4', '0', '0'});
  EXPECT_FALSE(parse_command(body).ok());
  auto cmd = parse_handshake_command(body);
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->name, "ERROR");
  EXPECT_EQ(parse_error(cmd->data).value(), "400");
  // A body long enough for a 94-octet name is an ordinary command; others parse as ever.
  std::string long_name = bytes({0x5e, 'R', 'R', 'O', 'R'}) + std::string(90, 'x');
  EXPECT_EQ(parse_handshake_command(long_name).value().name, long_name.substr(1));
  EXPECT_EQ(parse_handshake_command(command_body(bytes({0x04, 6, 5, 'H', 'E', 'L', 'L', 'O'})))
                .value()
                .name,
            "HELLO");
  EXPECT_FALSE(parse_handshake_command(bytes({9, 'P', 'I'})).ok());
}

TEST(Command, SubscribeAndCancelCarryTheTopic) {
  std::string out;
  append_subscribe(out, "weather");
  const std::string body = command_body(out);
  auto cmd = parse_command(body);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->name, "SUBSCRIBE");
  EXPECT_EQ(cmd->data, "weather");
  out.clear();
  append_cancel(out, "");
  EXPECT_EQ(out, bytes({0x04, 7, 6, 'C', 'A', 'N', 'C', 'E', 'L'}));
}

TEST(Command, LongCommandUsesLongHeader) {
  std::string out;
  append_subscribe(out, std::string(300, 't'));
  EXPECT_EQ(static_cast<std::uint8_t>(out[0]), 0x06);
}

}  // namespace
}  // namespace bossa::zmtp
