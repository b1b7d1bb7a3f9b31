#include "cluster/node_config.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "transport/node_keys.h"

namespace bossa {
namespace {

// The message of parsing `text` as "node.toml", which must fail with InvalidArgument.
std::string problems_in(std::string_view text) {
  absl::StatusOr<NodeConfig> config = parse_node_config(text, "node.toml");
  EXPECT_FALSE(config.ok()) << "parsed without error:\n" << text;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

// A valid file with `transport_lines` as its [transport] section (lines 4 on), without security
// (which the tests of its keys below set apart) unless the lines end in a table of their own.
std::string with_transport(const std::string& transport_lines) {
  const bool subtable = transport_lines.find("\n[") != std::string::npos;
  return absl::StrCat("[node]\nname = \"alpha\"\n[transport]\n", transport_lines,
                      subtable ? "" : "security = \"none\"\n");
}

// The problem of a native config without a key file or `security = "none"`.
constexpr char kKeyFileMissing[] =
    "node.toml: transport.key_file: missing (required when transport.security = \"curve\", the "
    "default: this node's key pair, written by `bossa-node keygen FILE`; or security = \"none\", "
    "which admits anyone)";

TEST(NodeConfig, ReadsEveryKeyOfAFullFile) {
  absl::StatusOr<NodeConfig> config = parse_node_config(R"([node]
name = "alpha-1.b_2"
workers = 2
busy_wait = "50us"
mailbox_capacity = 5000
mailbox_policy = "drop_newest"
[transport]
kind = "amqp"
listen = "tcp://127.0.0.1:7001"
seeds = ["tcp://127.0.0.1:7000", "ipc:///tmp/bossa-beta", "tcp://[::1]:7002"]
network = "test"
heartbeat_interval = "100ms"
node_down_after = "1.5s"
[transport.amqp]
url = "amqps://user:secret@broker.example:5671/vhost"
exchange = "bossa.test"
publisher_confirms = true
heartbeat = "30s"
connect_timeout = "1m"
reconnect_grace = "30s"
shared_user = true
)",
                                                        "full.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "alpha-1.b_2");
  EXPECT_EQ(config->workers, 2u);
  EXPECT_EQ(config->busy_wait, absl::Microseconds(50));
  EXPECT_EQ(config->mailbox.capacity, 5000u);
  EXPECT_EQ(config->mailbox.policy, OverflowPolicy::kDropNewest);
  EXPECT_EQ(config->source, "full.toml");
  const transport::TransportConfig& transport = config->transport;
  EXPECT_EQ(transport.kind, transport::TransportKind::kAmqp);
  EXPECT_EQ(transport.listen, "tcp://127.0.0.1:7001");
  EXPECT_EQ(transport.seeds,
            (std::vector<std::string>{"tcp://127.0.0.1:7000", "ipc:///tmp/bossa-beta",
                                      "tcp://[::1]:7002"}));
  EXPECT_EQ(transport.network, "test");
  EXPECT_EQ(transport.heartbeat_interval, absl::Milliseconds(100));
  EXPECT_EQ(transport.node_down_after, absl::Milliseconds(1500));
  EXPECT_EQ(transport.amqp.url, "amqps://user:secret@broker.example:5671/vhost");
  EXPECT_EQ(transport.amqp.exchange, "bossa.test");
  EXPECT_TRUE(transport.amqp.publisher_confirms);
  EXPECT_EQ(transport.amqp.heartbeat, absl::Seconds(30));
  EXPECT_EQ(transport.amqp.connect_timeout, absl::Minutes(1));
  EXPECT_EQ(transport.amqp.reconnect_grace, absl::Seconds(30));
  EXPECT_TRUE(transport.amqp.shared_user);
}

TEST(NodeConfig, OmittedOptionalKeysTakeTheirDefaults) {
  absl::StatusOr<NodeConfig> config = parse_node_config(
      "[node]\nname = \"alpha\"\n[transport]\nlisten = \"ipc:///tmp/alpha\"\nsecurity = \"none\"\n",
      "node.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->workers, 0u);
  EXPECT_EQ(config->busy_wait, absl::Microseconds(200));
  EXPECT_EQ(config->mailbox.capacity, kDefaultMailboxCapacity);
  EXPECT_EQ(config->mailbox.policy, OverflowPolicy::kBlock);
  EXPECT_EQ(config->transport.kind, transport::TransportKind::kNative);
  EXPECT_EQ(config->transport.listen, "ipc:///tmp/alpha");
  EXPECT_TRUE(config->transport.seeds.empty());
  EXPECT_EQ(config->transport.network, "");
  EXPECT_EQ(config->transport.heartbeat_interval, absl::Milliseconds(250));
  EXPECT_EQ(config->transport.node_down_after, absl::Seconds(2));
  EXPECT_EQ(config->transport.max_message_size, 64 << 20);
  EXPECT_EQ(config->transport.max_connections, 1024);
  EXPECT_EQ(config->transport.max_handshakes, 256);
  EXPECT_EQ(config->transport.handshake_timeout, absl::Seconds(10));
  EXPECT_EQ(config->transport.amqp.url, "amqp://guest:guest@127.0.0.1:5672/");
  EXPECT_EQ(config->transport.amqp.exchange, "bossa");
  EXPECT_FALSE(config->transport.amqp.publisher_confirms);
  EXPECT_EQ(config->transport.amqp.heartbeat, absl::Seconds(10));
  EXPECT_EQ(config->transport.amqp.connect_timeout, absl::Seconds(5));
  EXPECT_EQ(config->transport.amqp.reconnect_grace, absl::Seconds(15));
  EXPECT_FALSE(config->transport.amqp.shared_user);
}

TEST(NodeConfig, AmqpKindNeedsOnlyANodeName) {
  absl::StatusOr<NodeConfig> config =
      parse_node_config("[node]\nname = \"a\"\n[transport]\nkind = \"amqp\"\n", "node.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->transport.kind, transport::TransportKind::kAmqp);
  EXPECT_EQ(config->transport.listen, "");
}

TEST(NodeConfig, LocalKindReadsItsNetwork) {
  absl::StatusOr<NodeConfig> config = parse_node_config(
      "[node]\nname = \"a\"\n[transport]\nkind = \"local\"\nnetwork = \"test\"\n", "node.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->transport.kind, transport::TransportKind::kLocal);
  EXPECT_EQ(config->transport.network, "test");
}

TEST(NodeConfig, MissingNameIsAnErrorWithoutALine) {
  EXPECT_EQ(problems_in("[node]\nworkers = 1\n[transport]\nkind = \"amqp\"\n"),
            "node.toml: node.name: missing (required)");
  EXPECT_EQ(problems_in("[transport]\nkind = \"amqp\"\n"),
            "node.toml: node.name: missing (required)");
}

TEST(NodeConfig, NameWithCharactersOutsideTheAlphabetIsAnError) {
  EXPECT_EQ(
      problems_in("[node]\nname = \"al pha\"\n[transport]\nkind = \"amqp\"\n"),
      "node.toml:2: node.name: expected 1-64 characters of A-Z a-z 0-9 _ . -, got \"al pha\"");
  EXPECT_EQ(problems_in("[node]\nname = \"\"\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:2: node.name: expected 1-64 characters of A-Z a-z 0-9 _ . -, got \"\"");
}

TEST(NodeConfig, NameOf64CharactersIsAcceptedAnd65IsNot) {
  const std::string longest(64, 'n');
  EXPECT_TRUE(parse_node_config(
                  absl::StrCat("[node]\nname = \"", longest, "\"\n[transport]\nkind = \"amqp\"\n"),
                  "node.toml")
                  .ok());
  EXPECT_EQ(problems_in(
                absl::StrCat("[node]\nname = \"", longest, "n\"\n[transport]\nkind = \"amqp\"\n")),
            absl::StrCat("node.toml:2: node.name: expected 1-64 characters of A-Z a-z 0-9 _ . -, "
                         "got \"",
                         longest, "n\""));
}

TEST(NodeConfig, UnknownTopLevelKeyIsAnError) {
  EXPECT_EQ(problems_in("colour = \"blue\"\n[node]\nname = \"a\"\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:1: colour: unknown key (known keys at the top level: node, transport, "
            "gateway, authorization)");
  EXPECT_EQ(
      problems_in("[node]\nname = \"a\"\n[transprt]\nkind = \"amqp\"\n"),
      absl::StrCat(
          "node.toml:3: transprt: unknown key (known keys at the top level: node, transport, "
          "gateway, authorization)\n"
          "node.toml: transport.listen: missing (required when transport.kind = \"native\")\n",
          kKeyFileMissing));
}

TEST(NodeConfig, MailboxKeysNameWhatTheyExpect) {
  EXPECT_EQ(
      problems_in("[node]\nname = \"a\"\nmailbox_capacity = -1\n[transport]\nkind = \"amqp\"\n"),
      "node.toml:3: node.mailbox_capacity: expected an integer from 0 (unbounded) to "
      "1099511627776, got -1");
  EXPECT_EQ(problems_in(
                "[node]\nname = \"a\"\nmailbox_policy = \"drop\"\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:3: node.mailbox_policy: expected \"block\", \"drop_newest\" or \"fail\", "
            "got \"drop\"");
  absl::StatusOr<NodeConfig> unbounded = parse_node_config(
      "[node]\nname = \"a\"\nmailbox_capacity = 0\n[transport]\nkind = \"amqp\"\n", "node.toml");
  ASSERT_TRUE(unbounded.ok()) << unbounded.status();
  EXPECT_FALSE(unbounded->mailbox.bounded());
}

TEST(NodeConfig, UnknownKeyInNodeIsAnError) {
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\ntcp = 3\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:3: node.tcp: unknown key (known keys in [node]: name, workers, busy_wait, "
            "mailbox_capacity, mailbox_policy)");
}

TEST(NodeConfig, UnknownKeyInTransportIsAnError) {
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\nheartbeat = \"1s\"\n")),
            "node.toml:5: transport.heartbeat: unknown key (known keys in [transport]: kind, "
            "listen, seeds, network, heartbeat_interval, node_down_after, max_message_size, "
            "max_connections, max_handshakes, handshake_timeout, security, key_file, trusted_keys, "
            "trusted_keys_dir, amqp)");
}

TEST(NodeConfig, UnknownKeyInTransportAmqpIsAnError) {
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\nuri = \"amqp://\"\n")),
            "node.toml:6: transport.amqp.uri: unknown key (known keys in [transport.amqp]: url, "
            "exchange, publisher_confirms, heartbeat, connect_timeout, ca_file, reconnect_grace, "
            "shared_user)");
}

TEST(NodeConfig, ValueOfTheWrongTypeIsAnError) {
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\nworkers = \"two\"\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:3: node.workers: expected an integer, got string \"two\"");
  EXPECT_EQ(problems_in("[node]\nname = 7\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:2: node.name: expected a string, got integer 7");
  EXPECT_EQ(
      problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\n"
                                 "publisher_confirms = \"yes\"\n")),
      "node.toml:6: transport.amqp.publisher_confirms: expected a boolean, got string \"yes\"");
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\nshared_user = 1\n")),
            "node.toml:6: transport.amqp.shared_user: expected a boolean, got integer 1");
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\nseeds = \"tcp://127.0.0.1:7000\"\n")),
            "node.toml:5: transport.seeds: expected an array of endpoint strings, got string "
            "\"tcp://127.0.0.1:7000\"");
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\nheartbeat_interval = 250\n")),
            "node.toml:5: transport.heartbeat_interval: expected a duration string such as "
            "\"250ms\", got integer 250");
  EXPECT_EQ(
      problems_in("node = \"alpha\"\n"),
      absl::StrCat(
          "node.toml:1: node: expected a table, got string \"alpha\"\n"
          "node.toml: node.name: missing (required)\n"
          "node.toml: transport.listen: missing (required when transport.kind = \"native\")\n",
          kKeyFileMissing));
}

