// The amqp backend's parts that need no broker: URLs, routing keys, the peer table and messages
// from outside the cluster.
#include <chrono>
#include <string>

#include "gtest/gtest.h"
#include "serialization/codec.h"
#include "serialization/codec_registry.h"
#include "serialization/envelope.h"
#include "transport/amqp/amqp_peers.h"
#include "transport/amqp/amqp_topology.h"
#include "transport/amqp/amqp_url.h"
#include "transport/amqp/outside_message.h"

namespace bossa::transport {
namespace {

TEST(AmqpUrl, ReadsEveryPartAndHidesThePassword) {
  absl::StatusOr<AmqpUrl> url = parse_amqp_url("amqp://alice:secret@broker.example:5673/prod%2Feu");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "broker.example");
  EXPECT_EQ(url->port, 5673);
  EXPECT_EQ(url->user, "alice");
  EXPECT_EQ(url->password, "secret");
  EXPECT_EQ(url->vhost, "prod/eu");
  EXPECT_EQ(url->display, "amqp://alice:***@broker.example:5673/prod%2Feu");
}

TEST(AmqpUrl, FillsInTheDefaults) {
  absl::StatusOr<AmqpUrl> plain = parse_amqp_url("amqp://localhost");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->port, 5672);
  EXPECT_EQ(plain->user, "guest");
  EXPECT_EQ(plain->password, "guest");
  EXPECT_EQ(plain->vhost, "/");
  absl::StatusOr<AmqpUrl> tls = parse_amqp_url("amqps://localhost");
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 5671);
}

TEST(AmqpUrl, RejectsWhatIsNotAnAmqpUrlNamingIt) {
  absl::StatusOr<AmqpUrl> http = parse_amqp_url("http://u:pw@host/");
  ASSERT_FALSE(http.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(http.status()));
  EXPECT_NE(http.status().message().find("http://u:***@host/"), std::string::npos) << http.status();
  EXPECT_EQ(http.status().message().find("pw"), std::string::npos) << http.status();
  EXPECT_FALSE(parse_amqp_url("amqp://host:99999/").ok());
  EXPECT_FALSE(parse_amqp_url("amqp://host:port/").ok());
}

TEST(AmqpTopology, NamesExchangesAndQueuesFromThePrefix) {
  const AmqpTopology topology("corp");
  EXPECT_EQ(topology.nodes_exchange, "corp.nodes");
  EXPECT_EQ(topology.names_exchange, "corp.names");
  EXPECT_EQ(topology.presence_exchange, "corp.presence");
  EXPECT_EQ(topology.node_queue(NodeIdentity{42, "alpha"}), "corp.node.alpha.42");
  EXPECT_EQ(topology.presence_queue(NodeIdentity{42, "alpha"}), "corp.presence.alpha.42");
}

TEST(AmqpTopology, NodeKeysAreDecimalIdsAndNothingElse) {
  EXPECT_EQ(node_key(4294967295u), "4294967295");
  EXPECT_EQ(parse_node_key("4294967295"), 4294967295u);
  EXPECT_EQ(parse_node_key("17"), 17u);
  for (const char* bad : {"", "0", "-1", "+5", " 5", "5 ", "abc", "4294967296", "12345678901"}) {
    EXPECT_FALSE(parse_node_key(bad).has_value()) << "'" << bad << "'";
  }
}

constexpr auto kDownAfter = std::chrono::seconds(2);

TEST(AmqpPeers, ANodeComesUpOnceAndANewRunReplacesTheOld) {
  AmqpPeers peers(kDownAfter);
  const auto now = AmqpPeers::Clock::now();
  AmqpPeers::Heard first = peers.heard(NodeIdentity{1, "alpha"}, 100, now);
  EXPECT_TRUE(first.came_up);
  EXPECT_TRUE(first.replaced.empty());
  EXPECT_FALSE(peers.heard(NodeIdentity{1, "alpha"}, 100, now).came_up);
  AmqpPeers::Heard restarted = peers.heard(NodeIdentity{2, "alpha"}, 500, now);
  EXPECT_TRUE(restarted.came_up);
  ASSERT_EQ(restarted.replaced.size(), 1u);
  EXPECT_EQ(restarted.replaced[0], (NodeIdentity{1, "alpha"}));
  EXPECT_FALSE(peers.is_up(1));
  EXPECT_TRUE(peers.is_up(2));
  // A late message of the old run neither brings it back nor evicts the new one.
  EXPECT_TRUE(peers.heard(NodeIdentity{1, "alpha"}, 100, now).stale);
  EXPECT_FALSE(peers.is_up(1));
  EXPECT_TRUE(peers.is_up(2));
}

