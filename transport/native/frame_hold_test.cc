#include "transport/native/frame_hold.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace bossa::transport {
namespace {

using std::chrono::seconds;

class FrameHoldTest : public ::testing::Test {
 protected:
  bool hold(uint64_t key, uint32_t sender, std::string body) {
    socket::Message message(body);
    return hold_.hold(key, sender, message, now_);
  }
  // Releases what `ready_` lets through, noting what was handed over and what expired.
  void release() {
    hold_.release(
        now_,
        [this](uint64_t key, uint32_t sender) {
          return ready_.count({key, sender}) != 0;
        },
        [this](socket::Message message) { delivered_.push_back(message[0].to_string()); },
        [this](uint64_t key, uint32_t sender, size_t frames) {
          expired_.push_back({key, sender, frames});
        });
  }

  struct Expired {
    uint64_t key;
    uint32_t sender;
    size_t frames;
    bool operator==(const Expired&) const = default;
  };

  static constexpr auto kHoldFor = seconds(2);
  FrameHold hold_{kHoldFor, /*max_frames=*/3, /*max_bytes=*/16};
  FrameHold::TimePoint now_{};
  std::set<std::pair<uint64_t, uint32_t>> ready_;
  std::vector<std::string> delivered_;
  std::vector<Expired> expired_;
};

TEST_F(FrameHoldTest, AKeysFramesAreHandedOverInArrivalOrderOnceReady) {
  ASSERT_TRUE(hold(7, 10, "a"));
  ASSERT_TRUE(hold(8, 20, "x"));
  ASSERT_TRUE(hold(7, 10, "b"));
  release();
  EXPECT_TRUE(delivered_.empty());
  EXPECT_TRUE(hold_.holds(7));

  ready_.insert({7, 10});  // asked with the sender of the key's first frame
  release();
  EXPECT_EQ(delivered_, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(hold_.holds(7));
  EXPECT_TRUE(hold_.holds(8));
  EXPECT_TRUE(expired_.empty());
}

TEST_F(FrameHoldTest, FramesThatWaitedTheHoldTimeAreDroppedAndCounted) {
  ASSERT_TRUE(hold(7, 10, "a"));
  now_ += seconds(1);
  ASSERT_TRUE(hold(7, 10, "b"));
  ASSERT_TRUE(hold(8, 20, "x"));
  now_ += seconds(1);  // the first frame of key 7 waited the hold time; key 8's did not
  release();
  EXPECT_EQ(expired_, (std::vector<Expired>{{7, 10, 2}}));
  EXPECT_TRUE(delivered_.empty());
  EXPECT_FALSE(hold_.holds(7));
  EXPECT_TRUE(hold_.holds(8));
}

TEST_F(FrameHoldTest, AFrameIsNotHeldPastTheBoundOfItsKeyOrOfAll) {
  ASSERT_TRUE(hold(7, 10, "a"));
  ASSERT_TRUE(hold(7, 10, "b"));
  ASSERT_TRUE(hold(7, 10, "c"));
  EXPECT_FALSE(hold(7, 10, "d"));  // three frames under one key at most
  EXPECT_TRUE(hold(8, 20, "0123456789ab"));
  EXPECT_FALSE(hold(9, 30, "xy"));  // 16 octets in all at most
  EXPECT_FALSE(hold_.holds(9));

  ready_.insert({7, 10});
  release();  // which frees room
  EXPECT_EQ(delivered_, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(hold(9, 30, "xy"));
}

TEST_F(FrameHoldTest, AFrameHandedOverMayBeHeldAgain) {
  ASSERT_TRUE(hold(7, 10, "a"));
  ASSERT_TRUE(hold(7, 10, "b"));
  ready_.insert({7, 10});
  hold_.release(
      now_,
      [this](uint64_t key, uint32_t sender) {
        return ready_.count({key, sender}) != 0;
      },
      [this](socket::Message message) {
        // The receiver finds that a frame cannot be taken after all, and holds it once more.
        socket::Message again(message[0].view());
        if (message[0] == "b") {
          EXPECT_TRUE(hold_.hold(7, 10, again, now_));
        }
        delivered_.push_back(message[0].to_string());
      },
      [](uint64_t, uint32_t, size_t) { FAIL() << "nothing waited the hold time"; });
  EXPECT_EQ(delivered_, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(hold_.holds(7));
  ready_.clear();
  now_ += kHoldFor;
  release();
  EXPECT_EQ(expired_, (std::vector<Expired>{{7, 10, 1}}));
}

}  // namespace
}  // namespace bossa::transport
