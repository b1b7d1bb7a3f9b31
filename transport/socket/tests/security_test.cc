// PLAIN and CURVE between bossa sockets: the security options, the handshakes, the authenticator
// rule (none installed = every client refused) and the peer's authenticated identity.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/socket/core/context.h"
#include "transport/socket/core/keys.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/core/zap_client.h"
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
  ASSERT_TRUE(s.set(Option::kCurveServer, 1).ok());
  EXPECT_EQ(*s.get_int(Option::kMechanism), 2);
  EXPECT_EQ(*s.get_int(Option::kCurveServer), 1);
  EXPECT_FALSE(s.set(Option::kCurveServer, 2).ok());
  ASSERT_TRUE(s.set(Option::kCurveServer, 0).ok());
  EXPECT_EQ(*s.get_int(Option::kMechanism), 0);
  EXPECT_FALSE(s.set(Option::kMechanism, 1).ok());  // read-only
}

TEST(SecurityOptions, AUserNameMakesAPlainClientAndNeverTurnsAPlainServerIntoAnother) {
  Context ctx(1);
  Socket client(ctx, SocketType::kDealer);
  ASSERT_TRUE(client.set(Option::kPlainUsername, "admin").ok());
  EXPECT_EQ(*client.get_int(Option::kMechanism), 1);
  EXPECT_EQ(*client.get_int(Option::kPlainServer), 0);
  EXPECT_EQ(*client.get_string(Option::kPlainUsername), "admin");
  Socket server(ctx, SocketType::kDealer);
  ASSERT_TRUE(server.set(Option::kPlainServer, 1).ok());
  ASSERT_TRUE(server.set(Option::kPlainPassword, "secret").ok());
  EXPECT_EQ(*server.get_int(Option::kPlainServer), 1);
  EXPECT_EQ(*server.get_int(Option::kMechanism), 1);
}

// An empty value is refused, as libzmq's EINVAL: it used to clear the mechanism, turning a PLAIN
// server silently into a NULL one that lets every client in.
TEST(SecurityOptions, AnEmptyUserNameOrPasswordIsRefusedAndLeavesAPlainServerAlone) {
  Context ctx(1);
  Socket s(ctx, SocketType::kDealer);
  ASSERT_TRUE(s.set(Option::kPlainServer, 1).ok());
  for (Option o : {Option::kPlainUsername, Option::kPlainPassword}) {
    absl::Status st = s.set(o, "");
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find(o == Option::kPlainUsername ? "plain_username" : "plain_password"),
              std::string::npos)
        << st;
    EXPECT_EQ(*s.get_int(Option::kMechanism), 1);
    EXPECT_EQ(*s.get_int(Option::kPlainServer), 1);
  }
  EXPECT_FALSE(s.set(Option::kPlainUsername, std::string(256, 'u')).ok());
  EXPECT_EQ(*s.get_int(Option::kPlainServer), 1);
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

TEST(SecurityOptions, ACurveClientWithAMismatchedOrWeakKeyCannotConnect) {
  Context ctx(1);
  const CurveKeyPair own = curve_keypair();
  Socket mismatched(ctx, SocketType::kReq);
  ASSERT_TRUE(mismatched.set(Option::kCurveServerkey, curve_keypair().public_key).ok());
  ASSERT_TRUE(mismatched.set(Option::kCurveSecretkey, own.secret_key).ok());
  ASSERT_TRUE(mismatched.set(Option::kCurvePublickey, curve_keypair().public_key).ok());
  absl::Status s = mismatched.connect("tcp://127.0.0.1:5555");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("not the public key of curve_secretkey"), std::string::npos) << s;

  Socket weak(ctx, SocketType::kReq);
  ASSERT_TRUE(weak.set(Option::kCurveServerkey, std::string(32, '\0')).ok());
  ASSERT_TRUE(weak.set(Option::kCurveSecretkey, own.secret_key).ok());
  ASSERT_TRUE(weak.set(Option::kCurvePublickey, own.public_key).ok());
  s = weak.connect("tcp://127.0.0.1:5555");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("curve_serverkey is a weak key"), std::string::npos) << s;
}

using testing::LogLines;

struct Keys {
  CurveKeyPair server = curve_keypair();
  CurveKeyPair client = curve_keypair();
};

