// Monitor events between bossa sockets, one test per family: listen, accept, connect, handshake
// success and failure (protocol, auth, no detail), disconnect, close, retry, bind failure, the
// monitor's own life (stopped, replaced, refused endpoints, mask, callback, events lost).
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "transport/socket/core/authenticator.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/keys.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/monitor_test.h"
#include "transport/socket/tests/raw_client.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using testing::CallbackEvents;
using testing::MonitorReader;
using testing::unused_tcp_endpoint;

TEST(MonitorEvents, ListenAcceptConnectHandshakeDisconnectAndCloseOverTcp) {
  Context ctx(1);
  Socket server(ctx, SocketType::kPull);
  ASSERT_TRUE(server.monitor("inproc://mon-server").ok());
  MonitorReader server_events(ctx, "inproc://mon-server");
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  const std::string endpoint = server.last_endpoint();
  const MonitorEvent listening = server_events.expect(kEventListening);
  EXPECT_EQ(listening.endpoint, endpoint);
  EXPECT_GT(listening.value, 2u);  // a descriptor past stdin, stdout and stderr

  auto client = std::make_unique<Socket>(ctx, SocketType::kPush);
  MonitorReader client_events(ctx, "inproc://mon-client");
  ASSERT_TRUE(client->monitor("inproc://mon-client").ok());
  ASSERT_TRUE(client->connect(endpoint).ok());
  const MonitorEvent delayed = client_events.expect(kEventConnectDelayed);
  EXPECT_EQ(delayed.value, static_cast<std::uint32_t>(EINPROGRESS));
  EXPECT_EQ(delayed.endpoint, endpoint);
  const MonitorEvent connected = client_events.expect(kEventConnected);
  EXPECT_EQ(connected.endpoint, endpoint);
  EXPECT_GT(connected.value, 2u);
  const MonitorEvent client_ok = client_events.expect(kEventHandshakeSucceeded);
  EXPECT_EQ(client_ok.value, 0u);
  EXPECT_EQ(client_ok.endpoint, endpoint);

  const MonitorEvent accepted = server_events.expect(kEventAccepted);
  EXPECT_EQ(accepted.endpoint, endpoint);
  EXPECT_GT(accepted.value, 2u);
  const MonitorEvent server_ok = server_events.expect(kEventHandshakeSucceeded);
  EXPECT_EQ(server_ok.value, 0u);
  EXPECT_EQ(server_ok.endpoint, endpoint);

  // Closing the client stops its monitor (the socket ended its connection: no DISCONNECTED on
  // its side); the server sees the connection go.
  client.reset();
  EXPECT_EQ(client_events.expect(kEventMonitorStopped).endpoint, "");
  const MonitorEvent gone = server_events.expect(kEventDisconnected);
  EXPECT_EQ(gone.value, accepted.value);
  EXPECT_EQ(gone.endpoint, endpoint);

  ASSERT_TRUE(server.unbind(endpoint).ok());
  const MonitorEvent closed = server_events.expect(kEventClosed);
  EXPECT_EQ(closed.value, listening.value);
  EXPECT_EQ(closed.endpoint, endpoint);
  server.close();
  EXPECT_EQ(server_events.expect(kEventMonitorStopped).value, 0u);
  EXPECT_FALSE(server_events.next(100).has_value());
}

TEST(MonitorEvents, ARefusedDialIsClosedThenRetriedAfterTheReconnectInterval) {
  Context ctx(1);
  const std::string endpoint = unused_tcp_endpoint(ctx);
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.set(Option::kReconnectIvl, 40).ok());
  ASSERT_TRUE(client.set(Option::kLinger, 0).ok());
  MonitorReader events(ctx, "inproc://mon-retry");
  ASSERT_TRUE(client.monitor("inproc://mon-retry").ok());
  ASSERT_TRUE(client.connect(endpoint).ok());
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(events.expect(kEventConnectDelayed).value, static_cast<std::uint32_t>(EINPROGRESS));
    const MonitorEvent closed = events.expect(kEventClosed);
    EXPECT_EQ(closed.endpoint, endpoint);
    const MonitorEvent retried = events.expect(kEventConnectRetried);
    EXPECT_EQ(retried.endpoint, endpoint);
    EXPECT_GE(retried.value, 40u);  // reconnect_ivl plus up to a quarter of jitter
    EXPECT_LE(retried.value, 50u);
  }
}

TEST(MonitorEvents, BindFailedNamesTheAddressAsLibzmqDoesWithItsErrno) {
  Context ctx(1);
  Socket holder(ctx, SocketType::kPull);
  ASSERT_TRUE(holder.bind("tcp://127.0.0.1:*").ok());
  const std::string endpoint = holder.last_endpoint();
  Socket second(ctx, SocketType::kPull);
  MonitorReader events(ctx, "inproc://mon-bind");
  ASSERT_TRUE(second.monitor("inproc://mon-bind").ok());
  EXPECT_FALSE(second.bind(endpoint).ok());
  const MonitorEvent failed = events.expect(kEventBindFailed);
  EXPECT_EQ(failed.value, static_cast<std::uint32_t>(EADDRINUSE));
  EXPECT_EQ(failed.endpoint, endpoint.substr(6));  // without "tcp://"
}