TEST(AmqpPeers, ANodeThatReconnectedStaysUpAndItsEarlierSessionsStayValid) {
  AmqpPeers peers(kDownAfter);
  const auto now = AmqpPeers::Clock::now();
  peers.heard(NodeIdentity{1, "alpha"}, 100, now);
  AmqpPeers::Heard again = peers.heard(NodeIdentity{1, "alpha"}, 200, now);
  EXPECT_TRUE(again.reconnected);
  EXPECT_FALSE(again.came_up);
  EXPECT_FALSE(peers.heard(NodeIdentity{1, "alpha"}, 100, now).stale) << "one incarnation";
  EXPECT_TRUE(peers.heard(NodeIdentity{1, "alpha"}, 50, now).stale) << "before it came up";
  EXPECT_TRUE(peers.is_up(1));
  // Once it went down, what it sent before the session it was last heard in is stale.
  peers.remove(1, /*left=*/false);
  EXPECT_TRUE(peers.heard(NodeIdentity{1, "alpha"}, 100, now).stale);
  EXPECT_TRUE(peers.heard(NodeIdentity{1, "alpha"}, 200, now).came_up);
}

TEST(AmqpPeers, TheEpochGrowsEachTimeANodeComesUpOrThisNodeBreaksOff) {
  AmqpPeers peers(kDownAfter);
  const auto now = AmqpPeers::Clock::now();
  EXPECT_EQ(peers.epoch(1), 0u);
  peers.heard(NodeIdentity{1, "alpha"}, 100, now);
  EXPECT_EQ(peers.epoch(1), 1u);
  peers.remove(1, /*left=*/false);
  peers.heard(NodeIdentity{1, "alpha"}, 100, now);
  EXPECT_EQ(peers.epoch(1), 2u);
  EXPECT_EQ(peers.renew(1, /*ours=*/true), (NodeIdentity{1, "alpha"}));
  EXPECT_EQ(peers.epoch(1), 3u);
  EXPECT_EQ(peers.renew(1, /*ours=*/false), (NodeIdentity{1, "alpha"}));
  EXPECT_EQ(peers.epoch(1), 3u) << "starting over in answer says nothing new";
  EXPECT_FALSE(peers.renew(2, /*ours=*/true).has_value());
  // A node that left is forgotten with its epoch.
  peers.remove(1, /*left=*/true);
  EXPECT_EQ(peers.epoch(1), 0u);
}

TEST(AmqpPeers, AHelloWithAGreaterEpochSaysTheNodeStartedOver) {
  AmqpPeers peers(kDownAfter);
  const auto now = AmqpPeers::Clock::now();
  peers.heard(NodeIdentity{1, "alpha"}, 100, now);
  EXPECT_EQ(peers.hello(1, 4), AmqpPeers::Hello::kFirst);
  EXPECT_EQ(peers.hello(1, 4), AmqpPeers::Hello::kSame);
  EXPECT_EQ(peers.hello(1, 3), AmqpPeers::Hello::kSame);
  EXPECT_EQ(peers.hello(1, 5), AmqpPeers::Hello::kRenewed);
  EXPECT_EQ(peers.hello(1, 5), AmqpPeers::Hello::kSame);
  // After this node broke off, the next hello pairs anew, whatever it says: both started over.
  peers.renew(1, /*ours=*/true);
  EXPECT_EQ(peers.hello(1, 9), AmqpPeers::Hello::kFirst);
  // A node heard again after it went down is a new incarnation, paired by its next hello.
  peers.remove(1, /*left=*/false);
  peers.heard(NodeIdentity{1, "alpha"}, 100, now);
  EXPECT_EQ(peers.hello(1, 9), AmqpPeers::Hello::kFirst);
  EXPECT_EQ(peers.hello(2, 1), AmqpPeers::Hello::kSame) << "a node that is not up";
}

TEST(AmqpPeers, ANodeThatLeftIsNotBroughtBackByWhatArrivesAfterItsBye) {
  AmqpPeers peers(kDownAfter);
  const auto now = AmqpPeers::Clock::now();
  peers.heard(NodeIdentity{1, "alpha"}, 100, now);
  EXPECT_EQ(peers.remove(1, /*left=*/true), (NodeIdentity{1, "alpha"}));
  EXPECT_TRUE(peers.heard(NodeIdentity{1, "alpha"}, 100, now).stale);
  EXPECT_FALSE(peers.is_up(1));
}