void make_curve_server(Socket& s, const Keys& k) {
  ASSERT_TRUE(s.set(Option::kCurveServer, 1).ok());
  ASSERT_TRUE(s.set(Option::kCurveSecretkey, k.server.secret_key).ok());
}

void make_curve_client(Socket& s, const Keys& k, const std::string& server_key) {
  ASSERT_TRUE(s.set(Option::kCurveServerkey, server_key).ok());
  ASSERT_TRUE(s.set(Option::kCurvePublickey, k.client.public_key).ok());
  ASSERT_TRUE(s.set(Option::kCurveSecretkey, k.client.secret_key).ok());
}

// Sends one message of each size from `from` to `to` and back (REQ/REP), checking the octets.
void round_trips(Socket& req, Socket& rep) {
  for (std::size_t size : {0u, 1u, 255u, 256u, 70000u}) {
    std::string body(size, '\0');
    for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>(i * 7);
    ASSERT_TRUE(req.send(Message{body, "tail"}).ok());
    absl::StatusOr<Message> got = rep.recv();
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].view(), body);
    ASSERT_TRUE(rep.send(std::move(*got)).ok());
    absl::StatusOr<Message> back = req.recv();
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ((*back)[0].view(), body);
  }
}

class SecureTransports : public ::testing::TestWithParam<testing::Transport> {};