TEST(NodeConfig, UnknownKindIsAnError) {
  EXPECT_EQ(problems_in(with_transport("kind = \"nativ\"\n")),
            "node.toml:4: transport.kind: expected one of \"native\", \"amqp\", \"local\", got "
            "\"nativ\"");
}

TEST(NodeConfig, NativeKindWithoutListenIsAnError) {
  EXPECT_EQ(problems_in(with_transport("kind = \"native\"\n")),
            "node.toml: transport.listen: missing (required when transport.kind = \"native\")");
  EXPECT_EQ(
      problems_in("[node]\nname = \"a\"\n"),
      absl::StrCat(
          "node.toml: transport.listen: missing (required when transport.kind = \"native\")\n",
          kKeyFileMissing));
}

TEST(NodeConfig, LocalKindWithoutNetworkIsAnError) {
  EXPECT_EQ(problems_in(with_transport("kind = \"local\"\n")),
            "node.toml: transport.network: missing (required when transport.kind = \"local\")");
}

TEST(NodeConfig, ListenMustBeAConnectableEndpoint) {
  for (const char* endpoint :
       {"tcp://127.0.0.1", "tcp://:7001", "tcp://127.0.0.1:0", "tcp://127.0.0.1:65536",
        "tcp://127.0.0.1:70x", "tcp://[::1:7001", "tcp://::1:7001", "udp://127.0.0.1:7001",
        "ipc://relative/path", "ipc:///", "", "inproc://x"}) {
    SCOPED_TRACE(endpoint);
    EXPECT_EQ(problems_in(with_transport(absl::StrCat("listen = \"", endpoint, "\"\n"))),
              absl::StrCat("node.toml:4: transport.listen: expected tcp://host:port (a port "
                           "1-65535, or * for any free port) or ipc:///absolute/path, got \"",
                           endpoint, "\""));
  }
  for (const char* endpoint :
       {"tcp://localhost:65535", "tcp://10.0.0.1:1", "tcp://[::1]:7001", "tcp://127.0.0.1:*",
        "tcp://node-1.example.org:7001", "ipc:///run/bossa/alpha"}) {
    SCOPED_TRACE(endpoint);
    absl::StatusOr<NodeConfig> config = parse_node_config(
        with_transport(absl::StrCat("listen = \"", endpoint, "\"\n")), "node.toml");
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->transport.listen, endpoint);
  }
}

