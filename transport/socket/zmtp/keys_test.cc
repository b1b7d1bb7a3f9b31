#include "transport/socket/zmtp/keys.h"

#include <gtest/gtest.h>

#include <string>

namespace bossa::zmtp {
namespace {

TEST(Z85, EncodesTheSpecificationsExample) {
  const std::string data = {'\x86', '\x4F', '\xD2', '\x6F', '\xB5', '\x59', '\xF7', '\x5B'};
  EXPECT_EQ(*z85_encode(data), "HelloWorld");
  EXPECT_EQ(*z85_decode("HelloWorld"), data);
}

TEST(Z85, RoundTripsEveryOctetValue) {
  std::string data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  absl::StatusOr<std::string> text = z85_encode(data);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->size(), 320u);
  EXPECT_EQ(*z85_decode(*text), data);
  EXPECT_EQ(*z85_encode(""), "");
}

TEST(Z85, RefusesSizesThatAreNotWholeGroups) {
  EXPECT_FALSE(z85_encode("abc").ok());
  EXPECT_FALSE(z85_decode("Hello0").ok());
}

TEST(Z85, RefusesCharactersOutsideTheAlphabetAndGroupsOver32Bits) {
  EXPECT_FALSE(z85_decode("Hell\"").ok());
  EXPECT_FALSE(z85_decode(std::string("Hell\0", 5)).ok());
  EXPECT_FALSE(z85_decode("#####").ok());  // 85^5 - 1 > 2^32 - 1
  EXPECT_EQ(*z85_decode("%nSc0"), std::string(4, '\xFF'));
}

TEST(CurveKeys, AKeyPairsPublicKeyIsDerivedFromItsSecretKey) {
  CurveKeyPair a = curve_keypair();
  CurveKeyPair b = curve_keypair();
  EXPECT_EQ(a.public_key.size(), 40u);
  EXPECT_EQ(a.secret_key.size(), 40u);
  EXPECT_NE(a.public_key, b.public_key);
  EXPECT_EQ(*curve_public(a.secret_key), a.public_key);
  EXPECT_EQ(*curve_public(*z85_decode(b.secret_key)), b.public_key);
}

TEST(CurveKeys, KnownSecretKeyGivesItsKnownPublicKey) {
  // The test key pair of libzmq's zmq_curve(7) manual.
  EXPECT_EQ(*curve_public("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
            "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID");
}

TEST(CurveKeys, KeysAreTakenRawOrAsZ85AndNothingElse) {
  EXPECT_EQ(curve_key_bytes(std::string(32, 'k'))->size(), 32u);
  EXPECT_EQ(*curve_key_bytes("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"),
            *z85_decode("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"));
  EXPECT_FALSE(curve_key_bytes("short").ok());
  EXPECT_FALSE(curve_public(std::string(39, 'a')).ok());
}

}  // namespace
}  // namespace bossa::zmtp
