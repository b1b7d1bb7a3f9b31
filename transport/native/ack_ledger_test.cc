#include "transport/native/ack_ledger.h"

#include <gtest/gtest.h>

#include "transport/native/native_wire.h"

namespace bossa::transport {
namespace {

TEST(AckLedger, WhatWasNeverAcknowledgedIsInDoubt) {
  AckLedger ledger;
  EXPECT_EQ(ledger.tally(0), (DeliveryTally{0, 0}));
  EXPECT_EQ(ledger.tally(5).in_doubt(), 5u);
  EXPECT_TRUE(ledger.on_ack(3, 5));
  EXPECT_EQ(ledger.tally(9), (DeliveryTally{9, 3}));
  EXPECT_EQ(ledger.tally(9).in_doubt(), 6u);
  EXPECT_TRUE(ledger.on_ack(9, 9));
  EXPECT_EQ(ledger.tally(9).in_doubt(), 0u);
}

TEST(AckLedger, AcksOnlyGrow) {
  AckLedger ledger;
  ASSERT_TRUE(ledger.on_ack(7, 10));
  EXPECT_TRUE(ledger.on_ack(4, 10));  // an older heartbeat, read late
  EXPECT_EQ(ledger.tally(10).acked, 7u);
}

TEST(AckLedger, AnAckAboveWhatTheLinkAcceptedIsIgnored) {
  AckLedger ledger;
  ASSERT_TRUE(ledger.on_ack(2, 4));
  EXPECT_FALSE(ledger.on_ack(11, 4));  // counts another link's envelopes
  EXPECT_EQ(ledger.tally(4), (DeliveryTally{4, 2}));
}

TEST(AckLedger, AcceptedIsAlwaysAcknowledgedPlusInDoubt) {
  AckLedger ledger;
  uint64_t accepted = 0;
  for (uint64_t step = 1; step <= 50; ++step) {
    accepted += step;
    (void)ledger.on_ack(accepted - step / 2, accepted);
    const DeliveryTally tally = ledger.tally(accepted);
    EXPECT_EQ(tally.accepted, tally.acked + tally.in_doubt());
    EXPECT_EQ(tally.in_doubt(), step / 2);
  }
}

TEST(NativeAck, TravelsAsEightOctetsLittleEndian) {
  const std::string body = encode_ack(0x0102030405060708);
  EXPECT_EQ(body, std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  absl::StatusOr<std::optional<uint64_t>> ack = decode_ack(body);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(*ack, std::optional<uint64_t>(0x0102030405060708));
}

TEST(NativeAck, AnEmptyBodyCarriesNoneAndAnyOtherSizeIsRefused) {
  absl::StatusOr<std::optional<uint64_t>> none = decode_ack("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  absl::StatusOr<std::optional<uint64_t>> bad = decode_ack("1234");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "an ack of 4 octets, expected 8");
}

}  // namespace
}  // namespace bossa::transport
