#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/test_bytes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bossa::zmtp {
namespace {

// Feeds `wire` in pieces of `chunk` octets and collects (flags, body) of every frame.
std::vector<std::pair<int, std::string>> DecodeAll(const std::string& wire, std::size_t chunk,
                                                   FrameLimits limits = {}) {
  FrameDecoder d(limits);
  std::vector<std::pair<int, std::string>> frames;
  for (std::size_t at = 0; at < wire.size(); at += chunk) {
    std::string_view in = std::string_view(wire).substr(at, chunk);
    while (true) {
      auto f = d.Next(in);
      EXPECT_TRUE(f.ok()) << f.status();
      if (!f.ok() || !f->has_value()) break;
      frames.emplace_back((*f)->header.flags, std::string((*f)->body));
    }
    EXPECT_TRUE(in.empty());
  }
  return frames;
}

TEST(Frame, ShortFrameIsFlagsSizeBody) {
  std::string out;
  AppendFrame(out, "abc", /*more=*/true);
  EXPECT_EQ(out, Bytes({0x01, 3, 'a', 'b', 'c'}));
  out.clear();
  AppendFrame(out, "", false);
  EXPECT_EQ(out, Bytes({0x00, 0}));
}

TEST(Frame, FrameOf256OctetsIsLong) {
  std::string out;
  AppendFrame(out, std::string(256, 'x'), false);
  ASSERT_EQ(out.size(), 9u + 256u);
  EXPECT_EQ(out.substr(0, 9), Bytes({0x02, 0, 0, 0, 0, 0, 0, 1, 0}));
  out.clear();
  AppendFrame(out, std::string(255, 'x'), false);
  EXPECT_EQ(out.substr(0, 2), Bytes({0x00, 255}));
}

TEST(Frame, ParsesLongHeaderBigEndian) {
  FrameLimits limits;
  auto h = ParseFrameHeader(Bytes({0x03, 0, 0, 0, 0, 0, 0x10, 0, 0}), limits);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->size, 1u << 20);
  EXPECT_TRUE(h->more());
  EXPECT_EQ(h->header_size, 9u);
}

TEST(Frame, IncompleteHeaderAsksForMore) {
  FrameLimits limits;
  auto h = ParseFrameHeader(Bytes({0x02, 0, 0}), limits);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->header_size, 0u);
}

TEST(Frame, RefusesReservedFlagBits) {
  for (int bit = 3; bit < 8; ++bit) {
    EXPECT_FALSE(ParseFrameHeader(Bytes({1 << bit, 0}), FrameLimits{}).ok()) << bit;
  }
}

TEST(Frame, RefusesCommandWithMore) {
  EXPECT_FALSE(ParseFrameHeader(Bytes({0x05, 0}), FrameLimits{}).ok());
}

TEST(Frame, RefusesFrameOverLimitFromHeaderAlone) {
  FrameLimits limits{100, 50};
  EXPECT_EQ(ParseFrameHeader(Bytes({0x00, 101}), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(ParseFrameHeader(Bytes({0x00, 100}), limits).ok());
  EXPECT_FALSE(ParseFrameHeader(Bytes({0x04, 51}), limits).ok());
  EXPECT_FALSE(ParseFrameHeader(Bytes({0x02, 0x80, 0, 0, 0, 0, 0, 0, 0}), FrameLimits{}).ok());
}

TEST(Frame, RefusesDataFramesWhenOnlyCommandsAreAllowed) {
  FrameLimits limits;
  limits.messages_allowed = false;
  EXPECT_FALSE(ParseFrameHeader(Bytes({0x00, 1}), limits).ok());
  EXPECT_TRUE(ParseFrameHeader(Bytes({0x04, 1}), limits).ok());
}

TEST(Frame, DecoderYieldsSameFramesWhateverTheReadSizes) {
  std::string wire;
  AppendFrame(wire, "", true);
  AppendFrame(wire, std::string(300, 'y'), true);
  AppendFrame(wire, "tail", false);
  const std::vector<std::pair<int, std::string>> expected = {
      {0x01, ""}, {0x03, std::string(300, 'y')}, {0x00, "tail"}};
  for (std::size_t chunk : {1u, 2u, 3u, 9u, 10u, 64u, 1000u}) {
    EXPECT_EQ(DecodeAll(wire, chunk), expected) << "chunk " << chunk;
  }
}

TEST(Frame, DecoderHandlesOneMebibyteFrame) {
  std::string body(1 << 20, 'z');
  body[12345] = 'q';
  std::string wire;
  AppendFrame(wire, body, false);
  auto frames = DecodeAll(wire, 65536);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].second, body);
}

TEST(Frame, DecoderReportsReservedBitsMidStream) {
  std::string wire;
  AppendFrame(wire, "ok", false);
  wire += Bytes({0x40, 1, 'x'});
  FrameDecoder d(FrameLimits{});
  std::string_view in = wire;
  auto first = d.Next(in);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_FALSE(d.Next(in).ok());
}

}  // namespace
}  // namespace bossa::zmtp
