// Helpers of the codec tests (test code only; GoogleTest): a value encoded and decoded again, and
// the bytes of one value decoded as another type.
#pragma once

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "serialization/codec.h"

namespace bossa {

// `value` encoded and decoded; a test failure (and T{}) if either step fails.
template <class T>
T round_trip(const T& value) {
  absl::StatusOr<std::string> bytes = encode(value);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (!bytes.ok()) return T{};
  absl::StatusOr<T> back = decode<T>(*bytes);
  EXPECT_TRUE(back.ok()) << back.status();
  if (!back.ok()) return T{};
  return *std::move(back);
}

// What decoding the bytes of `value` as a To says.
template <class To, class From>
absl::Status decode_as(const From& value, const DecodeLimits& limits = {}) {
  absl::StatusOr<std::string> bytes = encode(value);
  if (!bytes.ok()) return bytes.status();
  return decode<To>(*bytes, limits).status();
}

}  // namespace bossa