TEST_P(SecureTransports, CurveClientAndServerTalkAndTheServerKnowsTheClientsKey) {
  Context ctx(1);
  Keys k;
  auto auth = std::make_shared<Authenticator>();
  ASSERT_TRUE(auth->allow_curve("", k.client.public_key).ok());
  ctx.set_authenticator(auth);
  Socket rep(ctx, SocketType::kRep);
  make_curve_server(rep, k);
  ASSERT_TRUE(rep.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(rep.bind(testing::bind_endpoint(GetParam())).ok());
  Socket req(ctx, SocketType::kReq);
  make_curve_client(req, k, k.server.public_key);
  ASSERT_TRUE(req.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(req.connect(rep.last_endpoint()).ok());
  ASSERT_NO_FATAL_FAILURE(round_trips(req, rep));
  ASSERT_TRUE(req.send("who").ok());
  absl::StatusOr<Message> m = rep.recv();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*rep.message_property(*m, "User-Id"), k.client.public_key);
  EXPECT_EQ(*rep.message_property(*m, "Socket-Type"), "REQ");
}

TEST_P(SecureTransports, AClientsKeyIsKnownForItsLastMessageAfterItLeft) {
  Context ctx(1);
  Keys k;
  auto auth = std::make_shared<Authenticator>();
  ASSERT_TRUE(auth->allow_curve("", k.client.public_key).ok());
  ctx.set_authenticator(auth);
  Socket pull(ctx, SocketType::kPull);
  make_curve_server(pull, k);
  ASSERT_TRUE(pull.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(pull.bind(testing::bind_endpoint(GetParam())).ok());
  absl::StatusOr<Message> m;
  {
    Socket push(ctx, SocketType::kPush);
    make_curve_client(push, k, k.server.public_key);
    ASSERT_TRUE(push.connect(pull.last_endpoint()).ok());
    ASSERT_TRUE(push.send("last words").ok());
    m = pull.recv();
    ASSERT_TRUE(m.ok());
  }
  ASSERT_TRUE(testing::eventually(
      [&] { return pull.connection_state(m->pipe_id()) == Socket::ConnectionState::kGone; }));
  EXPECT_EQ(pull.message_property(*m, "User-Id").value_or("gone"), k.client.public_key);
}

TEST_P(SecureTransports, PlainClientWithTheRightPasswordIsServedItsUserNameKnown) {
  Context ctx(1);
  auto auth = std::make_shared<Authenticator>();
  auth->allow_plain("", "admin", "secret");
  ctx.set_authenticator(auth);
  Socket rep(ctx, SocketType::kRep);
  ASSERT_TRUE(rep.set(Option::kPlainServer, 1).ok());
  ASSERT_TRUE(rep.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(rep.bind(testing::bind_endpoint(GetParam())).ok());
  Socket req(ctx, SocketType::kReq);
  ASSERT_TRUE(req.set(Option::kPlainUsername, "admin").ok());
  ASSERT_TRUE(req.set(Option::kPlainPassword, "secret").ok());
  ASSERT_TRUE(req.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(req.connect(rep.last_endpoint()).ok());
  ASSERT_NO_FATAL_FAILURE(round_trips(req, rep));
  ASSERT_TRUE(req.send("who").ok());
  absl::StatusOr<Message> m = rep.recv();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*rep.message_property(*m, "User-Id"), "admin");
}

INSTANTIATE_TEST_SUITE_P(Streams, SecureTransports,
                         ::testing::Values(testing::Transport::kTcp, testing::Transport::kIpc),
                         [](const auto& info) { return testing::transport_name(info.param); });

// Who turns a client away: the authenticator (an unknown key, a wrong password, a denied
// address), or the handshake itself (another mechanism, a box that does not open).
enum class RefusedBy { kAuthenticator, kHandshake };

// Binds a secured server, connects a client, and waits until the server refused it.
void expect_refused(Context& ctx, LogLines& log, Socket& server, Socket& client,
                    std::string_view reason, RefusedBy by = RefusedBy::kAuthenticator) {
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  ASSERT_TRUE(testing::eventually([&] { return server.stats().protocol_errors > 0; }));
  EXPECT_TRUE(testing::eventually([&] { return log.contains(reason); })) << reason;
  EXPECT_EQ(server.stats().connections_established, 0u);
  EXPECT_EQ(server.stats().auth_refusals,
            by == RefusedBy::kAuthenticator ? server.stats().protocol_errors : 0u)
      << "the authenticator's refusals are counted apart from failed handshakes";
  (void)ctx;
}

TEST(Authenticator, ACurveServerWithoutOneRefusesEveryClient) {
  Context ctx(1);
  LogLines log(ctx);
  Keys k;
  Socket server(ctx, SocketType::kPull);
  make_curve_server(server, k);
  Socket client(ctx, SocketType::kPush);
  make_curve_client(client, k, k.server.public_key);
  expect_refused(ctx, log, server, client, "no authenticator");
}

TEST(Authenticator, APlainServerWithoutOneRefusesEveryClient) {
  Context ctx(1);
  LogLines log(ctx);
  Socket server(ctx, SocketType::kPull);
  ASSERT_TRUE(server.set(Option::kPlainServer, 1).ok());
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.set(Option::kPlainUsername, "admin").ok());
  expect_refused(ctx, log, server, client, "no authenticator");
  // The client heard why.
  EXPECT_TRUE(testing::eventually([&] { return client.stats().protocol_errors > 0; }));
}

TEST(Authenticator, AWrongPasswordIsRefused) {
  Context ctx(1);
  LogLines log(ctx);
  auto auth = std::make_shared<Authenticator>();
  auth->allow_plain("", "admin", "secret");
  ctx.set_authenticator(auth);
  Socket server(ctx, SocketType::kPull);
  ASSERT_TRUE(server.set(Option::kPlainServer, 1).ok());
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.set(Option::kPlainUsername, "admin").ok());
  ASSERT_TRUE(client.set(Option::kPlainPassword, "guess").ok());
  expect_refused(ctx, log, server, client, "wrong user name or password");
}

TEST(Authenticator, AnUnknownKeyADeniedAddressAndAnotherDomainAreRefused) {
  Context ctx(1);
  LogLines log(ctx);
  Keys k;
  auto auth = std::make_shared<Authenticator>();
  auth->allow_any_curve("open");
  auth->deny_address("open", "127.0.0.1");
  ASSERT_TRUE(auth->allow_curve("", curve_keypair().public_key).ok());
  ctx.set_authenticator(auth);
  {
    Socket server(ctx, SocketType::kPull);
    make_curve_server(server, k);
    Socket client(ctx, SocketType::kPush);
    make_curve_client(client, k, k.server.public_key);
    expect_refused(ctx, log, server, client, "unknown CURVE key");
  }
  {
    Socket server(ctx, SocketType::kPull);
    make_curve_server(server, k);
    ASSERT_TRUE(server.set(Option::kZapDomain, "open").ok());
    Socket client(ctx, SocketType::kPush);
    make_curve_client(client, k, k.server.public_key);
    expect_refused(ctx, log, server, client, "address denied");
  }
  {
    Socket server(ctx, SocketType::kPull);
    make_curve_server(server, k);
    ASSERT_TRUE(server.set(Option::kZapDomain, "elsewhere").ok());
    Socket client(ctx, SocketType::kPush);
    make_curve_client(client, k, k.server.public_key);
    expect_refused(ctx, log, server, client, "nothing is allowed");
  }
}

TEST(Authenticator, AClientOfAnotherMechanismIsRefusedAtTheGreeting) {
  Context ctx(1);
  LogLines log(ctx);
  Keys k;
  auto auth = std::make_shared<Authenticator>();
  auth->allow_any_curve("");
  auth->allow_plain("", "admin", "secret");
  ctx.set_authenticator(auth);
  {
    Socket server(ctx, SocketType::kPull);
    make_curve_server(server, k);
    Socket client(ctx, SocketType::kPush);  // NULL
    expect_refused(ctx, log, server, client, "peer uses the NULL mechanism, this socket uses CURVE",
                   RefusedBy::kHandshake);
  }
  {
    Socket server(ctx, SocketType::kPull);
    make_curve_server(server, k);
    Socket client(ctx, SocketType::kPush);
    ASSERT_TRUE(client.set(Option::kPlainUsername, "admin").ok());
    ASSERT_TRUE(client.set(Option::kPlainPassword, "secret").ok());
    expect_refused(ctx, log, server, client,
                   "peer uses the PLAIN mechanism, this socket uses CURVE", RefusedBy::kHandshake);
  }
}

// With ipv6 a wildcard listener is dual-stack: an IPv4 client arrives as ::ffff:127.0.0.1, and
// the rules written for 127.0.0.1 must hold for it all the same.
TEST(Authenticator, AddressRulesHoldForIpv4ClientsOfADualStackListener) {
  Context ctx(1);
  LogLines log(ctx);
  Keys k;
  auto auth = std::make_shared<Authenticator>();
  auth->allow_any_curve("");
  auth->deny_address("", "127.0.0.1");
  ctx.set_authenticator(auth);
  Socket server(ctx, SocketType::kPull);
  make_curve_server(server, k);
  ASSERT_TRUE(server.set(Option::kIpv6, 1).ok());
  ASSERT_TRUE(server.bind("tcp://*:*").ok());
  const std::string bound = server.last_endpoint();
  const std::string port = bound.substr(bound.rfind(':') + 1);
  Socket client(ctx, SocketType::kPush);
  make_curve_client(client, k, k.server.public_key);
  ASSERT_TRUE(client.connect("tcp://127.0.0.1:" + port).ok());
  ASSERT_TRUE(testing::eventually([&] { return server.stats().protocol_errors > 0; }));
  EXPECT_TRUE(testing::eventually([&] { return log.contains("address denied"); }));
  EXPECT_EQ(server.stats().connections_established, 0u);
}

TEST(Authenticator, AClientWithTheWrongServerKeyNeverConnects) {
  Context ctx(1);
  LogLines log(ctx);
  Keys k;
  auto auth = std::make_shared<Authenticator>();
  auth->allow_any_curve("");
  ctx.set_authenticator(auth);
  Socket server(ctx, SocketType::kPull);
  make_curve_server(server, k);
  Socket client(ctx, SocketType::kPush);
  make_curve_client(client, k, curve_keypair().public_key);
  expect_refused(ctx, log, server, client, "HELLO signature box does not open",
                 RefusedBy::kHandshake);
}

TEST(ZapHandler, DecidesWhenNoAuthenticatorIsSetAndNamesTheUser) {
  Context ctx(1);
  Keys k;
  Socket handler(ctx, SocketType::kRep);
  ASSERT_TRUE(handler.bind("inproc://zeromq.zap.01").ok());
  Socket server(ctx, SocketType::kPull);
  make_curve_server(server, k);
  ASSERT_TRUE(server.set(Option::kZapDomain, "zone").ok());
  ASSERT_TRUE(server.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  Socket client(ctx, SocketType::kPush);
  make_curve_client(client, k, k.server.public_key);
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  ASSERT_TRUE(client.send("hello").ok());
  ASSERT_TRUE(handler.set(Option::kRcvtimeo, 10000).ok());
  absl::StatusOr<Message> request = handler.recv();
  ASSERT_TRUE(request.ok());
  ASSERT_EQ(request->size(), 7u);
  EXPECT_EQ((*request)[0], "1.0");
  EXPECT_EQ((*request)[2], "zone");
  EXPECT_EQ((*request)[3], "127.0.0.1");
  EXPECT_EQ((*request)[5], "CURVE");
  EXPECT_EQ(*z85_encode((*request)[6].view()), k.client.public_key);
  ASSERT_TRUE(handler.send(Message{"1.0", (*request)[1].view(), "200", "OK", "alice", ""}).ok());
  absl::StatusOr<Message> m = server.recv();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)[0], "hello");
  EXPECT_EQ(*server.message_property(*m, "User-Id"), "alice");
}

