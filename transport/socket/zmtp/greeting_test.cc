#include "transport/socket/zmtp/greeting.h"
#include "transport/socket/zmtp/test_bytes.h"

#include <gtest/gtest.h>

#include <string>

namespace bossa::zmtp {
namespace {

TEST(Greeting, EncodesNullClientOctetByOctet) {
  std::string out;
  append_greeting(out, Greeting{});
  std::string expected = bytes({0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, 1});
  expected += "NULL";
  expected.append(16, '\0');
  expected.push_back('\0');  // as-server
  expected.append(31, '\0');
  EXPECT_EQ(out, expected);
  EXPECT_EQ(out.size(), 64u);
}

TEST(Greeting, RoundTripsServerFlagAndMechanism) {
  std::string out;
  append_greeting(out, Greeting{3, 1, "PLAIN", true});
  auto g = decode_greeting(out);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->mechanism, "PLAIN");
  EXPECT_TRUE(g->as_server);
  EXPECT_EQ(g->major, 3);
  EXPECT_EQ(g->minor, 1);
}

TEST(Greeting, AcceptsAnyPaddingAsLibzmqSendsIt) {
  std::string out;
  append_greeting(out, Greeting{3, 0, "NULL", false});
  out[8] = 1;  // libzmq puts identity length + 1 in the padding
  auto g = decode_greeting(out);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->minor, 0);
}

TEST(Greeting, RefusesBadFirstOctetFromPrefixAlone) {
  EXPECT_FALSE(check_greeting_prefix("G").ok());  // e.g. "GET / HTTP/1.1"
  EXPECT_TRUE(check_greeting_prefix(bytes({0xFF, 0, 0})).ok());
  EXPECT_TRUE(check_greeting_prefix("").ok());
}

TEST(Greeting, RefusesBadSignatureEnd) {
  std::string out;
  append_greeting(out, Greeting{});
  out[9] = 0x01;
  EXPECT_FALSE(check_greeting_prefix(out.substr(0, 10)).ok());
  EXPECT_FALSE(decode_greeting(out).ok());
}

TEST(Greeting, RefusesVersionTwo) {
  std::string out;
  append_greeting(out, Greeting{2, 0, "NULL", false});
  EXPECT_FALSE(check_greeting_prefix(out.substr(0, 11)).ok());
  EXPECT_FALSE(decode_greeting(out).ok());
}

TEST(Greeting, RefusesTruncatedGreeting) {
  std::string out;
  append_greeting(out, Greeting{});
  EXPECT_FALSE(decode_greeting(out.substr(0, 63)).ok());
}

TEST(Greeting, RefusesUnpaddedOrEmptyMechanism) {
  std::string out;
  append_greeting(out, Greeting{});
  std::string bad = out;
  bad[12 + 6] = 'X';  // garbage after the terminating null
  EXPECT_FALSE(decode_greeting(bad).ok());
  bad = out;
  bad[12] = '\0';
  EXPECT_FALSE(decode_greeting(bad).ok());
  bad = out;
  bad[13] = 'u';  // lower case
  EXPECT_FALSE(decode_greeting(bad).ok());
}

TEST(Greeting, RefusesAsServerAboveOne) {
  std::string out;
  append_greeting(out, Greeting{});
  out[32] = 2;
  EXPECT_FALSE(decode_greeting(out).ok());
}

}  // namespace
}  // namespace bossa::zmtp
