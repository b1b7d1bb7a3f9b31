// Bad input from the network closes that one connection, counted and logged, and nothing else.
//
// A raw tcp client plays the misbehaving peer; a well-behaved bossa peer shares the socket under
// test and must keep working.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/raw_client.h"
#include "transport/socket/tests/test_util.h"
#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/greeting.h"

namespace bossa::socket {
namespace {

using testing::greeting;
using testing::handshake;

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pull_.set(Option::kRcvtimeo, 10000).ok());
    ASSERT_TRUE(pull_.set(Option::kMaxmsgsize, 1000).ok());
    ASSERT_TRUE(pull_.bind("tcp://127.0.0.1:*").ok());
    ASSERT_TRUE(good_.connect(pull_.last_endpoint()).ok());
    ASSERT_TRUE(good_.send("before").ok());
    ASSERT_EQ((*pull_.recv())[0], "before");
  }

  // Sends `bytes` from a raw client, expects the connection to be closed with a reason containing
  // `reason`, and the good peer to go on working.
  void expect_refused(const std::string& bytes, std::string_view reason, bool half_close = false) {
    const std::uint64_t errors = pull_.stats().protocol_errors;
    {
      testing::RawClient raw(pull_.last_endpoint());
      raw.write(bytes);
      if (half_close) raw.finish_writing();
      EXPECT_TRUE(raw.closed_by_server());
    }
    ASSERT_TRUE(testing::eventually([&] { return pull_.stats().protocol_errors == errors + 1; }));
    const SocketStats stats = pull_.stats();
    EXPECT_NE(stats.last_error.find(reason), std::string::npos) << stats.last_error;
    {
      const std::vector<std::string> lines = log_.lines();
      ASSERT_FALSE(lines.empty());
      EXPECT_NE(lines.back().find(reason), std::string::npos) << lines.back();
    }
    ASSERT_TRUE(good_.send("after").ok());
    absl::StatusOr<Message> m = pull_.recv();
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ((*m)[0], "after");
  }

  Context ctx_{1};
  testing::LogLines log_{ctx_};
  Socket pull_{ctx_, SocketType::kPull};
  Socket good_{ctx_, SocketType::kPush};
};

TEST_F(BadInputTest, GarbageBytesAreRefused) {
  expect_refused("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "octet 0");
}

TEST_F(BadInputTest, TruncatedGreetingIsRefused) {
  expect_refused(greeting().substr(0, 20), "truncated greeting", /*half_close=*/true);
}

TEST_F(BadInputTest, WrongMechanismIsRefused) {
  expect_refused(greeting("PLAIN"), "PLAIN");
}

TEST_F(BadInputTest, ReservedFlagBitsAreRefused) {
  expect_refused(handshake() + std::string("\x20\x01x", 3), "reserved flag bits");
}

TEST_F(BadInputTest, FrameOverMaxmsgsizeIsRefused) {
  std::string bytes = handshake();
  zmtp::append_frame(bytes, std::string(1001, 'x'), false);
  expect_refused(bytes, "exceeds the limit");
}

TEST_F(BadInputTest, CommandOfWrongLengthIsRefused) {
  std::string bytes = handshake();
  zmtp::append_command(bytes, "PING", std::string(1, '\0'));  // a TTL needs two octets
  expect_refused(bytes, "PING");
}

TEST_F(BadInputTest, MalformedReadyIsRefused) {
  std::string bytes = greeting();
  zmtp::append_command(bytes, "READY", std::string("\x0bSocket-Type\x00\x00\x00\x09PUSH", 20));
  expect_refused(bytes, "metadata");
}

TEST_F(BadInputTest, IncompatibleSocketTypeIsRefused) {
  expect_refused(handshake("PUB"), "cannot talk to a PUB");
}

TEST_F(BadInputTest, DataBeforeHandshakeIsRefused) {
  std::string bytes = greeting();
  zmtp::append_frame(bytes, "early", false);
  expect_refused(bytes, "before the handshake");
}

}  // namespace
}  // namespace bossa::socket