// A ZAP handler that answers by hand: a ROUTER at inproc://zeromq.zap.01, so that a test can
// leave a request unanswered, answer out of order or answer twice.
class ZapRouter {
 public:
  explicit ZapRouter(Context& ctx) : socket_(ctx, SocketType::kRouter) {
    EXPECT_TRUE(socket_.bind("inproc://zeromq.zap.01").ok());
    EXPECT_TRUE(socket_.set(Option::kRcvtimeo, 10000).ok());
  }
  // The next request: routing id, "", "1.0", request id, domain, address, identity, mechanism,
  // credentials.
  Message next() {
    absl::StatusOr<Message> m = socket_.recv();
    EXPECT_TRUE(m.ok()) << m.status();
    if (!m.ok()) return {};
    EXPECT_EQ(m->size(), 9u);
    return *std::move(m);
  }
  void reply(const Message& request, std::string_view id, std::string_view code,
             std::string_view text) {
    ASSERT_TRUE(
        socket_.send(Message{request[0].view(), "", "1.0", id, code, text, "user", ""}).ok());
  }
  void reply(const Message& request, std::string_view code, std::string_view text) {
    reply(request, request[3].view(), code, text);
  }
  Socket& socket() { return socket_; }

 private:
  Socket socket_;
};

// A CURVE server bound on tcp loopback that waits long for a handshake, and a client of it.
struct ZapPair {
  ZapPair(Context& ctx, const Keys& k)
      : server(ctx, SocketType::kPull), client(ctx, SocketType::kPush) {
    make_curve_server(server, k);
    EXPECT_TRUE(server.set(Option::kHandshakeIvl, 60000).ok());
    EXPECT_TRUE(server.set(Option::kRcvtimeo, 10000).ok());
    EXPECT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
    make_curve_client(client, k, k.server.public_key);
    EXPECT_TRUE(client.set(Option::kReconnectIvl, 60000).ok());
    EXPECT_TRUE(client.set(Option::kLinger, 0).ok());  // "hello" may never go
    EXPECT_TRUE(client.connect(server.last_endpoint()).ok());
    EXPECT_TRUE(client.send("hello").ok());
  }
  Socket server;
  Socket client;
};

