#include "transport/socket/zmtp/mechanism.h"

#include <gtest/gtest.h>

#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/socket_type.h"

namespace bossa::zmtp {
namespace {

Command first_command(const std::string& wire) {
  auto h = parse_frame_header(wire, FrameLimits{});
  EXPECT_TRUE(h.ok());
  auto c = parse_command(std::string_view(wire).substr(h->header_size, h->size));
  EXPECT_TRUE(c.ok());
  return *c;
}

TEST(NullMechanism, TwoPeersExchangeReadyAndLearnEachOther) {
  auto a = make_null_mechanism({{"Socket-Type", "DEALER"}, {"Identity", "alice"}});
  auto b = make_null_mechanism({{"Socket-Type", "ROUTER"}});
  std::string a_out, b_out;
  a->start(a_out);
  b->start(b_out);
  ASSERT_TRUE(b->on_command(first_command(a_out), b_out).ok());
  ASSERT_TRUE(a->on_command(first_command(b_out), a_out).ok());
  EXPECT_TRUE(a->done());
  EXPECT_TRUE(b->done());
  EXPECT_EQ(find_property(b->peer_metadata(), "Identity"), "alice");
  EXPECT_EQ(find_property(a->peer_metadata(), "Socket-Type"), "ROUTER");
}

TEST(NullMechanism, PeerErrorEndsTheHandshakeWithItsReason) {
  auto m = make_null_mechanism({});
  std::string err, out;
  append_error(err, "go away");
  absl::Status s = m->on_command(first_command(err), out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("go away"), std::string::npos);
}

TEST(NullMechanism, RefusesOtherCommandsAndSecondReady) {
  auto m = make_null_mechanism({});
  std::string ping, ready, out;
  append_ping(ping, 1, "");
  EXPECT_FALSE(m->on_command(first_command(ping), out).ok());
  append_ready(ready, {});
  EXPECT_TRUE(m->on_command(first_command(ready), out).ok());
  EXPECT_FALSE(m->on_command(first_command(ready), out).ok());
}

TEST(SocketTypes, FollowRfc23Table) {
  using T = SocketType;
  EXPECT_TRUE(socket_types_compatible(T::kReq, T::kRouter));
  EXPECT_TRUE(socket_types_compatible(T::kRouter, T::kReq));
  EXPECT_TRUE(socket_types_compatible(T::kDealer, T::kDealer));
  EXPECT_TRUE(socket_types_compatible(T::kXsub, T::kPub));
  EXPECT_TRUE(socket_types_compatible(T::kPull, T::kPush));
  EXPECT_FALSE(socket_types_compatible(T::kPush, T::kPush));
  EXPECT_FALSE(socket_types_compatible(T::kReq, T::kReq));
  EXPECT_FALSE(socket_types_compatible(T::kPair, T::kDealer));
  EXPECT_FALSE(socket_types_compatible(T::kSub, T::kSub));
  EXPECT_EQ(parse_socket_type("XPUB"), T::kXpub);
  EXPECT_FALSE(parse_socket_type("xpub").has_value());
  EXPECT_EQ(socket_type_name(T::kDealer), "DEALER");
}

}  // namespace
}  // namespace bossa::zmtp