TEST(NodeConfig, AWildcardListenHostIsRefusedNamingWhy) {
  for (const char* endpoint :
       {"tcp://0.0.0.0:7001", "tcp://[::]:7001", "tcp://*:7001", "tcp://*:*", "tcp://[::0]:7001",
        "tcp://[0:0::0]:7001", "tcp://[::ffff:0.0.0.0]:7001"}) {
    SCOPED_TRACE(endpoint);
    EXPECT_EQ(problems_in(with_transport(absl::StrCat("listen = \"", endpoint, "\"\n"))),
              absl::StrCat("node.toml:4: transport.listen: expected an address peers can connect "
                           "to, got the wildcard \"",
                           endpoint,
                           "\": a node tells its peers the endpoint it listens on, so name one of "
                           "this machine's addresses (or a name that resolves to one)"));
  }
}

TEST(NodeConfig, EachSeedMustBeAnEndpointAndIsReportedOnItsOwnLine) {
  EXPECT_EQ(problems_in(with_transport("listen = \"tcp://127.0.0.1:7001\"\n"
                                       "seeds = [\"tcp://127.0.0.1:7000\",\n"
                                       "         \"tcp://127.0.0.1\",\n"
                                       "         7002]\n")),
            "node.toml:6: transport.seeds[1]: expected tcp://host:port or ipc:///absolute/path (an "
            "explicit port 1-65535), after the seed's public key and @ if it does not share this "
            "node's key, got \"tcp://127.0.0.1\"\n"
            "node.toml:7: transport.seeds[2]: expected tcp://host:port or ipc:///absolute/path (an "
            "explicit port 1-65535), after the seed's public key and @ if it does not share this "
            "node's key, got integer 7002");
}