TEST(ZapHandler, ARequestLeftUnansweredIsRefusedOnceItsTimeoutPasses) {
  Context ctx(1);
  LogLines log(ctx);
  ctx.set_zap_limits(ZapLimits{std::chrono::milliseconds(200)});
  ZapRouter handler(ctx);
  Keys k;
  const auto start = std::chrono::steady_clock::now();
  ZapPair pair(ctx, k);
  Message request = handler.next();
  ASSERT_EQ(request.size(), 9u);
  // No other request comes (the client waits a minute to reconnect): the timer alone refuses it.
  ASSERT_TRUE(testing::eventually([&] { return log.contains("the ZAP handler did not answer"); }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(pair.server.stats().connections_established, 0u);
  // An answer after that finds nothing waiting.
  handler.reply(request, "200", "OK");
  EXPECT_TRUE(testing::eventually([&] { return log.contains("which is not waiting"); }));
  EXPECT_EQ(pair.server.stats().connections_established, 0u);
}

TEST(ZapHandler, Status300400And500RefuseTheClientWithTheirText) {
  for (const char* code : {"300", "400", "500"}) {
    Context ctx(1);
    LogLines log(ctx);
    ZapRouter handler(ctx);
    Keys k;
    ZapPair pair(ctx, k);
    Message request = handler.next();
    ASSERT_EQ(request.size(), 9u);
    const std::string text = absl::StrCat("go away ", code);
    handler.reply(request, code, text);
    ASSERT_TRUE(testing::eventually([&] { return log.contains("client refused: " + text); }))
        << code;
    EXPECT_EQ(pair.server.stats().connections_established, 0u);
  }
}

TEST(ZapHandler, AReplyToAnUnknownRequestOrAMalformedOneIsDroppedAndTheRightOneCounts) {
  Context ctx(1);
  LogLines log(ctx);
  ZapRouter handler(ctx);
  Keys k;
  ZapPair pair(ctx, k);
  Message request = handler.next();
  ASSERT_EQ(request.size(), 9u);
  handler.reply(request, "12345678", "200", "OK");
  ASSERT_TRUE(testing::eventually([&] { return log.contains("which is not waiting"); }));
  handler.reply(request, "999", "strange");  // no such status
  ASSERT_TRUE(handler.socket().send(Message{request[0].view(), "", "2.0", request[3].view()}).ok());
  ASSERT_TRUE(handler.socket()
                  .send(Message{request[0].view(), "", "1.0", "not a number", "200", "", "", ""})
                  .ok());
  ASSERT_TRUE(testing::eventually([&] {
    int malformed = 0;
    for (const std::string& line : log.lines()) {
      if (line.find("a malformed ZAP reply was dropped") != std::string::npos) ++malformed;
    }
    return malformed == 3;
  }));
  EXPECT_EQ(pair.server.stats().connections_established, 0u);
  handler.reply(request, "200", "OK");
  absl::StatusOr<Message> m = pair.server.recv();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)[0], "hello");
}

