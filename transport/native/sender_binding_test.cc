#include "transport/native/sender_binding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

namespace bossa::transport {
namespace {

class SenderBindingTest : public ::testing::Test {
 protected:
  absl::Status admit(uint32_t sender, uint64_t pipe) {
    return binding_.admit(sender, pipe, [this](uint64_t p) { return open_.count(p) != 0; });
  }

  SenderBinding binding_;
  std::set<uint64_t> open_ = {1, 2, 3};
};

TEST_F(SenderBindingTest, AConnectionSpeaksForTheFirstNodeItCarries) {
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_TRUE(admit(20, 2).ok());
  EXPECT_TRUE(admit(10, 1).ok());
  EXPECT_EQ(binding_.size(), 2u);
}

TEST_F(SenderBindingTest, ASecondConnectionCannotSpeakForANodeWhoseConnectionIsOpen) {
  ASSERT_TRUE(admit(10, 1).ok());
  const absl::Status spoofed = admit(10, 2);
  EXPECT_EQ(spoofed.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(spoofed.message(),
            "node 10 speaks on connection 1, which is open, not on connection 2");
  EXPECT_TRUE(admit(10, 1).ok());  // the node itself goes on
}

TEST_F(SenderBindingTest, AConnectionCannotSpeakForASecondNode) {
  ASSERT_TRUE(admit(10, 1).ok());
  const absl::Status second = admit(30, 1);
  EXPECT_EQ(second.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(second.message(), "connection 1 speaks for node 10, not for node 30");
  EXPECT_EQ(binding_.size(), 1u);
}

TEST_F(SenderBindingTest, ANodeMovesToANewConnectionOnceItsOldOneClosed) {
  ASSERT_TRUE(admit(10, 1).ok());
  open_.erase(1);
  EXPECT_TRUE(admit(10, 3).ok());
  EXPECT_FALSE(admit(10, 2).ok());  // and is bound to the new one
  EXPECT_EQ(binding_.size(), 1u);
}

TEST_F(SenderBindingTest, SweepingForgetsClosedConnectionsAndNothingElse) {
  ASSERT_TRUE(admit(10, 1).ok());
  ASSERT_TRUE(admit(20, 2).ok());
  open_.erase(1);
  binding_.sweep([this](uint64_t p) { return open_.count(p) != 0; });
  EXPECT_EQ(binding_.size(), 1u);
  EXPECT_FALSE(admit(20, 3).ok());
  EXPECT_TRUE(admit(10, 3).ok());
}

}  // namespace
}  // namespace bossa::transport