TEST(NodeConfig, SecurityReadsTheKeyPairTheTrustedKeysAndKeyedSeeds) {
  char pattern[] = "/tmp/bossa-config-keys-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const transport::NodeKeyPair own = transport::generate_node_key_pair();
  const transport::NodeKeyPair other = transport::generate_node_key_pair();
  ASSERT_TRUE(transport::write_node_key_files(dir + "/alpha.key", own).ok());
  ASSERT_TRUE(transport::write_node_key_files(dir + "/beta.key", other).ok());
  const std::string other_key = transport::encode_z85_key(other.public_key);
  // The key file is named relative to the config file's directory.
  absl::StatusOr<NodeConfig> config = parse_node_config(
      absl::StrCat("[node]\nname = \"alpha\"\n[transport]\nlisten = \"tcp://127.0.0.1:7001\"\n",
                   "key_file = \"alpha.key\"\ntrusted_keys = [\"", other_key, "\"]\n",
                   "trusted_keys_dir = \"", dir, "\"\nseeds = [\"", other_key,
                   "@tcp://127.0.0.1:7002\", \"tcp://127.0.0.1:7003\"]\n"),
      dir + "/alpha.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->transport.security, transport::Security::kCurve);
  EXPECT_EQ(config->transport.key_file, dir + "/alpha.key");
  EXPECT_EQ(config->transport.public_key, own.public_key);
  EXPECT_EQ(config->transport.secret_key, own.secret_key);
  EXPECT_EQ(config->transport.trusted_keys, std::vector<std::string>{other.public_key});
  EXPECT_EQ(config->transport.trusted_keys_dir, dir);
  EXPECT_EQ(transport::read_trusted_keys_dir(dir).value(),
            (std::vector<std::string>{own.public_key, other.public_key}));
  const std::optional<transport::Seed> keyed = transport::parse_seed(config->transport.seeds[0]);
  ASSERT_TRUE(keyed.has_value());
  EXPECT_EQ(keyed->endpoint, "tcp://127.0.0.1:7002");
  EXPECT_EQ(keyed->key, other.public_key);
  EXPECT_EQ(transport::parse_seed(config->transport.seeds[1])->key, "");

  EXPECT_EQ(problems_in(with_transport("kind = \"native\"\nlisten = \"tcp://127.0.0.1:7001\"\n"
                                       "key_file = \"/nonexistent/alpha.key\"\n"
                                       "trusted_keys = [\"short\"]\n"
                                       "seeds = [\"0123456789@tcp://127.0.0.1:7002\"]\n")),
            "node.toml:6: transport.key_file: expected a key pair file written by `bossa-node "
            "keygen`: /nonexistent/alpha.key: no such key file\n"
            "node.toml:7: transport.trusted_keys[0]: expected a public key (40 characters of Z85), "
            "got \"short\"\n"
            "node.toml:8: transport.seeds[0]: expected tcp://host:port or ipc:///absolute/path (an "
            "explicit port 1-65535), after the seed's public key and @ if it does not share this "
            "node's key, got \"0123456789@tcp://127.0.0.1:7002\"");
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\n[transport]\nkind = \"amqp\"\nsecurity = \"tls\"\n"),
            "node.toml:5: transport.security: expected one of \"curve\", \"none\", got \"tls\"");
  std::filesystem::remove_all(dir);
}

