// The amqp backend against real RabbitMQ brokers: a node that cannot reach its broker, a plain
// AMQP client reaching a named actor, an envelope for a vanished queue coming back to its sender,
// hellos that make a node start over with a peer, a silent broker, and broker restarts within the
// nodes' reconnect grace: quiet, in the middle of traffic with publisher confirms on, and with a
// peer killed meanwhile.
// (The cluster conformance suite runs on amqp too: tests/cluster/conformance_test.cc.)
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cluster/node.h"
#include "cluster/node_events.h"
#include "gtest/gtest.h"
#include "runtime/evented_actor.h"
#include "runtime/threaded_actor.h"
#include "serialization/codec.h"
#include "serialization/codec_registry.h"
#include "serialization/envelope.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_services.h"
#include "transport/amqp/amqp_connection.h"
#include "transport/amqp/amqp_topology.h"
#include "transport/envelope_batch.h"

namespace bossa::cluster_test {
namespace {

using transport::AmqpConnection;

constexpr absl::Duration kWait = absl::Seconds(10);

// Runs `argv` and returns what it printed on stdout, or nullopt if it did not exit 0.
std::optional<std::string> run_program(const std::vector<std::string>& argv) {
  std::string command;
  for (const std::string& arg : argv) absl::StrAppend(&command, "'", arg, "' ");
  absl::StrAppend(&command, "2>&1");
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << command << " failed:\n" << output;
    return std::nullopt;
  }
  return output;
}

std::unique_ptr<AmqpConnection> raw_connection(const std::string& url) {
  absl::StatusOr<transport::AmqpUrl> parsed = transport::parse_amqp_url(url);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  absl::StatusOr<std::unique_ptr<AmqpConnection>> connection =
      AmqpConnection::open({.url = *parsed,
                            .name = "bossa test client",
                            .heartbeat = absl::Seconds(10),
                            .timeout = absl::Seconds(5),
                            .ca_file = {}});
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? *std::move(connection) : nullptr;
}

// A node that does not exist says it is alive, as a node's presence announcement does.
void announce_ghost(AmqpConnection& connection, const std::string& prefix, uint32_t id,
                    const std::string& name) {
  const std::string key = transport::node_key(id);
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_TYPE_FLAG;
  properties.app_id = amqp_cstring_bytes(name.c_str());
  properties.reply_to = amqp_cstring_bytes(key.c_str());
  properties.type = amqp_cstring_bytes("alive");
  ASSERT_TRUE(connection.publish(prefix + ".presence", "", false, properties, "").ok());
}

// What a node sends another on its queue, sent for a node that does not exist: a hello
// (`epoch` set) or batch number `number` of `envelopes` (transport/envelope_batch.h).
void send_as_ghost(AmqpConnection& connection, const std::string& prefix, uint32_t id, uint32_t to,
                   uint64_t number, std::optional<uint64_t> epoch,
                   std::string_view envelopes = {}) {
  const std::string key = transport::node_key(id);
  const std::string message_id = absl::StrCat(number);
  const std::string epoch_text = absl::StrCat(epoch.value_or(0));
  amqp_basic_properties_t properties{};
  properties._flags =
      AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
  properties.app_id = amqp_cstring_bytes("ghost");
  properties.reply_to = amqp_cstring_bytes(key.c_str());
  properties.message_id = amqp_cstring_bytes(message_id.c_str());
  if (epoch) {
    properties._flags |= AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG;
    properties.type = amqp_cstring_bytes("hello");
    properties.correlation_id = amqp_cstring_bytes(epoch_text.c_str());
  } else {
    properties._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
    properties.content_type = amqp_cstring_bytes(transport::kBatchContentType.data());
  }
  ASSERT_TRUE(
      connection.publish(prefix + ".nodes", transport::node_key(to), false, properties, envelopes)
          .ok());
}

NodeConfig amqp_node(const std::string& url, absl::Duration connect_timeout) {
  NodeConfig config;
  config.name = "lonely";
  config.workers = 1;
  config.transport.kind = transport::TransportKind::kAmqp;
  config.transport.amqp.url = url;
  config.transport.amqp.connect_timeout = connect_timeout;
  config.transport.amqp.shared_user = true;  // the broker's default user, for every node
  return config;
}

// A tcp socket bound to a free port on 127.0.0.1, and that port; -1 if it cannot be had.
std::pair<int, int> bound_loopback_socket() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return {-1, 0};
  }
  return {fd, ntohs(address.sin_port)};
}

// Nodes "left" and "right" in this process, started from `config` (right with `right_grace` as
// its reconnect_grace, if set); fewer if one fails to start.
std::vector<std::unique_ptr<Node>> start_left_and_right(
    NodeConfig config, std::optional<absl::Duration> right_grace = std::nullopt) {
  std::vector<std::unique_ptr<Node>> nodes;
  for (const char* name : {"left", "right"}) {
    config.name = name;
    if (right_grace && nodes.size() == 1) config.transport.amqp.reconnect_grace = *right_grace;
    absl::StatusOr<std::unique_ptr<Node>> node = Node::create(config);
    EXPECT_TRUE(node.ok()) << node.status();
    if (!node.ok()) break;
    (*node)->log().set_level(LogLevel::kError);
    const absl::Status started = (*node)->start();
    EXPECT_TRUE(started.ok()) << name << ": " << started;
    if (!started.ok()) break;
    nodes.push_back(*std::move(node));
  }
  return nodes;
}

TEST(AmqpStart, FailsAtOnceNamingTheBrokerWhenNobodyListens) {
  const auto [probe, port] = bound_loopback_socket();
  ASSERT_GE(probe, 0);
  ::close(probe);  // nobody listens there now

  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(
      amqp_node(absl::StrCat("amqp://bossa:secret@127.0.0.1:", port, "/"), absl::Seconds(5)));
  ASSERT_TRUE(node.ok()) << node.status();
  const absl::Status started = (*node)->start();
  EXPECT_TRUE(absl::IsUnavailable(started)) << started;
  EXPECT_NE(started.message().find(absl::StrCat("amqp://bossa:***@127.0.0.1:", port, "/")),
            std::string::npos)
      << started;
  EXPECT_EQ(started.message().find("secret"), std::string::npos) << started;
}

