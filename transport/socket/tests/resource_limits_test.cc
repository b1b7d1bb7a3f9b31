// What a peer can make a socket hold is bounded by what it sends: a frame's announced size
// allocates nothing by itself, a message is bounded by maxmsgsize as a whole, and a listener
// admits only so many connections and handshakes at once, and handshakes only so long.
//
// A raw tcp client plays the peer; the socket under test must stay up and keep serving.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/raw_client.h"
#include "transport/socket/tests/test_util.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::socket {
namespace {

using testing::eventually;
using testing::handshake;
using testing::RawClient;

// The process's virtual memory, in octets (VmSize in /proc/self/status): what it reserved, touched
// or not.
std::uint64_t virtual_memory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmSize:", 0) != 0) continue;
    std::uint64_t kib = 0;
    const std::string digits = line.substr(line.find_first_of("0123456789"));
    EXPECT_TRUE(absl::SimpleAtoi(digits.substr(0, digits.find(' ')), &kib)) << line;
    return kib * 1024;
  }
  ADD_FAILURE() << "no VmSize in /proc/self/status";
  return 0;
}

// A long frame header announcing `size` octets of a data frame.
std::string long_header(std::uint64_t size, bool more = false) {
  std::string out(zmtp::kLongHeaderSize, '\0');
  const std::size_t n = zmtp::write_frame_header(reinterpret_cast<std::uint8_t*>(out.data()), size,
                                                 more ? zmtp::kFlagMore : 0);
  EXPECT_EQ(n, zmtp::kLongHeaderSize);
  return out;
}

class ResourceLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pull_.set(Option::kRcvtimeo, 10000).ok()); }

  void bind_and_connect_good_peer() {
    ASSERT_TRUE(pull_.bind("tcp://127.0.0.1:*").ok());
    ASSERT_TRUE(good_.connect(pull_.last_endpoint()).ok());
    expect_serving("before");
  }

  // The good peer's messages still arrive.
  void expect_serving(const std::string& text) {
    ASSERT_TRUE(good_.send(text).ok());
    absl::StatusOr<Message> m = pull_.recv();
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ((*m)[0], text);
  }

  Context ctx_{1};
  testing::LogLines log_{ctx_};
  Socket pull_{ctx_, SocketType::kPull};
  Socket good_{ctx_, SocketType::kPush};
};

TEST_F(ResourceLimitsTest, EverySocketHasAFiniteDefaultMaxmsgsize) {
  absl::StatusOr<std::int64_t> max = pull_.get_int(Option::kMaxmsgsize);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, kDefaultMaxmsgsize);
  EXPECT_GT(*max, 0);
}

TEST_F(ResourceLimitsTest, AHugeAnnouncedFrameClosesTheConnectionUnderTheDefaultLimit) {
  bind_and_connect_good_peer();
  for (const int bits : {31, 40, 62}) {
    SCOPED_TRACE(bits);
    const std::uint64_t errors = pull_.stats().protocol_errors;
    {
      RawClient raw(pull_.last_endpoint());
      raw.write(handshake() + long_header(std::uint64_t{1} << bits) + "0123456789");
      EXPECT_TRUE(raw.closed_by_server());
    }
    ASSERT_TRUE(eventually([&] { return pull_.stats().protocol_errors == errors + 1; }));
    EXPECT_NE(pull_.stats().last_error.find("exceeds the limit"), std::string::npos)
        << pull_.stats().last_error;
    expect_serving("after");
  }
}

TEST_F(ResourceLimitsTest, WithoutALimitAnAnnouncedSizeCostsOnlyWhatArrived) {
  ASSERT_TRUE(pull_.set(Option::kMaxmsgsize, -1).ok());
  EXPECT_TRUE(log_.contains("maxmsgsize -1"));
  bind_and_connect_good_peer();
  // Each peer announces a body far larger than the machine's memory, or 1 GiB, and sends 10
  // octets of it. Holding what was announced would abort the process or reserve 40 GiB.
  constexpr int kPeers = 40;
  const std::uint64_t before = virtual_memory();
  std::vector<std::unique_ptr<RawClient>> peers;
  for (int i = 0; i < kPeers; ++i) {
    peers.push_back(std::make_unique<RawClient>(pull_.last_endpoint()));
    const std::uint64_t announced = i % 2 == 0 ? std::uint64_t{1} << 62 : std::uint64_t{1} << 30;
    peers.back()->write(handshake() + long_header(announced) + "0123456789");
  }
  ASSERT_TRUE(eventually([&] {
    const SocketStats stats = pull_.stats();
    return stats.inbound_open == kPeers + 1 && stats.inbound_handshaking == 0;
  }));
  expect_serving("while they wait");
  // It may also shrink meanwhile (a thread's stack or a freed mapping given back).
  const std::uint64_t after = virtual_memory();
  const std::uint64_t grown = after > before ? after - before : 0;
  // A new thread heap alone reserves 64 MiB; holding what was announced would be 40 GiB.
  EXPECT_LT(grown, std::uint64_t{1} << 30) << "virtual memory grew by " << grown << " octets";
  EXPECT_EQ(pull_.stats().protocol_errors, 0u);
  peers.clear();
  ASSERT_TRUE(eventually([&] { return pull_.stats().inbound_open == 1; }));
}

TEST_F(ResourceLimitsTest, ALargeBodyGrowsAsItArrivesAndArrivesWhole) {
  ASSERT_TRUE(pull_.set(Option::kMaxmsgsize, -1).ok());
  bind_and_connect_good_peer();
  std::string body(3 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 131 + i / 4096);
  RawClient raw(pull_.last_endpoint());
  raw.write(handshake() + long_header(body.size(), /*more=*/true));
  for (std::size_t at = 0; at < body.size(); at += 100000) raw.write(body.substr(at, 100000));
  std::string last;
  zmtp::append_frame(last, "end", false);
  raw.write(last);
  absl::StatusOr<Message> m = pull_.recv();
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_TRUE((*m)[0].view() == body);
  EXPECT_EQ((*m)[1], "end");
}