TEST(NodeConfig, GatewayReadsItsEndpointClientsAndLimits) {
  char pattern[] = "/tmp/bossa-config-gateway-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const transport::NodeKeyPair own = transport::generate_node_key_pair();
  const transport::NodeKeyPair client = transport::generate_node_key_pair();
  ASSERT_TRUE(transport::write_node_key_files(dir + "/alpha.key", own).ok());
  absl::StatusOr<NodeConfig> config = parse_node_config(
      absl::StrCat("[node]\nname = \"alpha\"\n[transport]\nlisten = \"tcp://127.0.0.1:7001\"\n",
                   "key_file = \"alpha.key\"\n[gateway]\nlisten = \"tcp://127.0.0.1:*\"\n",
                   "clients = [\"", transport::encode_z85_key(client.public_key), "\"]\n",
                   "timeout = \"2s\"\nmax_timeout = \"10s\"\nmax_message_size = 2097152\n",
                   "max_pending = 50\n"),
      dir + "/alpha.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->gateway.listen, "tcp://127.0.0.1:*");
  EXPECT_EQ(config->gateway.security, transport::Security::kCurve);
  EXPECT_EQ(config->gateway.client_keys, std::vector<std::string>{client.public_key});
  EXPECT_EQ(config->gateway.timeout, absl::Seconds(2));
  EXPECT_EQ(config->gateway.max_timeout, absl::Seconds(10));
  EXPECT_EQ(config->gateway.max_message_size, 2097152);
  EXPECT_EQ(config->gateway.max_pending, 50);
  std::filesystem::remove_all(dir);
}

TEST(NodeConfig, GatewayIsOffUnlessItHasAnEndpoint) {
  absl::StatusOr<NodeConfig> config =
      parse_node_config(with_transport("listen = \"tcp://127.0.0.1:7001\"\n"), "node.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->gateway.listen, "");
}

TEST(NodeConfig, GatewayProblemsNameTheKeyAndWhatIsExpected) {
  // Without a key pair a CURVE gateway cannot be; `security = "none"` is the explicit way out.
  EXPECT_EQ(problems_in(with_transport("listen = \"tcp://127.0.0.1:7001\"\nsecurity = \"none\"\n"
                                       "[gateway]\nlisten = \"tcp://127.0.0.1:7100\"\n")),
            "node.toml:7: gateway.listen: a CURVE gateway (the default) uses the node's key "
            "pair: set transport.key_file, or gateway.security = \"none\", which admits anyone");
  EXPECT_TRUE(parse_node_config(with_transport("listen = \"tcp://127.0.0.1:7001\"\n"
                                               "security = \"none\"\n[gateway]\n"
                                               "listen = \"tcp://127.0.0.1:7100\"\n"
                                               "security = \"none\"\n"),
                                "node.toml")
                  .ok());
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\n[transport]\nkind = \"amqp\"\n[gateway]\n"
                        "listen = \"tcp://127.0.0.1:7100\"\nsecurity = \"none\"\n"),
            "node.toml:6: gateway.listen: a gateway needs transport.kind = \"native\"");
  EXPECT_EQ(problems_in(with_transport("listen = \"tcp://127.0.0.1:7001\"\n"
                                       "security = \"none\"\n[gateway]\nlisten = \"nowhere\"\n"
                                       "timeout = \"soon\"\nclients = [\"short\"]\ncolour = 1\n")),
            "node.toml:7: gateway.listen: expected tcp://host:port (a port 1-65535, or * for any "
            "free port) or ipc:///absolute/path, got \"nowhere\"\n"
            "node.toml:8: gateway.timeout: expected a positive duration such as \"250ms\", \"2s\" "
            "or \"1m\", got \"soon\"\n"
            "node.toml:9: gateway.clients[0]: expected a public key (40 characters of Z85), got "
            "\"short\"\n"
            "node.toml:10: gateway.colour: unknown key (known keys in [gateway]: listen, security, "
            "clients, clients_dir, timeout, max_timeout, max_message_size, max_pending)");
}