TEST(MonitorEvents, AWrongPlainPasswordFailsTheHandshakeForAuthOnBothSides) {
  Context ctx(1);
  auto auth = std::make_shared<Authenticator>();
  auth->allow_plain("", "admin", "secret");
  ctx.set_authenticator(auth);
  Socket server(ctx, SocketType::kPull);
  ASSERT_TRUE(server.set(Option::kPlainServer, 1).ok());
  MonitorReader server_events(ctx, "inproc://mon-plain-server");
  ASSERT_TRUE(server
                  .monitor("inproc://mon-plain-server", kEventHandshakeFailedAuth |
                                                            kEventHandshakeSucceeded |
                                                            kEventDisconnected)
                  .ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.set(Option::kPlainUsername, "admin").ok());
  ASSERT_TRUE(client.set(Option::kPlainPassword, "guess").ok());
  ASSERT_TRUE(client.set(Option::kLinger, 0).ok());
  MonitorReader client_events(ctx, "inproc://mon-plain-client");
  ASSERT_TRUE(client
                  .monitor("inproc://mon-plain-client",
                           kEventHandshakeFailedAuth | kEventHandshakeSucceeded)
                  .ok());
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  // The authenticator's status code on the server; the client reads ERROR, whose reason from a
  // bossa server carries no status code (a libzmq server's does: see the interop test).
  const MonitorEvent refused = server_events.expect(kEventHandshakeFailedAuth);
  EXPECT_EQ(refused.value, 400u);
  EXPECT_EQ(refused.endpoint, server.last_endpoint());
  EXPECT_EQ(server_events.expect(kEventDisconnected).endpoint, server.last_endpoint());
  EXPECT_EQ(client_events.expect(kEventHandshakeFailedAuth).value, 0u);
}

TEST(MonitorEvents, ACurveServerWithoutAnAuthenticatorFailsTheHandshakeWithStatus500) {
  Context ctx(1);
  const CurveKeyPair server_keys = curve_keypair();
  const CurveKeyPair client_keys = curve_keypair();
  Socket server(ctx, SocketType::kPull);
  ASSERT_TRUE(server.set(Option::kCurveServer, 1).ok());
  ASSERT_TRUE(server.set(Option::kCurveSecretkey, server_keys.secret_key).ok());
  MonitorReader events(ctx, "inproc://mon-curve");
  ASSERT_TRUE(server.monitor("inproc://mon-curve", kEventHandshakeFailedAuth).ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.set(Option::kCurveServerkey, server_keys.public_key).ok());
  ASSERT_TRUE(client.set(Option::kCurvePublickey, client_keys.public_key).ok());
  ASSERT_TRUE(client.set(Option::kCurveSecretkey, client_keys.secret_key).ok());
  ASSERT_TRUE(client.set(Option::kLinger, 0).ok());
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  EXPECT_EQ(events.expect(kEventHandshakeFailedAuth).value, 500u);
}

TEST(MonitorEvents, AMechanismMismatchFailsTheHandshakeAsAProtocolError) {
  Context ctx(1);
  Socket server(ctx, SocketType::kPull);
  ASSERT_TRUE(server.set(Option::kPlainServer, 1).ok());
  MonitorReader events(ctx, "inproc://mon-mismatch");
  ASSERT_TRUE(server.monitor("inproc://mon-mismatch", kEventHandshakeFailedProtocol).ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  Socket client(ctx, SocketType::kPush);  // NULL
  ASSERT_TRUE(client.set(Option::kLinger, 0).ok());
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  EXPECT_EQ(events.expect(kEventHandshakeFailedProtocol).value,
            kProtocolErrorZmtpMechanismMismatch);
}

TEST(MonitorEvents, IncompatibleSocketTypesFailTheHandshakeWithInvalidMetadata) {
  Context ctx(1);
  Socket server(ctx, SocketType::kPush);
  MonitorReader events(ctx, "inproc://mon-types");
  ASSERT_TRUE(server.monitor("inproc://mon-types", kEventHandshakeFailedProtocol).ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.set(Option::kLinger, 0).ok());
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  EXPECT_EQ(events.expect(kEventHandshakeFailedProtocol).value, kProtocolErrorZmtpInvalidMetadata);
}

TEST(MonitorEvents, APeerThatHangsUpMidGreetingFailsTheHandshakeWithNoDetail) {
  Context ctx(1);
  Socket server(ctx, SocketType::kPull);
  MonitorReader events(ctx, "inproc://mon-raw");
  ASSERT_TRUE(server.monitor("inproc://mon-raw").ok());
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  events.expect(kEventListening);
  {
    testing::RawClient raw(server.last_endpoint());
    std::string greeting;
    ASSERT_TRUE(raw.read_exactly(greeting, 64));  // the server's: nothing left unread
    raw.write(greeting.substr(0, 10));
  }
  const MonitorEvent accepted = events.expect(kEventAccepted);
  const MonitorEvent failed = events.expect(kEventHandshakeFailedNoDetail);
  EXPECT_EQ(failed.value, static_cast<std::uint32_t>(EPIPE));
  EXPECT_EQ(events.expect(kEventDisconnected).value, accepted.value);
}

TEST(MonitorEvents, TheMaskSelectsTheEventsAndTheCallbackGetsItsOwn) {
  Context ctx(1);
  Socket server(ctx, SocketType::kPull);
  MonitorReader events(ctx, "inproc://mon-mask");
  ASSERT_TRUE(server.monitor("inproc://mon-mask", kEventAccepted).ok());
  CallbackEvents seen;
  server.set_monitor_callback(seen.callback(), kEventListening | kEventHandshakeSucceeded);
  ASSERT_TRUE(server.bind("tcp://127.0.0.1:*").ok());
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.connect(server.last_endpoint()).ok());
  EXPECT_EQ(events.expect(kEventAccepted).endpoint, server.last_endpoint());
  std::optional<MonitorEvent> first = seen.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->event, kEventListening);
  std::optional<MonitorEvent> second = seen.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->event, kEventHandshakeSucceeded);
  ASSERT_TRUE(client.send("x").ok());
  ASSERT_TRUE(server.recv().ok());
  EXPECT_FALSE(events.next(50).has_value());  // HANDSHAKE_SUCCEEDED was not asked for here
}