TEST(AmqpStart, GivesUpWithinTheConnectTimeoutWhenTheBrokerSaysNothing) {
  // A listener that never answers: the TCP connection opens, the AMQP handshake never comes.
  const auto [mute, port] = bound_loopback_socket();
  ASSERT_GE(mute, 0);
  ASSERT_EQ(::listen(mute, 8), 0);
  const std::string url = absl::StrCat("amqp://guest:guest@127.0.0.1:", port, "/");

  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(amqp_node(url, absl::Seconds(1)));
  ASSERT_TRUE(node.ok()) << node.status();
  const auto before = std::chrono::steady_clock::now();
  const absl::Status started = (*node)->start();
  const auto took = std::chrono::steady_clock::now() - before;
  ::close(mute);
  EXPECT_FALSE(started.ok());
  EXPECT_NE(started.message().find("127.0.0.1"), std::string::npos) << started;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(4));
}

TEST(AmqpTls, NodesThatTrustTheBrokersCaMeetOverTlsAndOthersAreRefused) {
  const std::string prefix = absl::StrCat("bossa-tls-", ::getpid());
  NodeConfig config = amqp_node(test_amqps_url(), absl::Seconds(5));
  config.transport.amqp.exchange = prefix;
  config.transport.amqp.ca_file = test_amqp_ca_file();
  std::vector<std::unique_ptr<Node>> nodes = start_left_and_right(config);
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_TRUE(nodes[0]->await_nodes({"right"}, kWait));
  EXPECT_TRUE(nodes[1]->await_nodes({"left"}, kWait));

  // The system's CAs do not know the broker's: the handshake fails, and the error says where.
  absl::StatusOr<std::unique_ptr<Node>> stranger =
      Node::create(amqp_node(test_amqps_url(), absl::Seconds(5)));
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  const absl::Status refused = (*stranger)->start();
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_NE(refused.message().find("amqps://guest:***@localhost:"), std::string::npos) << refused;
}

TEST(AmqpOutsideClient, APlainAmqpClientReachesANamedActor) {
  TestCluster cluster(Backend::kAmqp);
  ScopedActor inbox(cluster.main().runtime());
  ASSERT_TRUE(cluster.main().register_global("inbox", inbox.pid()).ok());
  const std::string names = cluster.amqp_exchange() + ".names";

  // The node binds the name as it commits it, on its own thread: until then the broker drops
  // what it cannot route, so the client sends until the actor hears it.
  absl::StatusOr<std::string> text = absl::DeadlineExceededError("nothing arrived");
  const absl::Time deadline = absl::Now() + kWait;
  while (!text.ok() && absl::Now() < deadline) {
    ASSERT_TRUE(run_program({"amqp-publish", "--url=" + test_amqp_url(), "--exchange=" + names,
                             "--routing-key=inbox", "--content-type=text/plain",
                             "--body=hello from outside"}));
    text = inbox->receive_for<std::string>(absl::Milliseconds(500));
  }
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "hello from outside");

  // Without a content type the body arrives as bytes.
  ASSERT_TRUE(run_program({"amqp-publish", "--url=" + test_amqp_url(), "--exchange=" + names,
                           "--routing-key=inbox", "--body=raw"}));
  absl::StatusOr<Bytes> bytes = inbox->receive_for<Bytes>(kWait);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()), "raw");

  // A client that speaks Cap'n Proto sends a typed message in an envelope.
  std::unique_ptr<AmqpConnection> client = raw_connection(test_amqp_url());
  ASSERT_NE(client, nullptr);
  Envelope envelope;
  envelope.type_id = wire_type_id("int64");
  envelope.payload = encode(int64_t{42}).value();
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG;
  properties.content_type = amqp_bytes_t{transport::kEnvelopeContentType.size(),
                                         const_cast<char*>(transport::kEnvelopeContentType.data())};
  // Before it, a body that claims to be an envelope and is not: the node drops and counts it, and
  // what follows still arrives.
  ASSERT_TRUE(client->publish(names, "inbox", false, properties, "not an envelope").ok());
  ASSERT_TRUE(client->publish(names, "inbox", false, properties, encode_envelope(envelope)).ok());
  absl::StatusOr<int64_t> number = inbox->receive_for<int64_t>(kWait);
  ASSERT_TRUE(number.ok()) << number.status();
  EXPECT_EQ(*number, 42);
  EXPECT_EQ(cluster.main().counters().rejected.load(), 1u);
}

TEST(AmqpUndelivered, AnEnvelopeForAQueueThatIsGoneComesBackToItsSender) {
  TestCluster cluster(Backend::kAmqp);
  Node& main = cluster.main();
  // A node announces itself and has no queue: what is sent to it has nowhere to go.
  std::unique_ptr<AmqpConnection> client = raw_connection(test_amqp_url());
  ASSERT_NE(client, nullptr);
  constexpr uint32_t kGhost = 77;
  announce_ghost(*client, cluster.amqp_exchange(), kGhost, "ghost");
  ASSERT_TRUE(main.await_nodes({"ghost"}, kWait));

  ScopedActor me(main.runtime());
  const auto before = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> answer =
      me->request<std::string>(Pid{kGhost, 5}, kWait, std::string("anyone?"));
  ASSERT_FALSE(answer.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2))
      << "the request failed by its timeout, not by the broker's return";
  EXPECT_NE(answer.status().message().find("no queue for node 77"), std::string::npos)
      << answer.status();

  const uint64_t dead_letters = main.runtime().dead_letter_count();
  const uint64_t undeliverable = main.counters().undeliverable.load();
  ASSERT_TRUE(me->send(Pid{kGhost, 5}, std::string("lost?")).ok());
  const absl::Time deadline = absl::Now() + kWait;
  while (main.runtime().dead_letter_count() == dead_letters && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(main.runtime().dead_letter_count(), dead_letters + 1);
  EXPECT_EQ(main.counters().undeliverable.load(), undeliverable + 1);
}