TEST(NodeConfig, AuthorizationGroupsReadTheirKeysUsersAndActions) {
  char pattern[] = "/tmp/bossa-config-authz-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  std::filesystem::create_directory(dir + "/observers");
  const transport::NodeKeyPair listed = transport::generate_node_key_pair();
  const transport::NodeKeyPair in_dir = transport::generate_node_key_pair();
  ASSERT_TRUE(transport::write_node_key_files(dir + "/observers/o.key", in_dir).ok());
  // keys_dir is named relative to the config file's directory.
  absl::StatusOr<NodeConfig> config = parse_node_config(
      absl::StrCat("[node]\nname = \"alpha\"\n[transport]\nkind = \"amqp\"\n",
                   "[[authorization]]\nkeys = [\"", transport::encode_z85_key(listed.public_key),
                   "\"]\nkeys_dir = \"observers\"\n",
                   "allow = [\"send\", \"request\", \"rpc:status,whereis\", \"spawn:worker\"]\n",
                   "[[authorization]]\nusers = [\"robot\"]\nallow = []\n"),
      dir + "/alpha.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->authorization.size(), 2u);
  EXPECT_EQ(config->authorization[0].keys,
            (std::vector<std::string>{listed.public_key, in_dir.public_key}));
  EXPECT_EQ(config->authorization[0].allow,
            (std::vector<Grant>{{Action::kSend, {}},
                                {Action::kRequest, {}},
                                {Action::kRpc, {"status", "whereis"}},
                                {Action::kSpawn, {"worker"}}}));
  EXPECT_EQ(config->authorization[1].users, std::vector<std::string>{"robot"});
  EXPECT_TRUE(config->authorization[1].allow.empty());
  std::filesystem::remove_all(dir);
}

TEST(NodeConfig, AuthorizationProblemsNameTheGroupKeyAndExpectedValue) {
  const std::string head = "[node]\nname = \"a\"\n[transport]\nkind = \"amqp\"\n";
  EXPECT_EQ(problems_in(head + "[[authorization]]\nkeys = [\"short\", 3]\n"
                               "allow = [\"send\", \"rcp\", \"exit:x\", \"rpc:\"]\n"
                               "colour = \"blue\"\n"),
            "node.toml:6: authorization[0].keys[0]: expected a public key (40 characters of Z85), "
            "got \"short\"\n"
            "node.toml:6: authorization[0].keys[1]: expected a public key (40 characters of Z85), "
            "got integer 3\n"
            "node.toml:7: authorization[0].allow[1]: expected one of \"send\", \"request\", "
            "\"rpc\", \"spawn\", \"exit\", \"names\", optionally followed by ':' and names "
            "separated by commas, got \"rcp\"\n"
            "node.toml:7: authorization[0].allow[2]: expected \"exit\" without names (an exit "
            "signal has none), got \"exit:x\"\n"
            "node.toml:7: authorization[0].allow[3]: expected \"rpc:\" followed by names "
            "separated by commas, none of them empty, got \"rpc:\"\n"
            "node.toml:8: authorization[0].colour: unknown key (known keys in "
            "[authorization[0]]: keys, keys_dir, users, allow)");
  EXPECT_EQ(problems_in(head + "[[authorization]]\nusers = [\"\"]\n"
                               "[[authorization]]\nkeys_dir = \"/nonexistent/keys\"\n"
                               "allow = \"send\"\n"),
            "node.toml:6: authorization[0].users[0]: expected a broker user name, not empty, got "
            "\"\"\n"
            "node.toml:8: authorization[1].keys_dir: expected a directory of .pub files: "
            "/nonexistent/keys: No such file or directory\n"
            "node.toml:9: authorization[1].allow: expected an array of actions such as \"send\" "
            "or \"rpc:status,whereis\", got string \"send\"\n"
            "node.toml: authorization[0].allow: missing (what the group's members may do: [] for "
            "nothing)");
  EXPECT_EQ(problems_in(head + "[[authorization]]\nallow = []\n"),
            "node.toml: authorization[0].keys: missing (a group names its members' keys, keys_dir "
            "or users)");
  EXPECT_EQ(problems_in(head + "authorization = 3\n"),
            "node.toml:5: transport.authorization: unknown key (known keys in [transport]: kind, "
            "listen, seeds, network, heartbeat_interval, node_down_after, max_message_size, "
            "max_connections, max_handshakes, handshake_timeout, security, key_file, trusted_keys, "
            "trusted_keys_dir, amqp)");
  EXPECT_EQ(problems_in("authorization = 3\n" + head),
            "node.toml:1: authorization: expected [[authorization]] tables, got integer 3");
}

TEST(NodeConfig, BadDurationStringIsAnError) {
  for (const char* duration : {"250", "fast", "-1s", "0s", "0", "inf", "2 s", ""}) {
    SCOPED_TRACE(duration);
    EXPECT_EQ(
        problems_in(with_transport(
            absl::StrCat("kind = \"amqp\"\nnode_down_after = \"", duration, "\"\n"))),
        absl::StrCat("node.toml:5: transport.node_down_after: expected a positive duration such "
                     "as \"250ms\", \"2s\" or \"1m\", got \"",
                     duration, "\""));
  }
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\n"
                                       "connect_timeout = \"soon\"\n")),
            "node.toml:6: transport.amqp.connect_timeout: expected a positive duration such as "
            "\"250ms\", \"2s\" or \"1m\", got \"soon\"");
}

