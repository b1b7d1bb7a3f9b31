// PLAIN and CURVE mechanisms through their pure API: handshakes between two instances, refusals,
// CURVE's MESSAGE boxes, and every command cut short or grown too long.
#include <gtest/gtest.h>

#include <sodium.h>

#include <array>
#include <cstring>
#include <functional>
#include <string>

#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/keys.h"
#include "transport/socket/zmtp/mechanism.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::zmtp {
namespace {

using Decide = std::function<AuthReply(const AuthRequest&)>;

AuthReply allow(const AuthRequest&) {
  return AuthReply{true, "200", "OK", "user"};
}

// Takes the frames out of `wire`, one command body each.
std::vector<std::string> bodies(std::string& wire) {
  std::vector<std::string> out;
  std::string_view in = wire;
  FrameDecoder d(FrameLimits{});
  while (!in.empty()) {
    auto f = d.next(in);
    EXPECT_TRUE(f.ok());
    if (!f.ok() || !f->has_value()) break;
    out.emplace_back((*f)->body);
  }
  wire.clear();
  return out;
}

// Runs the handshake between `client` and `server`; the status of the first failure.
absl::Status handshake(Mechanism& client, Mechanism& server, const Decide& decide) {
  std::string to_server, to_client;
  client.start(to_server);
  server.start(to_client);
  for (int round = 0; round < 8 && !(client.done() && server.done()); ++round) {
    for (const std::string& b : bodies(to_server)) {
      absl::Status s = server.on_command(*parse_command(b), to_client);
      if (!s.ok()) return s;
      if (auto request = server.take_auth_request()) {
        s = server.on_auth_reply(decide(*request), to_client);
        if (!s.ok()) {
          for (const std::string& e : bodies(to_client))
            (void)client.on_command(*parse_command(e), to_server);
          return s;
        }
      }
    }
    for (const std::string& b : bodies(to_client)) {
      absl::Status s = client.on_command(*parse_command(b), to_server);
      if (!s.ok()) return s;
    }
  }
  return client.done() && server.done() ? absl::OkStatus() : absl::UnknownError("stalled");
}

struct CurvePair {
  CurveKeyPair server = curve_keypair();
  CurveKeyPair client = curve_keypair();
  SecurityConfig server_config() const {
    SecurityConfig c;
    c.as_server = true;
    c.curve_secretkey = *z85_decode(server.secret_key);
    return c;
  }
  SecurityConfig client_config() const {
    SecurityConfig c;
    c.curve_publickey = *z85_decode(client.public_key);
    c.curve_secretkey = *z85_decode(client.secret_key);
    c.curve_serverkey = *z85_decode(server.public_key);
    return c;
  }
};

TEST(PlainMechanism, ClientAndServerExchangeCredentialsAndMetadata) {
  SecurityConfig client_config{false, "admin", "secret", "", "", ""};
  auto client = make_plain_mechanism({{"Socket-Type", "REQ"}}, client_config);
  auto server =
      make_plain_mechanism({{"Socket-Type", "REP"}}, SecurityConfig{true, "", "", "", "", ""});
  AuthRequest seen;
  ASSERT_TRUE(handshake(*client, *server, [&](const AuthRequest& r) {
                seen = r;
                return allow(r);
              }).ok());
  EXPECT_EQ(seen.mechanism, "PLAIN");
  EXPECT_EQ(seen.credentials, (std::vector<std::string>{"admin", "secret"}));
  EXPECT_EQ(find_property(server->peer_metadata(), "Socket-Type"), "REQ");
  EXPECT_EQ(find_property(client->peer_metadata(), "Socket-Type"), "REP");
  EXPECT_FALSE(client->transforms_frames());
}

TEST(PlainMechanism, ARefusedClientGetsErrorWithTheReason) {
  auto client = make_plain_mechanism({}, SecurityConfig{false, "admin", "wrong", "", "", ""});
  auto server = make_plain_mechanism({}, SecurityConfig{true, "", "", "", "", ""});
  absl::Status s = handshake(*client, *server, [](const AuthRequest&) {
    return AuthReply{false, "400", "wrong password", ""};
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("wrong password"), std::string::npos);
}

TEST(PlainMechanism, HelloWhoseSizesDoNotAddUpIsRefused) {
  EXPECT_TRUE(parse_plain_hello(std::string("\x01u\x01p", 4)).ok());
  EXPECT_FALSE(parse_plain_hello("").ok());
  EXPECT_FALSE(parse_plain_hello(std::string("\x05u", 2)).ok());
  EXPECT_FALSE(parse_plain_hello(std::string("\x01u\x02p", 4)).ok());
  EXPECT_FALSE(parse_plain_hello(std::string("\x01u\x01pp", 5)).ok());
}

TEST(CurveMechanism, HandshakeAuthenticatesTheClientsLongTermKey) {
  CurvePair keys;
  auto client = make_curve_mechanism({{"Socket-Type", "DEALER"}}, keys.client_config());
  auto server = make_curve_mechanism({{"Socket-Type", "ROUTER"}}, keys.server_config());
  AuthRequest seen;
  ASSERT_TRUE(handshake(*client, *server, [&](const AuthRequest& r) {
                seen = r;
                return allow(r);
              }).ok());
  EXPECT_EQ(seen.mechanism, "CURVE");
  ASSERT_EQ(seen.credentials.size(), 1u);
  EXPECT_EQ(*z85_encode(seen.credentials[0]), keys.client.public_key);
  EXPECT_EQ(find_property(server->peer_metadata(), "Socket-Type"), "DEALER");
  EXPECT_EQ(find_property(client->peer_metadata(), "Socket-Type"), "ROUTER");
}

TEST(CurveMechanism, AWrongServerKeyFailsAtWelcome) {
  CurvePair keys;
  SecurityConfig cc = keys.client_config();
  cc.curve_serverkey = *z85_decode(curve_keypair().public_key);
  auto client = make_curve_mechanism({}, cc);
  auto server = make_curve_mechanism({}, keys.server_config());
  EXPECT_FALSE(handshake(*client, *server, allow).ok());
  EXPECT_FALSE(client->done());
}

TEST(CurveMechanism, MessagesOpenOnTheOtherSideOnlyOnceAndInOrder) {
  CurvePair keys;
  auto client = make_curve_mechanism({}, keys.client_config());
  auto server = make_curve_mechanism({}, keys.server_config());
  ASSERT_TRUE(handshake(*client, *server, allow).ok());
  for (std::size_t size : {0u, 1u, 255u, 256u, 70000u}) {
    std::string wire;
    ASSERT_TRUE(client->encode_frame(std::string(size, 'x'), kFlagMore, wire).ok());
    std::vector<std::string> b = bodies(wire);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].size(), size + client->frame_overhead());
    std::string scratch;
    std::uint8_t flags = 0;
    absl::StatusOr<std::string_view> payload = server->decode_frame(b[0], scratch, flags);
    ASSERT_TRUE(payload.ok()) << payload.status();
    EXPECT_EQ(*payload, std::string(size, 'x'));
    EXPECT_EQ(flags, kFlagMore);
    // The same box again: its nonce did not increase.
    EXPECT_FALSE(server->decode_frame(b[0], scratch, flags).ok());
  }
  std::string wire;
  ASSERT_TRUE(server->encode_frame("PING", kFlagCommand, wire).ok());
  std::string body = bodies(wire)[0];
  body[body.size() - 1] ^= 1;  // tampered
  std::string scratch;
  std::uint8_t flags = 0;
  EXPECT_FALSE(client->decode_frame(body, scratch, flags).ok());
}