TEST(AmqpHello, ANodeStartsOverWithAPeerThatHadItDownOrWhoseBatchesWereLost) {
  TestCluster cluster(Backend::kAmqp);
  Node& main = cluster.main();
  ScopedActor me(main.runtime());
  main.monitor_nodes(me.pid());
  // monitor_nodes is a message to the node service: a round trip through it says it has been read.
  ASSERT_TRUE(main.rpc_blocking_call<int64_t>(main.name(), "nodes", int64_t{0}).ok());
  std::unique_ptr<AmqpConnection> client = raw_connection(test_amqp_url());
  ASSERT_NE(client, nullptr);
  const std::string& prefix = cluster.amqp_exchange();
  constexpr uint32_t kGhost = 78;
  announce_ghost(*client, prefix, kGhost, "ghost");
  absl::StatusOr<NodeUp> up = me->receive_for<NodeUp>(kWait);
  ASSERT_TRUE(up.ok()) << up.status();
  ASSERT_EQ(up->id, kGhost);

  // The ghost's first hello pairs main's incarnation of it; one with a greater epoch says the
  // ghost had main down meanwhile: main starts over too.
  send_as_ghost(*client, prefix, kGhost, main.id(), 0, /*epoch=*/1);
  announce_ghost(*client, prefix, kGhost, "ghost");
  send_as_ghost(*client, prefix, kGhost, main.id(), 0, /*epoch=*/2);
  absl::StatusOr<NodeDown> down = me->receive_for<NodeDown>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->id, kGhost);
  EXPECT_EQ(down->reason, "it had this node down");
  up = me->receive_for<NodeUp>(kWait);
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->id, kGhost);

  // That hello said no batch came before; batch 3 says two were lost on the way.
  announce_ghost(*client, prefix, kGhost, "ghost");
  send_as_ghost(*client, prefix, kGhost, main.id(), 3, std::nullopt);
  down = me->receive_for<NodeDown>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->reason, "2 batches it sent were lost on the way");
  up = me->receive_for<NodeUp>(kWait);
  ASSERT_TRUE(up.ok()) << up.status();
  // Batch 4 follows 3, and what it carries arrives: nothing more happens.
  const uint64_t downs = main.counters().nodes_down.load();
  Envelope envelope{.to = WirePid{main.id(), me.pid().serial},
                    .from = WirePid{kGhost, 1},
                    .type_id = wire_type_id("string"),
                    .to_name = {},
                    .payload = encode(std::string("in order")).value()};
  std::string batch;
  transport::append_to_batch(batch, encode_envelope(envelope));
  send_as_ghost(*client, prefix, kGhost, main.id(), 4, std::nullopt, batch);
  absl::StatusOr<std::string> text = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "in order");
  EXPECT_EQ(main.counters().nodes_down.load(), downs);
  EXPECT_TRUE(main.resolve_node("ghost").has_value());
}

