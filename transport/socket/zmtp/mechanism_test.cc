#include "transport/socket/zmtp/mechanism.h"

#include <gtest/gtest.h>

#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/socket_type.h"

namespace bossa::zmtp {
namespace {

Command FirstCommand(const std::string& wire) {
  auto h = ParseFrameHeader(wire, FrameLimits{});
  EXPECT_TRUE(h.ok());
  auto c = ParseCommand(std::string_view(wire).substr(h->header_size, h->size));
  EXPECT_TRUE(c.ok());
  return *c;
}

TEST(NullMechanism, TwoPeersExchangeReadyAndLearnEachOther) {
  auto a = MakeNullMechanism({{"Socket-Type", "DEALER"}, {"Identity", "alice"}});
  auto b = MakeNullMechanism({{"Socket-Type", "ROUTER"}});
  std::string a_out, b_out;
  a->Start(a_out);
  b->Start(b_out);
  ASSERT_TRUE(b->OnCommand(FirstCommand(a_out), b_out).ok());
  ASSERT_TRUE(a->OnCommand(FirstCommand(b_out), a_out).ok());
  EXPECT_TRUE(a->done());
  EXPECT_TRUE(b->done());
  EXPECT_EQ(FindProperty(b->peer_metadata(), "Identity"), "alice");
  EXPECT_EQ(FindProperty(a->peer_metadata(), "Socket-Type"), "ROUTER");
}

TEST(NullMechanism, PeerErrorEndsTheHandshakeWithItsReason) {
  auto m = MakeNullMechanism({});
  std::string err, out;
  AppendError(err, "go away");
  absl::Status s = m->OnCommand(FirstCommand(err), out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("go away"), std::string::npos);
}

TEST(NullMechanism, RefusesOtherCommandsAndSecondReady) {
  auto m = MakeNullMechanism({});
  std::string ping, ready, out;
  AppendPing(ping, 1, "");
  EXPECT_FALSE(m->OnCommand(FirstCommand(ping), out).ok());
  AppendReady(ready, {});
  EXPECT_TRUE(m->OnCommand(FirstCommand(ready), out).ok());
  EXPECT_FALSE(m->OnCommand(FirstCommand(ready), out).ok());
}

TEST(SocketTypes, FollowRfc23Table) {
  using T = SocketType;
  EXPECT_TRUE(SocketTypesCompatible(T::req, T::router));
  EXPECT_TRUE(SocketTypesCompatible(T::router, T::req));
  EXPECT_TRUE(SocketTypesCompatible(T::dealer, T::dealer));
  EXPECT_TRUE(SocketTypesCompatible(T::xsub, T::pub));
  EXPECT_TRUE(SocketTypesCompatible(T::pull, T::push));
  EXPECT_FALSE(SocketTypesCompatible(T::push, T::push));
  EXPECT_FALSE(SocketTypesCompatible(T::req, T::req));
  EXPECT_FALSE(SocketTypesCompatible(T::pair, T::dealer));
  EXPECT_FALSE(SocketTypesCompatible(T::sub, T::sub));
  EXPECT_EQ(ParseSocketType("XPUB"), T::xpub);
  EXPECT_FALSE(ParseSocketType("xpub").has_value());
  EXPECT_EQ(SocketTypeName(T::dealer), "DEALER");
}

}  // namespace
}  // namespace bossa::zmtp