TEST(CurveMechanism, EveryCommandCutShortOrGrownIsRefused) {
  CurvePair keys;
  auto fresh_server = [&] { return make_curve_mechanism({}, keys.server_config()); };
  auto client = make_curve_mechanism({}, keys.client_config());
  std::string to_server, to_client;
  client->start(to_server);
  const std::string hello = bodies(to_server)[0];
  auto server = fresh_server();
  ASSERT_TRUE(server->on_command(*parse_command(hello), to_client).ok());
  const std::string welcome = bodies(to_client)[0];
  // Each variant of a command goes to a peer in the state that expects that command.
  auto variants = [](const std::string& good) {
    return std::vector<std::string>{good.substr(0, 8), good.substr(0, good.size() - 1),
                                    good.substr(0, good.size() / 2), good + std::string(1, '\0')};
  };
  for (const std::string& bad : variants(hello)) {
    std::string out;
    auto cmd = parse_command(bad);
    ASSERT_TRUE(cmd.ok());
    EXPECT_FALSE(fresh_server()->on_command(*cmd, out).ok()) << bad.size();
    EXPECT_TRUE(out.empty());
  }
  for (const std::string& bad : variants(welcome)) {
    auto c = make_curve_mechanism({}, keys.client_config());
    std::string out;
    c->start(out);
    out.clear();
    EXPECT_FALSE(c->on_command(*parse_command(bad), out).ok()) << bad.size();
    EXPECT_TRUE(out.empty());
  }
  ASSERT_TRUE(client->on_command(*parse_command(welcome), to_server).ok());
  const std::string initiate = bodies(to_server)[0];
  for (const std::string& bad : {initiate.substr(0, 9 + 247), initiate.substr(0, 100)}) {
    auto s = fresh_server();
    std::string out;
    ASSERT_TRUE(s->on_command(*parse_command(hello), out).ok());
    EXPECT_FALSE(s->on_command(*parse_command(bad), out).ok()) << bad.size();
  }
  // The good INITIATE passes its own server; READY and MESSAGE boxes too short are refused.
  ASSERT_TRUE(server->on_command(*parse_command(initiate), to_client).ok());
  std::string scratch;
  std::uint8_t flags = 0;
  EXPECT_FALSE(
      server->decode_frame(std::string("\x07MESSAGE", 8) + std::string(24, '\0'), scratch, flags)
          .ok());
  EXPECT_FALSE(
      client->on_command(Command{kReady, std::string_view("\0\0\0\0\0\0\0\x01", 8)}, to_server)
          .ok());
}