// Requests from one address past its share push out that address's oldest, never another's.
TEST(ZapHandler, OneAddressCannotPushOutAnothersRequests) {
  Context ctx(1);
  LogLines log(ctx);
  ctx.set_zap_limits(ZapLimits{std::chrono::seconds(60), 3, 2});
  ZapRouter handler(ctx);
  Keys k;
  Socket server(ctx, SocketType::kPull);
  make_curve_server(server, k);
  ASSERT_TRUE(server.set(Option::kHandshakeIvl, 60000).ok());
  ASSERT_TRUE(server.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(server.bind(testing::bind_endpoint(testing::Transport::kIpc)).ok());
  const std::string ipc = server.last_endpoint();
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  const std::string tcp = server.last_endpoint();
  auto connect = [&](Socket& s, const std::string& to, std::string_view body) {
    make_curve_client(s, k, k.server.public_key);
    ASSERT_TRUE(s.set(Option::kReconnectIvl, 60000).ok());
    ASSERT_TRUE(s.set(Option::kLinger, 0).ok());
    ASSERT_TRUE(s.connect(to).ok());
    ASSERT_TRUE(s.send(body).ok());
  };
  Socket local(ctx, SocketType::kPush);  // ipc: address ""
  ASSERT_NO_FATAL_FAILURE(connect(local, ipc, "local"));
  Message first = handler.next();
  ASSERT_EQ(first.size(), 9u);
  ASSERT_EQ(first[5], "");
  std::vector<std::unique_ptr<Socket>> remote;  // tcp: address 127.0.0.1
  for (int i = 0; i < 4; ++i) {
    remote.push_back(std::make_unique<Socket>(ctx, SocketType::kPush));
    ASSERT_NO_FATAL_FAILURE(connect(*remote.back(), tcp, "remote"));
    EXPECT_EQ(handler.next()[5], "127.0.0.1");
  }
  // Two of the four remote ones were pushed out, by their own address's cap.
  ASSERT_TRUE(testing::eventually([&] {
    int pushed = 0;
    for (const std::string& line : log.lines()) {
      if (line.find("client refused: too many ZAP requests waiting") != std::string::npos) {
        ++pushed;  // the server's line (the client logs one of its own)
      }
    }
    return pushed == 2;
  }));
  handler.reply(first, "200", "OK");
  absl::StatusOr<Message> m = server.recv();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)[0], "local");
}

// A Context stops its ZAP client as it is destroyed; a request that comes after that (a
// handshake racing the destructor) is refused at once instead of opening a socket on it.
TEST(ZapHandler, AStoppedClientRefusesRequestsWithoutOpeningASocket) {
  Context ctx(1);
  auto zap = std::make_shared<ZapClient>(ctx, *ctx.next_io());
  zap->stop();
  std::optional<zmtp::AuthReply> reply;
  zap->request(ZapRequest{"", "127.0.0.1", "", zmtp::AuthRequest{"PLAIN", {"admin", "secret"}}},
               [&](zmtp::AuthReply r) { reply = std::move(r); });
  ASSERT_TRUE(reply.has_value());
  EXPECT_FALSE(reply->allowed);
  EXPECT_EQ(reply->status_text, "the context is shutting down");
}

}  // namespace
}  // namespace bossa::socket