TEST_F(ResourceLimitsTest, MaxmsgsizeBoundsAMultipartMessageAsAWhole) {
  ASSERT_TRUE(pull_.set(Option::kMaxmsgsize, 1000).ok());
  bind_and_connect_good_peer();
  std::string bytes = handshake();
  for (int i = 0; i < 20; ++i) zmtp::append_frame(bytes, std::string(100, 'x'), /*more=*/true);
  RawClient raw(pull_.last_endpoint());
  raw.write(bytes);
  EXPECT_TRUE(raw.closed_by_server());
  ASSERT_TRUE(eventually([&] { return pull_.stats().protocol_errors == 1; }));
  EXPECT_NE(pull_.stats().last_error.find("more than maxmsgsize (1000)"), std::string::npos)
      << pull_.stats().last_error;
  expect_serving("after");
}

TEST_F(ResourceLimitsTest, AMessageOfExactlyMaxmsgsizeIsTakenInOneFrameOrSeveral) {
  ASSERT_TRUE(pull_.set(Option::kMaxmsgsize, 100000).ok());
  bind_and_connect_good_peer();
  RawClient raw(pull_.last_endpoint());
  std::string bytes = handshake();
  zmtp::append_frame(bytes, std::string(100000, 'a'), false);  // in place: a large frame
  zmtp::append_frame(bytes, std::string(99872, 'b'), true);    // 100000 - 128 for the second
  zmtp::append_frame(bytes, "", false);
  raw.write(bytes);
  absl::StatusOr<Message> one = pull_.recv();
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ((*one)[0].size(), 100000u);
  absl::StatusOr<Message> two = pull_.recv();
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(pull_.stats().protocol_errors, 0u);
}

TEST_F(ResourceLimitsTest, ConnectionsPastMaxHandshakesAreClosedAsTheyAreAccepted) {
  ASSERT_TRUE(pull_.set(Option::kMaxHandshakes, 2).ok());
  bind_and_connect_good_peer();
  auto first = std::make_unique<RawClient>(pull_.last_endpoint());
  RawClient second(pull_.last_endpoint());
  std::string greeting;
  ASSERT_TRUE(first->read_exactly(greeting, 10));  // admitted: the socket greets it
  ASSERT_TRUE(second.read_exactly(greeting, 10));
  {
    RawClient third(pull_.last_endpoint());
    EXPECT_TRUE(third.closed_by_server());
  }
  EXPECT_EQ(pull_.stats().connections_refused, 1u);
  EXPECT_EQ(pull_.stats().inbound_handshaking, 2u);
  EXPECT_TRUE(log_.contains("(max_handshakes)"));
  expect_serving("meanwhile");
  first.reset();  // a place frees up
  ASSERT_TRUE(eventually([&] { return pull_.stats().inbound_handshaking == 1; }));
  RawClient fourth(pull_.last_endpoint());
  EXPECT_TRUE(fourth.read_exactly(greeting, 10));
}

TEST_F(ResourceLimitsTest, ConnectionsPastMaxConnectionsAreClosedAsTheyAreAccepted) {
  ASSERT_TRUE(pull_.set(Option::kMaxConnections, 3).ok());
  bind_and_connect_good_peer();  // the first of three
  std::vector<std::unique_ptr<RawClient>> peers;
  for (int i = 0; i < 2; ++i) {
    peers.push_back(std::make_unique<RawClient>(pull_.last_endpoint()));
    peers.back()->write(handshake());
  }
  ASSERT_TRUE(eventually([&] { return pull_.stats().inbound_open == 3; }));
  {
    RawClient refused(pull_.last_endpoint());
    EXPECT_TRUE(refused.closed_by_server());
  }
  EXPECT_EQ(pull_.stats().connections_refused, 1u);
  EXPECT_TRUE(log_.contains("(max_connections)"));
  expect_serving("still");
}

TEST_F(ResourceLimitsTest, AHandshakeThatTakesLongerThanHandshakeIvlIsClosed) {
  bind_and_connect_good_peer();
  ASSERT_TRUE(pull_.set(Option::kHandshakeIvl, 200).ok());  // for endpoints bound from now on
  ASSERT_TRUE(pull_.bind("tcp://127.0.0.1:*").ok());
  RawClient silent(pull_.last_endpoint());
  EXPECT_TRUE(silent.closed_by_server());
  ASSERT_TRUE(eventually([&] { return pull_.stats().protocol_errors == 1; }));
  EXPECT_NE(pull_.stats().last_error.find("handshake_ivl (200 ms)"), std::string::npos)
      << pull_.stats().last_error;
  EXPECT_TRUE(eventually([&] { return pull_.stats().inbound_handshaking == 0; }));
}

TEST_F(ResourceLimitsTest, TheLimitsAreOptionsWithRangesLikeTheOthers) {
  for (const Option option :
       {Option::kHandshakeIvl, Option::kMaxConnections, Option::kMaxHandshakes}) {
    EXPECT_FALSE(pull_.set(option, -1).ok()) << option_name(option);
    ASSERT_TRUE(pull_.set(option, 7).ok()) << option_name(option);
    EXPECT_EQ(*pull_.get_int(option), 7) << option_name(option);
  }
  EXPECT_TRUE(pull_.set(Option::kHandshakeIvl, 0).ok());  // no limit, as in libzmq
  EXPECT_FALSE(pull_.set(Option::kMaxConnections, 0).ok());
}

}  // namespace
}  // namespace bossa::socket