// A broker of the test's own, so that restarting it disturbs no other test.
class PrivateBroker {
 public:
  PrivateBroker() {
    char pattern[] = "/tmp/bossa-broker-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    std::optional<std::string> url = run_program({BOSSA_LOCAL_RABBITMQ, "start", directory_});
    if (url) {
      url_ = *url;
      absl::StripTrailingAsciiWhitespace(&url_);
    }
  }
  ~PrivateBroker() {
    run_program({BOSSA_LOCAL_RABBITMQ, "stop", directory_});
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  bool restart() { return run_program({BOSSA_LOCAL_RABBITMQ, "restart", directory_}).has_value(); }
  // Stops the broker, or starts it again (same port, same data).
  bool stop() { return run_program({BOSSA_LOCAL_RABBITMQ, "stop", directory_}).has_value(); }
  bool start() { return run_program({BOSSA_LOCAL_RABBITMQ, "start", directory_}).has_value(); }
  // rabbitmqctl `args` against this broker.
  bool control(std::vector<std::string> args) {
    args.insert(args.begin(), {BOSSA_LOCAL_RABBITMQ, "ctl", directory_});
    return run_program(args).has_value();
  }
  const std::string& url() const { return url_; }
  const std::string& directory() const { return directory_; }
  // Stops the broker's process without closing anything (SIGSTOP), or lets it go on (SIGCONT).
  bool pause() { return signal_server(SIGSTOP); }
  bool resume() { return signal_server(SIGCONT); }

 private:
  bool signal_server(int signal) {
    std::ifstream pid_file(directory_ + "/data/broker.pid");
    pid_t pid = 0;
    return (pid_file >> pid) && pid > 0 && ::kill(pid, signal) == 0;
  }

  std::string directory_;
  std::string url_;
};

TEST(AmqpBrokerSilence, ANodeNoticesASilentBrokerAndKeepsItsPeersOnlyForItsGrace) {
  PrivateBroker broker;
  ASSERT_TRUE(broker.url().starts_with("amqp://")) << broker.url();
  // left has no grace: its peers go down as it loses the broker; right keeps them for 2 s.
  NodeConfig config = amqp_node(broker.url(), absl::Seconds(1));
  config.transport.amqp.heartbeat = absl::Seconds(1);
  config.transport.amqp.reconnect_grace = absl::ZeroDuration();
  std::vector<std::unique_ptr<Node>> nodes = start_left_and_right(config, absl::Seconds(2));
  ASSERT_EQ(nodes.size(), 2u);
  ASSERT_TRUE(nodes[0]->await_nodes({"right"}, kWait));
  ASSERT_TRUE(nodes[1]->await_nodes({"left"}, kWait));
  ScopedActor on_left(nodes[0]->runtime());
  nodes[0]->monitor_nodes(on_left.pid());
  ScopedActor on_right(nodes[1]->runtime());
  nodes[1]->monitor_nodes(on_right.pid());

  // The connections stay open and say nothing: only missed heartbeats can tell.
  ASSERT_TRUE(broker.pause());
  const auto paused_at = std::chrono::steady_clock::now();
  absl::StatusOr<NodeDown> left_down = on_left->receive_for<NodeDown>(absl::Seconds(15));
  const auto left_after = std::chrono::steady_clock::now() - paused_at;
  absl::StatusOr<NodeDown> right_down = on_right->receive_for<NodeDown>(absl::Seconds(15));
  const auto right_after = std::chrono::steady_clock::now() - paused_at;
  ASSERT_TRUE(broker.resume());
  ASSERT_TRUE(left_down.ok()) << "a silent broker went unnoticed";
  EXPECT_EQ(left_down->name, "right");
  EXPECT_NE(left_down->reason.find("heartbeats missed"), std::string::npos) << left_down->reason;
  EXPECT_LT(left_after, std::chrono::seconds(4));  // 1.5 heartbeats, and time to spare
  ASSERT_TRUE(right_down.ok()) << "right kept its peer past its grace";
  EXPECT_EQ(right_down->name, "left");
  EXPECT_NE(right_down->reason.find("heartbeats missed"), std::string::npos) << right_down->reason;
  EXPECT_NE(right_down->reason.find("not back within 2s"), std::string::npos) << right_down->reason;
  // At least a heartbeat to notice, then the whole grace.
  EXPECT_GE(right_after, std::chrono::milliseconds(2500));
  EXPECT_LT(right_after, std::chrono::seconds(7));

  for (ScopedActor* me : {&on_left, &on_right}) {
    absl::StatusOr<NodeUp> up = (*me)->receive_for<NodeUp>(absl::Seconds(30));
    ASSERT_TRUE(up.ok()) << "the nodes did not meet again once the broker woke";
  }
}

// Node main in this process and node alpha in another, on a broker of the test's own, with a
// collector on alpha (test_services.h) and an actor of main's that watches the nodes.
class CollectorCluster {
 public:
  CollectorCluster(const PrivateBroker& broker, bool publisher_confirms,
                   std::optional<absl::Duration> reconnect_grace = std::nullopt)
      : cluster_(Backend::kAmqp, {.url = broker.url(),
                                  .publisher_confirms = publisher_confirms,
                                  .reconnect_grace = reconnect_grace}),
        me_(cluster_.main().runtime()) {
    cluster_.start_peer("alpha");
    absl::StatusOr<Pid> collector = main().spawn_remote("alpha", "collector", int64_t{0}, kWait);
    EXPECT_TRUE(collector.ok()) << collector.status();
    collector_ = collector.value_or(Pid{});
    main().monitor_nodes(me_.pid());
  }

  TestCluster& cluster() { return cluster_; }
  Node& main() { return cluster_.main(); }
  ScopedActor& me() { return me_; }
  Pid collector() const { return collector_; }

  // The collector's report, asked again until `enough` says so or `patience` has passed.
  IntPair report_when(const std::function<bool(const IntPair&)>& enough, absl::Duration patience) {
    IntPair report{0, 0};
    const absl::Time deadline = absl::Now() + patience;
    do {
      absl::StatusOr<IntPair> answer = me_->request<IntPair>(collector_, kWait, int64_t{-1});
      EXPECT_TRUE(answer.ok()) << answer.status();
      report = answer.value_or(report);
    } while (!enough(report) && absl::Now() < deadline);
    return report;
  }