TEST(MonitorEvents, ANewMonitorStopsTheOldOneAndOnlyInprocEndpointsAreTaken) {
  Context ctx(1);
  Socket s(ctx, SocketType::kPull);
  EXPECT_TRUE(absl::IsInvalidArgument(s.monitor("tcp://127.0.0.1:5999")));
  EXPECT_TRUE(absl::IsInvalidArgument(s.monitor("inproc://mon-big", 0x10000)));
  MonitorReader first(ctx, "inproc://mon-first");
  ASSERT_TRUE(s.monitor("inproc://mon-first").ok());
  MonitorReader second(ctx, "inproc://mon-second");
  ASSERT_TRUE(s.monitor("inproc://mon-second").ok());
  EXPECT_EQ(first.expect(kEventMonitorStopped).value, 0u);
  ASSERT_TRUE(s.bind("tcp://127.0.0.1:*").ok());
  EXPECT_EQ(second.expect(kEventListening).endpoint, s.last_endpoint());
  EXPECT_FALSE(first.next(50).has_value());
  // An empty endpoint stops the monitor; the endpoint is free for another.
  ASSERT_TRUE(s.monitor("").ok());
  second.expect(kEventMonitorStopped);
  ASSERT_TRUE(s.monitor("inproc://mon-second").ok());
}

TEST(MonitorEvents, AnEventNobodyReadsIsCountedAsLost) {
  Context ctx(1);
  Socket s(ctx, SocketType::kPull);
  ASSERT_TRUE(s.monitor("inproc://mon-nobody").ok());
  ASSERT_TRUE(s.bind("tcp://127.0.0.1:*").ok());  // LISTENING, with no reader connected
  EXPECT_EQ(s.stats().monitor_events_lost, 1u);
}

TEST(MonitorEvents, InprocConnectionsReportNothingAsInLibzmq) {
  Context ctx(0);
  Socket server(ctx, SocketType::kPull);
  MonitorReader events(ctx, "inproc://mon-inproc");
  ASSERT_TRUE(server.monitor("inproc://mon-inproc").ok());
  ASSERT_TRUE(server.bind("inproc://served").ok());
  Socket client(ctx, SocketType::kPush);
  ASSERT_TRUE(client.connect("inproc://served").ok());
  ASSERT_TRUE(client.send("x").ok());
  ASSERT_TRUE(server.recv().ok());
  EXPECT_FALSE(events.next(50).has_value());
}

TEST(MonitorEventFormat, TwoFramesEventAndValueInHostOrderThenTheEndpoint) {
  const Message m =
      encode_monitor_event(MonitorEvent{kEventAccepted, 0x01020304, "tcp://127.0.0.1:5555"});
  ASSERT_EQ(m.size(), 2u);
  const std::string head = m[0].to_string();
  // x86 and every little-endian host libzmq runs on: the octets low first.
  EXPECT_EQ(head, std::string("\x20\x00\x04\x03\x02\x01", 6));
  EXPECT_EQ(m[1].to_string(), "tcp://127.0.0.1:5555");
  absl::StatusOr<MonitorEvent> back = decode_monitor_event(m);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->event, kEventAccepted);
  EXPECT_EQ(back->value, 0x01020304u);
  EXPECT_FALSE(decode_monitor_event(Message{"short"}).ok());
  EXPECT_EQ(monitor_event_name(kEventHandshakeFailedAuth), "HANDSHAKE_FAILED_AUTH");
  EXPECT_EQ(monitor_event_name(kEventMessageDropped), "MESSAGE_DROPPED");
}

}  // namespace
}  // namespace bossa::socket