TEST(AmqpPeers, SilentNodesGoDownAndComeBackWhenHeardAgain) {
  AmqpPeers peers(kDownAfter);
  const auto start = AmqpPeers::Clock::now();
  peers.heard(NodeIdentity{1, "quiet"}, 100, start);
  peers.heard(NodeIdentity{2, "talkative"}, 100, start);
  peers.heard(NodeIdentity{2, "talkative"}, 100, start + std::chrono::seconds(3));
  EXPECT_TRUE(peers.remove_silent(start + std::chrono::seconds(2)).empty());
  std::vector<NodeIdentity> silent = peers.remove_silent(start + std::chrono::seconds(3));
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_EQ(silent[0].name, "quiet");
  AmqpPeers::Heard back = peers.heard(NodeIdentity{1, "quiet"}, 100, start);
  EXPECT_TRUE(back.came_up);
  EXPECT_FALSE(back.reconnected);
  EXPECT_EQ(peers.remove(2, /*left=*/false), (NodeIdentity{2, "talkative"}));
  EXPECT_FALSE(peers.remove(2, /*left=*/false).has_value());
  EXPECT_EQ(peers.remove_all().size(), 1u);
  EXPECT_TRUE(peers.nodes().empty());
}

TEST(AmqpPeers, AfterAReconnectionEveryNodeHasUntilTheGivenDeadlineToBeHeard) {
  AmqpPeers peers(kDownAfter);
  const auto start = AmqpPeers::Clock::now();
  peers.heard(NodeIdentity{1, "alpha"}, 100, start);
  peers.heard(NodeIdentity{2, "beta"}, 100, start);
  peers.expect_all(start + std::chrono::seconds(15));
  EXPECT_TRUE(peers.remove_silent(start + std::chrono::seconds(15)).empty());
  // Heard at 14 s, beta has node_down_after from then; a message never shortens a deadline.
  peers.heard(NodeIdentity{2, "beta"}, 200, start + std::chrono::seconds(14));
  peers.heard(NodeIdentity{1, "alpha"}, 100, start + std::chrono::seconds(1));
  std::vector<NodeIdentity> silent = peers.remove_silent(start + std::chrono::seconds(16));
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_EQ(silent[0].name, "alpha");
  EXPECT_TRUE(peers.is_up(2));
  EXPECT_EQ(peers.remove_silent(start + std::chrono::seconds(17)).size(), 1u);
}

// Decodes what envelope_from_outside made, checking the addressing every kind of body gets.
Envelope made_for(std::string_view content_type, std::string_view body) {
  absl::StatusOr<std::string> bytes = envelope_from_outside(7, "inbox", content_type, body, {});
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<Envelope> envelope = decode_envelope(bytes.value_or(""));
  EXPECT_TRUE(envelope.ok()) << envelope.status();
  Envelope result = envelope.value_or(Envelope{});
  EXPECT_EQ(result.to, (WirePid{7, 0}));
  EXPECT_EQ(result.from, WirePid{});
  EXPECT_EQ(result.kind, EnvelopeKind::kUser);
  EXPECT_EQ(result.to_name, "inbox");
  return result;
}

TEST(OutsideMessage, TextBecomesAStringMessage) {
  const Envelope envelope = made_for("text/plain; charset=utf-8", "hello");
  EXPECT_EQ(envelope.type_id, wire_type_id("string"));
  EXPECT_EQ(decode<std::string>(envelope.payload).value_or(""), "hello");
}

TEST(OutsideMessage, OtherBodiesBecomeBytes) {
  const Envelope envelope = made_for("", std::string("\0\1\2", 3));
  EXPECT_EQ(envelope.type_id, wire_type_id("bytes"));
  absl::StatusOr<Bytes> bytes = decode<Bytes>(envelope.payload);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->size(), 3u);
  EXPECT_EQ((*bytes)[2], std::byte{2});
}

TEST(OutsideMessage, AnEnvelopeIsReaddressedToTheNamedActor) {
  Envelope sent;
  sent.to = WirePid{99, 99};  // whatever the client wrote: the routing key decides
  sent.type_id = wire_type_id("int64");
  sent.payload = encode(int64_t{42}).value();
  const Envelope envelope = made_for(kEnvelopeContentType, encode_envelope(sent));
  EXPECT_EQ(envelope.type_id, wire_type_id("int64"));
  EXPECT_EQ(decode<int64_t>(envelope.payload).value_or(0), 42);
}

TEST(OutsideMessage, RefusesEnvelopesThatClaimASenderOrAreNotMessages) {
  Envelope spoofed;
  spoofed.from = WirePid{5, 1};
  absl::StatusOr<std::string> from_node =
      envelope_from_outside(7, "inbox", kEnvelopeContentType, encode_envelope(spoofed), {});
  EXPECT_TRUE(absl::IsInvalidArgument(from_node.status())) << from_node.status();
  Envelope link;
  link.kind = EnvelopeKind::kLink;
  EXPECT_FALSE(
      envelope_from_outside(7, "inbox", kEnvelopeContentType, encode_envelope(link), {}).ok());
  EXPECT_FALSE(envelope_from_outside(7, "inbox", kEnvelopeContentType, "not capnp", {}).ok());
}

}  // namespace
}  // namespace bossa::transport