 private:
  TestCluster cluster_;
  ScopedActor me_;
  Pid collector_;
};

// Longer than a restart of the test's broker takes, even on a busy machine (5-8 s here).
constexpr absl::Duration kRestartGrace = absl::Seconds(30);

// The value of the reply `answer` if it came, for an EXPECT.
std::string reply_of(const absl::StatusOr<std::string>& answer) {
  return answer.ok() ? *answer : std::string(answer.status().message());
}

TEST(AmqpBrokerRestart, PeersStayMembersAndKeepTheirLinksMonitorsAndNames) {
  PrivateBroker broker;
  ASSERT_TRUE(broker.url().starts_with("amqp://")) << broker.url();
  CollectorCluster cluster(broker, /*publisher_confirms=*/false, kRestartGrace);
  Node& main = cluster.main();
  ScopedActor& me = cluster.me();
  // me links to an actor on alpha and monitors another: a node down on either side would end the
  // link (the actor on alpha does not trap exits, so it would die) or the monitor.
  absl::StatusOr<Pid> linked = main.spawn_remote("alpha", "echo", int64_t{0}, kWait);
  absl::StatusOr<Pid> watched = main.spawn_remote("alpha", "echo", int64_t{0}, kWait);
  ASSERT_TRUE(linked.ok() && watched.ok());
  me->trap_exit(true);
  me->link(*linked);
  me->monitor(*watched);
  ScopedActor inbox(main.runtime());
  ASSERT_TRUE(main.register_global("inbox", inbox.pid()).ok());
  // The link is in place on alpha once a request behind it has been answered (ordered per pair).
  ASSERT_EQ(reply_of(me->request<std::string>(*linked, kWait, std::string("before"))), "before");
  const uint64_t downs = main.counters().nodes_down.load();

  ASSERT_TRUE(broker.restart());
  // The nodes reconnect within a second or so of the broker's return; what is sent meanwhile
  // waits for them.
  EXPECT_EQ(reply_of(me->request<std::string>(*linked, absl::Seconds(20), std::string("after"))),
            "after");
  EXPECT_EQ(reply_of(me->request<std::string>(*watched, kWait, std::string("after"))), "after");
  EXPECT_EQ(main.counters().nodes_down.load(), downs) << "alpha went down";
  EXPECT_FALSE(me->receive_for<NodeDown>(absl::ZeroDuration()).ok());
  EXPECT_FALSE(me->receive_for<ExitMsg>(absl::ZeroDuration()).ok());
  EXPECT_FALSE(me->receive_for<DownMsg>(absl::ZeroDuration()).ok());

  // Global names survive: the cluster's, and the broker's bindings, which the node made again
  // on its new queue (without confirms, the old one went with its connection).
  EXPECT_TRUE(main.whereis_global("echo@alpha").has_value());
  absl::StatusOr<int64_t> seen =
      main.rpc_blocking_call<int64_t>("alpha", "whereis", std::string("inbox"));
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(*seen, main.id());
  ASSERT_TRUE(
      run_program({"amqp-publish", "--url=" + broker.url(),
                   "--exchange=" + cluster.cluster().amqp_exchange() + ".names",
                   "--routing-key=inbox", "--content-type=text/plain", "--body=from outside"}));
  absl::StatusOr<std::string> outside = inbox->receive_for<std::string>(kWait);
  ASSERT_TRUE(outside.ok()) << outside.status();
  EXPECT_EQ(*outside, "from outside");
}

TEST(AmqpBrokerRestart, WithConfirmsPeersStayAndEveryMessageArrivesOnceOrIsReported) {
  PrivateBroker broker;
  ASSERT_TRUE(broker.url().starts_with("amqp://")) << broker.url();
  CollectorCluster cluster(broker, /*publisher_confirms=*/true, kRestartGrace);
  Node& main = cluster.main();
  const uint64_t downs = main.counters().nodes_down.load();

  // A steady stream of numbers, 0, 1, 2, ..., through the restart; each either arrives or is
  // reported to the sender (a dead letter): refused at the send site while the queue towards the
  // broker stayed full. What the broker did not confirm leaves again after the restart, and alpha
  // drops what it had already.
  const uint64_t dead_letters_before = main.runtime().dead_letter_count();
  std::atomic<bool> sending{true};
  std::atomic<int64_t> sent{0};
  std::thread sender([&] {
    while (sending.load()) {
      (void)main.runtime().send(cluster.collector(), sent.load());
      sent.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int64_t sent_before_restart = sent.load();
  ASSERT_TRUE(broker.restart());
  // Traffic resumes: a number sent after the broker came back arrives.
  const int64_t sent_after_restart = sent.load();
  const IntPair resumed = cluster.report_when(
      [&](const IntPair& report) { return std::get<0>(report) > sent_after_restart; },
      absl::Seconds(30));
  sending.store(false);
  sender.join();

  // Wait for the stream to drain, then account for every number.
  auto reported = [&] {
    return static_cast<int64_t>(main.runtime().dead_letter_count() - dead_letters_before);
  };
  const auto [received, increasing] = cluster.report_when(
      [&](const IntPair& report) { return std::get<0>(report) + reported() >= sent.load(); },
      absl::Seconds(30));
  std::printf("%lld sent, %lld received, %lld reported to the sender\n",
              static_cast<long long>(sent.load()), static_cast<long long>(received),
              static_cast<long long>(reported()));
  EXPECT_GT(std::get<0>(resumed), sent_after_restart) << "nothing arrived after the restart";
  EXPECT_GT(received, sent_before_restart);
  EXPECT_EQ(increasing, 1) << "a number arrived twice or out of order";
  EXPECT_EQ(received + reported(), sent.load());
  EXPECT_EQ(main.counters().nodes_down.load(), downs) << "alpha went down";
}

TEST(AmqpBrokerRestart, APeerKilledWhileTheBrokerIsDownGoesDownOnceTheGraceEnds) {
  PrivateBroker broker;
  ASSERT_TRUE(broker.url().starts_with("amqp://")) << broker.url();
  CollectorCluster cluster(broker, /*publisher_confirms=*/false, kRestartGrace);
  Node& main = cluster.main();
  cluster.cluster().start_peer("beta");
  ScopedActor& me = cluster.me();
  const uint64_t downs = main.counters().nodes_down.load();

  const auto lost_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(broker.stop());
  cluster.cluster().kill_peer("alpha");
  ASSERT_TRUE(broker.start());
  // main keeps alpha until it has been silent for the grace; beta, which came back, stays.
  absl::StatusOr<NodeDown> down = me->receive_for<NodeDown>(kRestartGrace + kWait);
  const auto down_after = std::chrono::steady_clock::now() - lost_at;
  ASSERT_TRUE(down.ok()) << "alpha was never declared down";
  EXPECT_EQ(down->name, "alpha");
  EXPECT_EQ(down->reason, "not heard from since this node got the broker back");
  EXPECT_GE(down_after, absl::ToChronoNanoseconds(kRestartGrace));
  EXPECT_TRUE(main.resolve_node("beta").has_value());
  absl::StatusOr<std::string> echoed =
      main.rpc_blocking_call<std::string>("beta", "node_name", int64_t{0});
  ASSERT_TRUE(echoed.ok()) << echoed.status();
  EXPECT_EQ(*echoed, "beta");
  EXPECT_EQ(main.counters().nodes_down.load(), downs + 1);
}

TEST(AmqpBrokerAlarm, ABlockedBrokerHoldsMessagesBackAndTakesNoNodeDown) {
  PrivateBroker broker;
  ASSERT_TRUE(broker.url().starts_with("amqp://")) << broker.url();
  CollectorCluster cluster(broker, /*publisher_confirms=*/false);
  Node& main = cluster.main();

  // A memory alarm: the broker blocks every connection that publishes (connection.blocked), so
  // the nodes' announcements stop as their messages do.
  ASSERT_TRUE(broker.control({"set_vm_memory_high_watermark", "0"}));
  constexpr int64_t kMessages = 1000;
  for (int64_t i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(main.runtime().send(cluster.collector(), i).ok());
  }
  // Longer than node_down_after (2 s): silence under an alarm is the broker's, not the peers'.
  absl::StatusOr<NodeDown> down = cluster.me()->receive_for<NodeDown>(absl::Seconds(4));
  EXPECT_FALSE(down.ok()) << "alpha was declared down while the broker blocked: " << down->reason;

  ASSERT_TRUE(broker.control({"set_vm_memory_high_watermark", "0.4"}));
  const IntPair report = cluster.report_when(
      [](const IntPair& report) { return std::get<0>(report) >= kMessages; }, kWait);
  EXPECT_EQ(report, (IntPair{kMessages, 1})) << "held messages were lost or reordered";
  EXPECT_TRUE(main.resolve_node("alpha").has_value());
}

// A broker of the suite's own with the users and permissions of docs/transports.md ("Broker users
// and permissions") for the prefix kUsersPrefix: node users "left", "right" and "mallory" (a node
// user that is not in the cluster and forges what it sends), and "outsider", a client that may only
// publish to the names exchange.
class AmqpBrokerUsers : public ::testing::Test {
 protected:
  static constexpr char kPrefix[] = "bossa-users";

  static void SetUpTestSuite() {
    broker_ = new PrivateBroker();
    if (!broker_->url().starts_with("amqp://")) return;
    for (const char* node : {"left", "right", "mallory"}) {
      if (!run_program({BOSSA_LOCAL_RABBITMQ, "add-node-user", broker_->directory(), node,
                        password_of(node), kPrefix})) {
        return;
      }
    }
    users_ready_ = run_program({BOSSA_LOCAL_RABBITMQ, "add-outside-user", broker_->directory(),
                                "outsider", password_of("outsider"), kPrefix})
                       .has_value();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(users_ready_) << "the broker or its users are missing"; }

  static std::string password_of(const std::string& user) { return user + "-secret"; }
  // The broker's URL, logging in as `user`.
  static std::string url_as(const std::string& user) {
    const std::string& url = broker_->url();
    return absl::StrCat("amqp://", user, ":", password_of(user), "@",
                        url.substr(url.find('@') + 1));
  }
  // Node `name`, started and logging in as `user`, in the safe mode (no shared user).
  static absl::StatusOr<std::unique_ptr<Node>> start_node(const std::string& name,
                                                          const std::string& user,
                                                          bool confirms = false) {
    NodeConfig config = amqp_node(url_as(user), absl::Seconds(5));
    config.name = name;
    config.transport.amqp.exchange = kPrefix;
    config.transport.amqp.publisher_confirms = confirms;
    config.transport.amqp.shared_user = false;
    absl::StatusOr<std::unique_ptr<Node>> node = Node::create(config);
    if (!node.ok()) return node.status();
    (*node)->log().set_level(LogLevel::kError);
    if (absl::Status started = (*node)->start(); !started.ok()) return started;
    return node;
  }
  // Nodes left and right, each logged in as its own user, once they see each other. With
  // `confirms`, right's queue is durable (the layout lets it declare and delete that too).
  static std::vector<std::unique_ptr<Node>> start_left_and_right(bool confirms = false) {
    std::vector<std::unique_ptr<Node>> nodes;
    for (const char* name : {"left", "right"}) {
      absl::StatusOr<std::unique_ptr<Node>> node =
          start_node(name, name, confirms && nodes.size() == 1);
      EXPECT_TRUE(node.ok()) << name << ": " << node.status();
      if (!node.ok()) return {};
      nodes.push_back(*std::move(node));
    }
    EXPECT_TRUE(nodes[0]->await_nodes({"right"}, kWait));
    EXPECT_TRUE(nodes[1]->await_nodes({"left"}, kWait));
    return nodes;
  }
  // What the broker answers the next synchronous method on `connection`: after a publish it may
  // not take, the error with which it closed the channel.
  static absl::Status broker_verdict(AmqpConnection& connection) {
    return connection.set_prefetch(1);
  }

  static PrivateBroker* broker_;
  static bool users_ready_;
};

PrivateBroker* AmqpBrokerUsers::broker_ = nullptr;
bool AmqpBrokerUsers::users_ready_ = false;

// Node traffic as `sender` (name and id) would send it, with user_id `user` if given: a batch
// holding a string for `to`, or an empty message of type `type` ("alive", "bye").
struct Forgery {
  std::string name;
  uint32_t id;
  std::optional<std::string> user;
  std::string type;  // empty for a batch
};

absl::Status publish_forgery(AmqpConnection& connection, const std::string& exchange,
                             const std::string& key, const Forgery& forgery, Pid to) {
  const std::string reply_to = transport::node_key(forgery.id);
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_REPLY_TO_FLAG |
                      AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TIMESTAMP_FLAG;
  properties.app_id = amqp_cstring_bytes(forgery.name.c_str());
  properties.reply_to = amqp_cstring_bytes(reply_to.c_str());
  properties.message_id = amqp_cstring_bytes("1000");
  // A session later than the real node's: accepted, it would count as the node reconnecting.
  properties.timestamp = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) + 60000;
  if (forgery.user) {
    properties._flags |= AMQP_BASIC_USER_ID_FLAG;
    properties.user_id = amqp_cstring_bytes(forgery.user->c_str());
  }
  std::string batch;
  if (forgery.type.empty()) {
    properties._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
    properties.content_type = amqp_cstring_bytes(transport::kBatchContentType.data());
    Envelope envelope{.to = WirePid{to.node, to.serial},
                      .from = WirePid{forgery.id, 1},
                      .type_id = wire_type_id("string"),
                      .to_name = {},
                      .payload = encode(std::string("forged")).value()};
    transport::append_to_batch(batch, encode_envelope(envelope));
  } else {
    properties._flags |= AMQP_BASIC_TYPE_FLAG;
    properties.type = amqp_cstring_bytes(forgery.type.c_str());
  }
  return connection.publish(exchange, key, false, properties, batch);
}

TEST_F(AmqpBrokerUsers, ANodeMustLogInAsTheBrokerUserNamedAfterIt) {
  absl::StatusOr<std::unique_ptr<Node>> node = start_node("left", "right");
  ASSERT_FALSE(node.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(node.status())) << node.status();
  EXPECT_NE(node.status().message().find("as broker user 'right'"), std::string::npos)
      << node.status();
  EXPECT_NE(node.status().message().find("transport.amqp.shared_user"), std::string::npos)
      << node.status();
}

TEST_F(AmqpBrokerUsers, NodesWithTheirOwnUsersFormAClusterAndExchangeMessages) {
  std::vector<std::unique_ptr<Node>> nodes = start_left_and_right(/*confirms=*/true);
  ASSERT_EQ(nodes.size(), 2u);
  ScopedActor on_left(nodes[0]->runtime());
  ScopedActor on_right(nodes[1]->runtime());
  ASSERT_TRUE(on_left->send(on_right.pid(), std::string("from left")).ok());
  absl::StatusOr<std::string> heard = on_right->receive_for<std::string>(kWait);
  ASSERT_TRUE(heard.ok()) << heard.status();
  EXPECT_EQ(*heard, "from left");
  ASSERT_TRUE(on_right->send(on_left.pid(), std::string("from right")).ok());
  heard = on_left->receive_for<std::string>(kWait);
  ASSERT_TRUE(heard.ok()) << heard.status();
  EXPECT_EQ(*heard, "from right");
  for (const std::unique_ptr<Node>& node : nodes) {
    EXPECT_EQ(node->counters().forged_senders.load(), 0u) << node->name();
    EXPECT_EQ(node->counters().rejected.load(), 0u) << node->name();
  }
}

TEST_F(AmqpBrokerUsers, ANodeUserThatPosesAsAnotherNodeIsDroppedAndCounted) {
  std::vector<std::unique_ptr<Node>> nodes = start_left_and_right();
  ASSERT_EQ(nodes.size(), 2u);
  Node& left = *nodes[0];
  Node& right = *nodes[1];
  ScopedActor on_left(left.runtime());
  ScopedActor on_right(right.runtime());
  const uint64_t downs = right.counters().nodes_down.load();
  const std::string nodes_exchange = absl::StrCat(kPrefix, ".nodes");
  const std::string to_right = transport::node_key(right.id());

  // mallory may publish to the nodes and presence exchanges, as a node may: the broker lets it,
  // and right must see that mallory is not left. Accepted, the batch would deliver "forged", the
  // announcement (another id under left's name) would replace left, and bye would take it down.
  std::unique_ptr<AmqpConnection> mallory = raw_connection(url_as("mallory"));
  ASSERT_NE(mallory, nullptr);
  const std::vector<std::pair<std::string, Forgery>> forgeries = {
      {nodes_exchange, {"left", left.id(), "mallory", ""}},
      {nodes_exchange, {"left", left.id(), std::nullopt, ""}},
      {absl::StrCat(kPrefix, ".presence"), {"left", left.id() + 1, "mallory", "alive"}},
      {nodes_exchange, {"left", left.id(), "mallory", "bye"}},
  };
  for (const auto& [exchange, forgery] : forgeries) {
    ASSERT_TRUE(publish_forgery(*mallory, exchange, to_right, forgery, on_right.pid()).ok());
  }
  EXPECT_TRUE(broker_verdict(*mallory).ok()) << "the broker refused what a node user may send";
  const absl::Time deadline = absl::Now() + kWait;
  while (right.counters().forged_senders.load() < forgeries.size() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(right.counters().forged_senders.load(), forgeries.size());
  EXPECT_EQ(right.counters().rejected.load(), forgeries.size());

  // Nothing of it took effect: left is up under its id, and what it sends now is the first thing
  // right's actor receives.
  EXPECT_EQ(right.resolve_node("left"), left.id());
  EXPECT_EQ(right.counters().nodes_down.load(), downs);
  ASSERT_TRUE(on_left->send(on_right.pid(), std::string("genuine")).ok());
  absl::StatusOr<std::string> heard = on_right->receive_for<std::string>(kWait);
  ASSERT_TRUE(heard.ok()) << heard.status();
  EXPECT_EQ(*heard, "genuine");

  // Nor may mallory claim left's user: the broker closes the channel of a publish whose user_id
  // is not the user that logged in.
  std::unique_ptr<AmqpConnection> impostor = raw_connection(url_as("mallory"));
  ASSERT_NE(impostor, nullptr);
  ASSERT_TRUE(publish_forgery(*impostor, nodes_exchange, to_right, {"left", left.id(), "left", ""},
                              on_right.pid())
                  .ok());
  const absl::Status refused = broker_verdict(*impostor);
  EXPECT_NE(refused.message().find("PRECONDITION_FAILED"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("mallory"), std::string::npos) << refused;

  // A node user may publish to the default exchange (answers to outside clients leave there), so
  // it can put a message straight into right's queue; right takes only what came through one of
  // the cluster's exchanges.
  std::unique_ptr<AmqpConnection> direct = raw_connection(url_as("mallory"));
  ASSERT_NE(direct, nullptr);
  const std::string right_queue =
      transport::AmqpTopology(kPrefix).node_queue({right.id(), "right"});
  const uint64_t rejected = right.counters().rejected.load();
  ASSERT_TRUE(
      publish_forgery(*direct, "", right_queue, {"mallory", 42, "mallory", ""}, on_right.pid())
          .ok());
  EXPECT_TRUE(broker_verdict(*direct).ok());
  for (const absl::Time until = absl::Now() + kWait;
       right.counters().rejected.load() == rejected && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(right.counters().rejected.load(), rejected + 1);
  EXPECT_FALSE(on_right->receive_for<std::string>(absl::ZeroDuration()).ok());
}

TEST_F(AmqpBrokerUsers, AnOutsideUserReachesNamedActorsAndNothingElse) {
  absl::StatusOr<std::unique_ptr<Node>> right = start_node("right", "right");
  ASSERT_TRUE(right.ok()) << right.status();
  ScopedActor inbox((*right)->runtime());
  ASSERT_TRUE((*right)->register_global("inbox", inbox.pid()).ok());

  // What would pose as a node, and a publish straight to right's queue, the broker refuses: each
  // closes the channel, so each has a connection of its own.
  const std::string to_right = transport::node_key((*right)->id());
  const std::string right_queue =
      transport::AmqpTopology(kPrefix).node_queue({(*right)->id(), "right"});
  const std::vector<std::pair<std::string, std::string>> forbidden = {
      {absl::StrCat(kPrefix, ".nodes"), to_right},
      {absl::StrCat(kPrefix, ".presence"), ""},
      {"", right_queue},  // the default exchange
  };
  for (const auto& [exchange, key] : forbidden) {
    std::unique_ptr<AmqpConnection> outsider = raw_connection(url_as("outsider"));
    ASSERT_NE(outsider, nullptr);
    ASSERT_TRUE(
        publish_forgery(*outsider, exchange, key, {"left", 42, "outsider", ""}, inbox.pid()).ok());
    const absl::Status refused = broker_verdict(*outsider);
    EXPECT_NE(refused.message().find("ACCESS_REFUSED"), std::string::npos)
        << "'" << exchange << "': " << refused;
  }

  // The names exchange it may publish to. The node binds the name on its own thread: until then
  // the broker drops what it cannot route, so the client sends until the actor hears it.
  std::unique_ptr<AmqpConnection> outsider = raw_connection(url_as("outsider"));
  ASSERT_NE(outsider, nullptr);
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG;
  properties.content_type = amqp_cstring_bytes("text/plain");
  absl::StatusOr<std::string> text = absl::DeadlineExceededError("nothing arrived");
  for (const absl::Time deadline = absl::Now() + kWait; !text.ok() && absl::Now() < deadline;) {
    ASSERT_TRUE(outsider
                    ->publish(absl::StrCat(kPrefix, ".names"), "inbox", false, properties,
                              "hello from outside")
                    .ok());
    text = inbox->receive_for<std::string>(absl::Milliseconds(500));
  }
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "hello from outside");
  EXPECT_TRUE(broker_verdict(*outsider).ok());
  EXPECT_EQ((*right)->counters().rejected.load(), 0u);
}

// RPC the RabbitMQ way, under the permission layout: the outsider, who may only publish to the
// names exchange, consumes from direct reply-to and gets the actor's answer from right, whose user
// may publish to the default exchange.
TEST_F(AmqpBrokerUsers, AnOutsideUserCallsANamedActorThroughDirectReplyTo) {
  absl::StatusOr<std::unique_ptr<Node>> right = start_node("right", "right");
  ASSERT_TRUE(right.ok()) << right.status();
  const Pid echo = (*right)->runtime().spawn([](EventedActor&) -> Behavior {
    return {[](const std::string& text) { return absl::StrCat("echo: ", text); }};
  });
  ASSERT_TRUE((*right)->register_global("echo", echo).ok());

  std::unique_ptr<AmqpConnection> outsider = raw_connection(url_as("outsider"));
  ASSERT_NE(outsider, nullptr);
  ASSERT_TRUE(outsider->consume("amq.rabbitmq.reply-to", /*no_ack=*/true).ok());
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_REPLY_TO_FLAG |
                      AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_USER_ID_FLAG;
  properties.content_type = amqp_cstring_bytes("text/plain");
  properties.reply_to = amqp_cstring_bytes("amq.rabbitmq.reply-to");
  properties.user_id = amqp_cstring_bytes("outsider");
  // The node binds the name on its own thread: until then the broker drops what it cannot route,
  // so the client asks again (each time under a new correlation id) until an answer comes.
  std::optional<std::pair<std::string, std::string>> answer;  // correlation id, body
  std::string status;
  int asked = 0;
  for (const absl::Time deadline = absl::Now() + kWait; !answer && absl::Now() < deadline;) {
    const std::string correlation = absl::StrCat("ask-", ++asked);
    properties.correlation_id = amqp_cstring_bytes(correlation.c_str());
    ASSERT_TRUE(
        outsider
            ->publish(absl::StrCat(kPrefix, ".names"), "echo", false, properties, "from outside")
            .ok());
    for (const absl::Time retry = absl::Now() + absl::Milliseconds(300);
         !answer && absl::Now() < retry;) {
      pollfd in{outsider->fd(), POLLIN, 0};
      if (!outsider->has_buffered_input()) (void)::poll(&in, 1, 50);
      absl::StatusOr<AmqpConnection::Ready> ready =
          outsider->next_delivery([&](const amqp_envelope_t& delivery) {
            const amqp_basic_properties_t& got = delivery.message.properties;
            answer.emplace(std::string(static_cast<const char*>(got.correlation_id.bytes),
                                       got.correlation_id.len),
                           std::string(static_cast<const char*>(delivery.message.body.bytes),
                                       delivery.message.body.len));
            if ((got._flags & AMQP_BASIC_HEADERS_FLAG) && got.headers.num_entries == 1) {
              const amqp_bytes_t value = got.headers.entries[0].value.value.bytes;
              status.assign(static_cast<const char*>(value.bytes), value.len);
            }
          });
      ASSERT_TRUE(ready.ok()) << ready.status();
    }
  }
  ASSERT_TRUE(answer.has_value()) << "no answer on direct reply-to";
  EXPECT_TRUE(answer->first.starts_with("ask-")) << answer->first;
  EXPECT_EQ(answer->second, "echo: from outside");
  EXPECT_EQ(status, "OK");
  EXPECT_TRUE(broker_verdict(*outsider).ok());
  EXPECT_EQ((*right)->counters().rejected.load(), 0u);
}

}  // namespace
}  // namespace bossa::cluster_test