// One command body from `wire`, which must hold exactly one.
std::string only(std::string& wire) {
  std::vector<std::string> b = bodies(wire);
  EXPECT_EQ(b.size(), 1u);
  return b.empty() ? std::string() : b[0];
}

TEST(CurveMechanism, AnInitiateWithAnotherConnectionsCookieIsRefused) {
  CurvePair keys;
  auto client_a = make_curve_mechanism({}, keys.client_config());
  auto server_a = make_curve_mechanism({}, keys.server_config());
  auto client_b = make_curve_mechanism({}, keys.client_config());
  auto server_b = make_curve_mechanism({}, keys.server_config());
  std::string to_a, to_b, back;
  client_a->start(to_a);
  client_b->start(to_b);
  ASSERT_TRUE(server_a->on_command(*parse_command(only(to_a)), back).ok());
  back.clear();
  ASSERT_TRUE(server_b->on_command(*parse_command(only(to_b)), back).ok());
  ASSERT_TRUE(client_b->on_command(*parse_command(only(back)), to_b).ok());
  // B's INITIATE (its cookie from server B) at server A.
  absl::Status s = server_a->on_command(*parse_command(only(to_b)), back);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cookie is not this connection's"), std::string::npos) << s;
  EXPECT_FALSE(server_a->take_auth_request().has_value());
}

TEST(CurveMechanism, ASecondHelloIsRefused) {
  CurvePair keys;
  auto client = make_curve_mechanism({}, keys.client_config());
  auto server = make_curve_mechanism({}, keys.server_config());
  std::string hello, back;
  client->start(hello);
  const std::string body = only(hello);
  ASSERT_TRUE(server->on_command(*parse_command(body), back).ok());
  absl::Status s = server->on_command(*parse_command(body), back);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unexpected command 'HELLO'"), std::string::npos) << s;
}

TEST(CurveMechanism, MessagesOutOfOrderOrReflectedBackDoNotOpen) {
  CurvePair keys;
  auto client = make_curve_mechanism({}, keys.client_config());
  auto server = make_curve_mechanism({}, keys.server_config());
  ASSERT_TRUE(handshake(*client, *server, allow).ok());
  std::string wire;
  ASSERT_TRUE(client->encode_frame("first", 0, wire).ok());
  const std::string first = only(wire);
  ASSERT_TRUE(client->encode_frame("second", 0, wire).ok());
  const std::string second = only(wire);
  std::string scratch;
  std::uint8_t flags = 0;
  // A client's box sent back to it: it is sealed for the server's side only.
  absl::StatusOr<std::string_view> reflected = client->decode_frame(second, scratch, flags);
  EXPECT_FALSE(reflected.ok());
  ASSERT_TRUE(server->decode_frame(second, scratch, flags).ok());
  absl::StatusOr<std::string_view> late = server->decode_frame(first, scratch, flags);
  EXPECT_FALSE(late.ok());
  EXPECT_NE(late.status().message().find("did not increase"), std::string::npos) << late.status();
}