TEST(NodeConfig, NodeDownAfterMustBeLongerThanTheHeartbeatInterval) {
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\nheartbeat_interval = \"1s\"\n"
                                       "node_down_after = \"1s\"\n")),
            "node.toml:6: transport.node_down_after: expected a duration longer than "
            "transport.heartbeat_interval (\"1s\"), got \"1s\"");
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\nnode_down_after = \"100ms\"\n")),
            "node.toml:5: transport.node_down_after: expected a duration longer than "
            "transport.heartbeat_interval (\"250ms\", the default), got \"100ms\"");
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\nheartbeat_interval = \"3s\"\n")),
            "node.toml:5: transport.heartbeat_interval: expected a duration shorter than "
            "transport.node_down_after (\"2s\", the default), got \"3s\"");
}

TEST(NodeConfig, AmqpUrlMustUseAnAmqpScheme) {
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\n"
                                       "url = \"http://127.0.0.1:5672/\"\n")),
            "node.toml:6: transport.amqp.url: expected a URL starting with amqp:// or amqps://, "
            "got \"http://127.0.0.1:5672/\"");
}

TEST(NodeConfig, AmqpHeartbeatMustBeWholeSeconds) {
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\n"
                                       "heartbeat = \"1500ms\"\n")),
            "node.toml:6: transport.amqp.heartbeat: expected a whole number of seconds from "
            "\"1s\" to \"65535s\", got \"1.5s\"");
}

TEST(NodeConfig, AmqpReconnectGraceIsZeroOrAPositiveDurationUpToTenMinutes) {
  absl::StatusOr<NodeConfig> none = parse_node_config(
      with_transport("kind = \"amqp\"\n[transport.amqp]\nreconnect_grace = \"0s\"\n"), "n.toml");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->transport.amqp.reconnect_grace, absl::ZeroDuration());
  for (const char* grace : {"-1s", "11m", "soon", ""}) {
    SCOPED_TRACE(grace);
    EXPECT_EQ(problems_in(with_transport(absl::StrCat(
                  "kind = \"amqp\"\n[transport.amqp]\nreconnect_grace = \"", grace, "\"\n"))),
              absl::StrCat("node.toml:6: transport.amqp.reconnect_grace: expected a duration from "
                           "\"0s\" (no grace: peers go down as the broker is lost) to \"10m\", "
                           "got \"",
                           grace, "\""));
  }
  EXPECT_EQ(
      problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\nreconnect_grace = 15\n")),
      "node.toml:6: transport.amqp.reconnect_grace: expected a duration string such as "
      "\"15s\", got integer 15");
}

TEST(NodeConfig, AmqpExchangeMustBeAUsableName) {
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\n[transport.amqp]\n"
                                       "exchange = \"amq.bossa\"\n")),
            "node.toml:6: transport.amqp.exchange: expected 1-127 characters of A-Z a-z 0-9 _ . - "
            ": not starting with \"amq.\", got \"amq.bossa\"");
}

TEST(NodeConfig, WorkersOutsideItsRangeIsAnError) {
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\nworkers = 1025\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:3: node.workers: expected an integer from 0 (one per hardware thread) to "
            "1024, got 1025");
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\nworkers = -1\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:3: node.workers: expected an integer from 0 (one per hardware thread) to "
            "1024, got -1");
}

