// Codec<Pid>: a pid inside a value.
#include "runtime/pid_codec.h"

#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bossa {
namespace {

TEST(PidCodec, PidsRoundTripInsideValuesAsANodeSerialTuple) {
  const std::vector<Pid> pids = {Pid{}, Pid{std::numeric_limits<uint32_t>::max(), 1},
                                 Pid{7, std::numeric_limits<uint64_t>::max()}};
  absl::StatusOr<std::string> bytes = encode(pids);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<std::vector<Pid>> back = decode<std::vector<Pid>>(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, pids);
  bytes = encode(Pid{3, 4});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ((decode<std::tuple<uint64_t, uint64_t>>(*bytes).value()),
            (std::tuple<uint64_t, uint64_t>{3, 4}));
  EXPECT_THAT(shape_of<Pid>()->field_names, ::testing::ElementsAre("node", "serial"));
}

TEST(PidCodec, ANodeIdPastThirtyTwoBitsIsRefused) {
  absl::StatusOr<std::string> bytes = encode(std::tuple<uint64_t, uint64_t>{uint64_t{1} << 32, 1});
  ASSERT_TRUE(bytes.ok());
  absl::Status status = decode<Pid>(*bytes).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("tuple field 0"));
}

}  // namespace
}  // namespace bossa
