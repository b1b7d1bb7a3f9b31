// PLAIN and CURVE between bossa sockets: the security options, the handshakes, the authenticator
// rule (none installed = every client refused) and the peer's authenticated identity.
#include <gtest/gtest.h>

#include <string>

#include "transport/socket/core/context.h"
#include "transport/socket/core/keys.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

TEST(SecurityOptions, SwitchTheMechanismAsLibzmqsDo) {
  Context ctx(1);
  Socket s(ctx, SocketType::kDealer);
  EXPECT_EQ(*s.get_int(Option::kMechanism), 0);
  ASSERT_TRUE(s.set(Option::kPlainServer, 1).ok());
  EXPECT_EQ(*s.get_int(Option::kMechanism), 1);
  EXPECT_EQ(*s.get_int(Option::kPlainServer), 1);
  ASSERT_TRUE(s.set(Option::kPlainUsername, "admin").ok());
  EXPECT_EQ(*s.get_int(Option::kPlainServer), 0);  // a user name makes it a PLAIN client
  EXPECT_EQ(*s.get_string(Option::kPlainUsername), "admin");
  ASSERT_TRUE(s.set(Option::kPlainUsername, "").ok());
  EXPECT_EQ(*s.get_int(Option::kMechanism), 0);
  ASSERT_TRUE(s.set(Option::kCurveServer, 1).ok());
  EXPECT_EQ(*s.get_int(Option::kMechanism), 2);
  EXPECT_EQ(*s.get_int(Option::kCurveServer), 1);
  EXPECT_FALSE(s.set(Option::kCurveServer, 2).ok());
  ASSERT_TRUE(s.set(Option::kCurveServer, 0).ok());
  EXPECT_EQ(*s.get_int(Option::kMechanism), 0);
  EXPECT_FALSE(s.set(Option::kMechanism, 1).ok());  // read-only
}

TEST(SecurityOptions, KeysAreTakenRawOrAsZ85AndReadBackAsZ85) {
  Context ctx(1);
  Socket s(ctx, SocketType::kDealer);
  const CurveKeyPair pair = curve_keypair();
  ASSERT_TRUE(s.set(Option::kCurvePublickey, pair.public_key).ok());
  ASSERT_TRUE(s.set(Option::kCurveSecretkey, *z85_decode(pair.secret_key)).ok());
  EXPECT_EQ(*s.get_string(Option::kCurvePublickey), pair.public_key);
  EXPECT_EQ(*s.get_string(Option::kCurveSecretkey), pair.secret_key);
  EXPECT_EQ(*s.get_string(Option::kCurveServerkey), "");
  EXPECT_EQ(*s.get_int(Option::kMechanism), 2);
  EXPECT_FALSE(s.set(Option::kCurveServerkey, "too short").ok());
  EXPECT_FALSE(s.set(Option::kCurveServerkey, std::string(40, '"')).ok());  // not Z85
  ASSERT_TRUE(s.set(Option::kZapDomain, "global").ok());
  EXPECT_EQ(*s.get_string(Option::kZapDomain), "global");
  EXPECT_FALSE(s.set(Option::kZapDomain, std::string(256, 'd')).ok());
}

TEST(SecurityOptions, ACurveSocketWithoutItsKeysCannotBindOrConnect) {
  Context ctx(1);
  Socket server(ctx, SocketType::kRep);
  ASSERT_TRUE(server.set(Option::kCurveServer, 1).ok());
  absl::Status s = server.bind("tcp://127.0.0.1:*");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("curve_secretkey"), std::string::npos);
  Socket client(ctx, SocketType::kReq);
  ASSERT_TRUE(client.set(Option::kCurveServerkey, curve_keypair().public_key).ok());
  ASSERT_TRUE(client.set(Option::kCurveSecretkey, curve_keypair().secret_key).ok());
  s = client.connect("tcp://127.0.0.1:5555");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("curve_publickey"), std::string::npos);
}

}  // namespace
}  // namespace bossa::socket