TEST(NodeConfig, ListenLimitsAreReadWithinTheirRanges) {
  absl::StatusOr<NodeConfig> config = parse_node_config(
      with_transport("kind = \"amqp\"\nmax_message_size = 1048576\nmax_connections = 10\n"
                     "max_handshakes = 3\nhandshake_timeout = \"750ms\"\n"),
      "node.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->transport.max_message_size, 1 << 20);
  EXPECT_EQ(config->transport.max_connections, 10);
  EXPECT_EQ(config->transport.max_handshakes, 3);
  EXPECT_EQ(config->transport.handshake_timeout, absl::Milliseconds(750));
  EXPECT_EQ(problems_in(with_transport("kind = \"amqp\"\nmax_message_size = 1000\n"
                                       "max_connections = 0\nmax_handshakes = \"many\"\n"
                                       "handshake_timeout = \"0s\"\n")),
            "node.toml:5: transport.max_message_size: expected an integer from 1048576 to "
            "1073741824, got 1000\n"
            "node.toml:6: transport.max_connections: expected an integer from 1 to 1000000, got 0\n"
            "node.toml:7: transport.max_handshakes: expected an integer, got string \"many\"\n"
            "node.toml:8: transport.handshake_timeout: expected a positive duration such as "
            "\"250ms\", \"2s\" or \"1m\", got \"0s\"");
}

TEST(NodeConfig, BusyWaitIsADurationFromZeroToTenMilliseconds) {
  absl::StatusOr<NodeConfig> off = parse_node_config(
      "[node]\nname = \"a\"\nbusy_wait = \"0s\"\n[transport]\nkind = \"amqp\"\n", "node.toml");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->busy_wait, absl::ZeroDuration());
  EXPECT_EQ(
      problems_in("[node]\nname = \"a\"\nbusy_wait = \"11ms\"\n[transport]\nkind = \"amqp\"\n"),
      "node.toml:3: node.busy_wait: expected a duration from \"0s\" (sleep at once) to "
      "\"10ms\", got \"11ms\"");
  EXPECT_EQ(
      problems_in("[node]\nname = \"a\"\nbusy_wait = \"-1us\"\n[transport]\nkind = \"amqp\"\n"),
      "node.toml:3: node.busy_wait: expected a duration from \"0s\" (sleep at once) to "
      "\"10ms\", got \"-1us\"");
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\nbusy_wait = 200\n[transport]\nkind = \"amqp\"\n"),
            "node.toml:3: node.busy_wait: expected a duration string such as \"200us\", got "
            "integer 200");
}

TEST(NodeConfig, SyntaxErrorNamesTheFileAndLine) {
  EXPECT_EQ(problems_in("[node]\nname = \"a\"\nworkers = \n"),
            "node.toml:3: invalid TOML at column 11: Error while parsing key-value pair: "
            "expected value, saw '\\n'");
}

TEST(NodeConfig, ReportsEveryProblemInLineOrder) {
  EXPECT_EQ(problems_in("[transport]\nkind = \"nativ\"\n[node]\nworkers = 2000\nnmae = \"a\"\n"),
            "node.toml:2: transport.kind: expected one of \"native\", \"amqp\", \"local\", got "
            "\"nativ\"\n"
            "node.toml:4: node.workers: expected an integer from 0 (one per hardware thread) to "
            "1024, got 2000\n"
            "node.toml:5: node.nmae: unknown key (known keys in [node]: name, workers, busy_wait, "
            "mailbox_capacity, mailbox_policy)\n"
            "node.toml: node.name: missing (required)");
}

// A file in the test's temporary directory, removed when the test ends.
class TempFile {
 public:
  TempFile(const std::string& stem, const std::string& contents)
      : path_(absl::StrCat(testing::TempDir(), "/", stem, "-", getpid(), ".toml")) {
    std::ofstream(path_) << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(NodeConfig, LoadsAFileAndRecordsItsPath) {
  TempFile file("beta",
                "[node]\nname = \"beta\"\n[transport]\nlisten = \"tcp://127.0.0.1:7002\"\n"
                "security = \"none\"\n");
  absl::StatusOr<NodeConfig> config = load_node_config(file.path());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "beta");
  EXPECT_EQ(config->source, file.path());
  EXPECT_EQ(config->transport.listen, "tcp://127.0.0.1:7002");
}

TEST(NodeConfig, ErrorsInAFileNameItsPath) {
  TempFile file("gamma", "[node]\nname = \"gamma\"\n[transport]\nkind = \"zmq\"\n");
  absl::StatusOr<NodeConfig> config = load_node_config(file.path());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(),
            absl::StrCat(file.path(),
                         ":4: transport.kind: expected one of \"native\", \"amqp\", \"local\", got "
                         "\"zmq\""));
}

TEST(NodeConfig, MissingFileIsNotFound) {
  const std::string path = absl::StrCat(testing::TempDir(), "/no-such-node-config.toml");
  absl::StatusOr<NodeConfig> config = load_node_config(path);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(config.status().message(),
            absl::StrCat(path, ": cannot open: No such file or directory"));
}

}  // namespace
}  // namespace bossa
