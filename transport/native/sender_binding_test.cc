#include "transport/native/sender_binding.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>

namespace bossa::transport {
namespace {

class SenderBindingTest : public ::testing::Test {
 protected:
  using State = SenderBinding::State;

  State state(uint64_t pipe) const {
    if (open_.count(pipe) != 0) return State::kOpen;
    return closing_.count(pipe) != 0 ? State::kClosing : State::kGone;
  }
  absl::Status admit(uint32_t sender, uint64_t pipe) {
    return binding_.admit(sender, pipe, now_, [this](uint64_t p) { return state(p); });
  }
  void sweep() {
    binding_.sweep([this](uint64_t p) { return state(p); });
  }
  void close(uint64_t pipe) {
    open_.erase(pipe);
    closing_.insert(pipe);
  }

  static constexpr auto kQuietLimit = std::chrono::seconds(2);
  SenderBinding binding_{kQuietLimit};
  SenderBinding::TimePoint now_{};
  std::set<uint64_t> open_ = {1, 2, 3, 4, 5};
  std::set<uint64_t> closing_;
};

TEST_F(SenderBindingTest, AConnectionSpeaksForTheFirstNodeItCarries) {
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_TRUE(admit(20, 2).ok());
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_EQ(binding_.size(), 2u);
}

TEST_F(SenderBindingTest, ANodeSpeaksOnItsDataAndItsControlConnection) {
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_TRUE(admit(10, 2).ok());
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_EQ(binding_.size(), 2u);
}

TEST_F(SenderBindingTest, AThirdConnectionCannotSpeakForANodeWhoseTwoConnectionsAreOpen) {
  ASSERT_TRUE(admit(10, 1).ok());
  ASSERT_TRUE(admit(10, 2).ok());
  const absl::Status third = admit(10, 3);
  EXPECT_EQ(third.code(), absl::StatusCode::kUnavailable);  // not yet: both speak
  EXPECT_EQ(third.message(),
            "node 10 speaks on connections 1 and 2, which are open, not on connection 3");
  EXPECT_TRUE(admit(10, 1).ok());  // the node itself goes on
  EXPECT_TRUE(admit(10, 2).ok());
}

TEST_F(SenderBindingTest, ANodeMovesToANewConnectionOnceBothOpenOnesWereQuietForTheLimit) {
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_TRUE(admit(10, 2).ok());
  now_ += kQuietLimit + std::chrono::milliseconds(1);
  EXPECT_TRUE(admit(10, 2).ok());   // 2 speaks: 1 alone is quiet
  EXPECT_FALSE(admit(10, 3).ok());  // so no new connection takes a place
  now_ += kQuietLimit + std::chrono::milliseconds(1);
  EXPECT_TRUE(admit(10, 3).ok());   // both quiet: takes the place of the quietest, 1
  EXPECT_FALSE(admit(10, 1).ok());  // which speaks no more
  EXPECT_TRUE(admit(10, 2).ok());
  EXPECT_FALSE(admit(20, 3).ok());
}

TEST_F(SenderBindingTest, AConnectionCannotSpeakForASecondNode) {
  ASSERT_TRUE(admit(10, 1).ok());
  const absl::Status second = admit(30, 1);
  EXPECT_EQ(second.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(second.message(), "connection 1 speaks for node 10, not for node 30");
  EXPECT_EQ(binding_.size(), 1u);
}

TEST_F(SenderBindingTest, ANodeMovesToANewConnectionOnceAnOldOneClosed) {
  ASSERT_TRUE(admit(10, 1).ok());
  ASSERT_TRUE(admit(10, 2).ok());
  close(1);
  EXPECT_TRUE(admit(10, 3).ok());
  EXPECT_FALSE(admit(10, 4).ok());  // and is bound to the new one and the open one
  EXPECT_TRUE(admit(10, 2).ok());
}

TEST_F(SenderBindingTest, WhatAClosedConnectionDeliveredIsStillTakenAfterTheNodeMoved) {
  ASSERT_TRUE(admit(10, 1).ok());
  ASSERT_TRUE(admit(10, 2).ok());
  close(1);
  ASSERT_TRUE(admit(10, 3).ok());
  EXPECT_TRUE(admit(10, 1).ok());  // the old connection's last frames, read after the new one's
  EXPECT_TRUE(admit(10, 3).ok());
  EXPECT_FALSE(admit(20, 1).ok());  // but it speaks for node 10 alone
  EXPECT_FALSE(admit(10, 4).ok());
}

TEST_F(SenderBindingTest, SweepingForgetsConnectionsThatAreGoneAndNothingElse) {
  ASSERT_TRUE(admit(10, 1).ok());
  ASSERT_TRUE(admit(20, 2).ok());
  ASSERT_TRUE(admit(20, 4).ok());
  close(1);
  sweep();
  EXPECT_EQ(binding_.size(), 3u);  // still closing: its frames may still be read
  closing_.erase(1);
  sweep();
  EXPECT_EQ(binding_.size(), 2u);
  EXPECT_FALSE(admit(20, 3).ok());
  EXPECT_TRUE(admit(10, 3).ok());
}

}  // namespace
}  // namespace bossa::transport
