#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/test_bytes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bossa::zmtp {
namespace {

// Feeds `wire` in pieces of `chunk` octets and collects (flags, body) of every frame.
std::vector<std::pair<int, std::string>> decode_all(const std::string& wire, std::size_t chunk,
                                                    FrameLimits limits = {}) {
  FrameDecoder d(limits);
  std::vector<std::pair<int, std::string>> frames;
  for (std::size_t at = 0; at < wire.size(); at += chunk) {
    std::string_view in = std::string_view(wire).substr(at, chunk);
    while (true) {
      auto f = d.next(in);
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
  append_frame(out, "abc", /*more=*/true);
  EXPECT_EQ(out, bytes({0x01, 3, 'a', 'b', 'c'}));
  out.clear();
  append_frame(out, "", false);
  EXPECT_EQ(out, bytes({0x00, 0}));
}

TEST(Frame, FrameOf256OctetsIsLong) {
  std::string out;
  append_frame(out, std::string(256, 'x'), false);
  ASSERT_EQ(out.size(), 9u + 256u);
  EXPECT_EQ(out.substr(0, 9), bytes({0x02, 0, 0, 0, 0, 0, 0, 1, 0}));
  out.clear();
  append_frame(out, std::string(255, 'x'), false);
  EXPECT_EQ(out.substr(0, 2), bytes({0x00, 255}));
}

TEST(Frame, ParsesLongHeaderBigEndian) {
  FrameLimits limits;
  auto h = parse_frame_header(bytes({0x03, 0, 0, 0, 0, 0, 0x10, 0, 0}), limits);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->size, 1u << 20);
  EXPECT_TRUE(h->more());
  EXPECT_EQ(h->header_size, 9u);
}

TEST(Frame, IncompleteHeaderAsksForMore) {
  FrameLimits limits;
  auto h = parse_frame_header(bytes({0x02, 0, 0}), limits);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->header_size, 0u);
}

TEST(Frame, RefusesReservedFlagBits) {
  for (int bit = 3; bit < 8; ++bit) {
    EXPECT_FALSE(parse_frame_header(bytes({1 << bit, 0}), FrameLimits{}).ok()) << bit;
  }
}

TEST(Frame, RefusesCommandWithMore) {
  EXPECT_FALSE(parse_frame_header(bytes({0x05, 0}), FrameLimits{}).ok());
}

TEST(Frame, RefusesFrameOverLimitFromHeaderAlone) {
  FrameLimits limits{100, 50};
  EXPECT_EQ(parse_frame_header(bytes({0x00, 101}), limits).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(parse_frame_header(bytes({0x00, 100}), limits).ok());
  EXPECT_FALSE(parse_frame_header(bytes({0x04, 51}), limits).ok());
  EXPECT_FALSE(parse_frame_header(bytes({0x02, 0x80, 0, 0, 0, 0, 0, 0, 0}), FrameLimits{}).ok());
}

TEST(Frame, RefusesDataFramesWhenOnlyCommandsAreAllowed) {
  FrameLimits limits;
  limits.messages_allowed = false;
  EXPECT_FALSE(parse_frame_header(bytes({0x00, 1}), limits).ok());
  EXPECT_TRUE(parse_frame_header(bytes({0x04, 1}), limits).ok());
}

TEST(Frame, DecoderYieldsSameFramesWhateverTheReadSizes) {
  std::string wire;
  append_frame(wire, "", true);
  append_frame(wire, std::string(300, 'y'), true);
  append_frame(wire, "tail", false);
  const std::vector<std::pair<int, std::string>> expected = {
      {0x01, ""}, {0x03, std::string(300, 'y')}, {0x00, "tail"}};
  for (std::size_t chunk : {1u, 2u, 3u, 9u, 10u, 64u, 1000u}) {
    EXPECT_EQ(decode_all(wire, chunk), expected) << "chunk " << chunk;
  }
}

TEST(Frame, DecoderHandlesOneMebibyteFrame) {
  std::string body(1 << 20, 'z');
  body[12345] = 'q';
  std::string wire;
  append_frame(wire, body, false);
  auto frames = decode_all(wire, 65536);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].second, body);
}

TEST(Frame, DecoderReportsReservedBitsMidStream) {
  std::string wire;
  append_frame(wire, "ok", false);
  wire += bytes({0x40, 1, 'x'});
  FrameDecoder d(FrameLimits{});
  std::string_view in = wire;
  auto first = d.next(in);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_FALSE(d.next(in).ok());
}

}  // namespace
}  // namespace bossa::zmtp