TEST(CurveMechanism, AForgedMessageWhoseBoxDoesNotOpenLeavesTheNonceWhereItWas) {
  CurvePair keys;
  auto client = make_curve_mechanism({}, keys.client_config());
  auto server = make_curve_mechanism({}, keys.server_config());
  ASSERT_TRUE(handshake(*client, *server, allow).ok());
  std::string wire;
  ASSERT_TRUE(client->encode_frame("real", 0, wire).ok());
  const std::string real = only(wire);
  // MESSAGE with the largest short nonce and a box of the right size sealed by no one.
  const std::string forged =
      std::string("\x07MESSAGE", 8) + std::string(8, '\xff') + std::string(16 + 1 + 4, 'f');
  std::string scratch;
  std::uint8_t flags = 0;
  absl::StatusOr<std::string_view> refused = server->decode_frame(forged, scratch, flags);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("does not open"), std::string::npos)
      << refused.status();
  absl::StatusOr<std::string_view> payload = server->decode_frame(real, scratch, flags);
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(*payload, "real");
}

// Neither seals nor opens a frame: FailedPrecondition, and nothing appended.
void expect_no_frames(Mechanism& m, std::string_view body, const char* when) {
  std::string out;
  EXPECT_EQ(m.encode_frame("data", 0, out).code(), absl::StatusCode::kFailedPrecondition) << when;
  EXPECT_TRUE(out.empty()) << when;
  std::string scratch;
  std::uint8_t flags = 0;
  EXPECT_EQ(m.decode_frame(body, scratch, flags).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << when;
}

TEST(PlainMechanism, FramesAreNeitherSealedNorOpenedBeforeOrAfterTheHandshake) {
  auto client = make_plain_mechanism({}, SecurityConfig{false, "admin", "secret", "", "", ""});
  auto server = make_plain_mechanism({}, SecurityConfig{true, "", "", "", "", ""});
  expect_no_frames(*client, "data", "before");
  ASSERT_TRUE(handshake(*client, *server, allow).ok());
  expect_no_frames(*client, "data", "after: PLAIN does not transform frames");
}

TEST(CurveMechanism, FramesAreNeitherSealedNorOpenedBeforeTheHandshakeIsDone) {
  CurvePair keys;
  auto client = make_curve_mechanism({}, keys.client_config());
  auto server = make_curve_mechanism({}, keys.server_config());
  // A MESSAGE sealed with the all-zero key a mechanism holds before it has a shared one.
  const std::array<std::uint8_t, 32> zero_key{};
  std::array<std::uint8_t, 24> nonce{};
  std::memcpy(nonce.data(), "CurveZMQMESSAGEC", 16);
  nonce[23] = 1;
  const std::uint8_t plain[] = {0, 'x'};
  std::string zero_boxed(sizeof plain + crypto_box_MACBYTES, '\0');
  crypto_box_easy_afternm(reinterpret_cast<std::uint8_t*>(zero_boxed.data()), plain, sizeof plain,
                          nonce.data(), zero_key.data());
  const std::string zero_body = std::string("\x07MESSAGE", 8) +
                                std::string(reinterpret_cast<const char*>(nonce.data()) + 16, 8) +
                                zero_boxed;
  expect_no_frames(*server, zero_body, "fresh server");
  expect_no_frames(*client, zero_body, "fresh client");
  // The server holds the shared key once INITIATE opened, but the authenticator has not
  // answered yet; the client holds it once it sent INITIATE, but READY has not come.
  std::string to_server, to_client;
  client->start(to_server);
  ASSERT_TRUE(server->on_command(*parse_command(only(to_server)), to_client).ok());
  ASSERT_TRUE(client->on_command(*parse_command(only(to_client)), to_server).ok());
  ASSERT_TRUE(server->on_command(*parse_command(only(to_server)), to_client).ok());
  ASSERT_TRUE(server->take_auth_request().has_value());
  expect_no_frames(*server, zero_body, "server awaiting its authenticator");
  expect_no_frames(*client, zero_body, "client awaiting READY");
}

}  // namespace
}  // namespace bossa::zmtp
