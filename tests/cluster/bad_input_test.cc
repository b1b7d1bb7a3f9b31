// Bad input on the native wire: a node that sends malformed frames or envelopes, or envelopes of
// types this node does not know, has each one counted, logged and dropped; its connection and
// every other node's go on.
#include <mutex>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/type_tables.h"
#include "gtest/gtest.h"
#include "serialization/codec.h"
#include "serialization/envelope.h"
#include "transport/envelope_batch.h"
#include "transport/native/native_wire.h"
#include "transport/native/swim_wire.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/raw_client.h"

namespace bossa {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);
constexpr uint32_t kMalloryId = 0x4d414c4c;
constexpr size_t npos = std::string::npos;

NodeConfig native_config(const std::string& name, const std::string& listen,
                         std::vector<std::string> seeds = {}) {
  NodeConfig config;
  config.name = name;
  config.workers = 2;
  config.source = name + ".toml";
  config.transport.kind = transport::TransportKind::kNative;
  config.transport.listen = listen;
  config.transport.seeds = std::move(seeds);
  // What this suite sends comes after the handshake: as a member holding a trusted key could.
  config.transport.security = transport::Security::kNone;
  return config;
}

// The warnings a node logs, kept for the test to read.
class Warnings {
 public:
  explicit Warnings(Node& node) {
    node.log().set_sink([this](LogLevel level, std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (level == LogLevel::kWarning) lines_.emplace_back(line);
    });
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }
  // Whether a line containing `text` is logged within kWait.
  bool await(std::string_view text) {
    for (const absl::Time deadline = absl::Now() + kWait; absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(10))) {
      for (const std::string& line : lines()) {
        if (line.find(text) != npos) return true;
      }
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

// A hand-written peer that speaks the native wire directly, as node `id`.
class RawPeer {
 public:
  explicit RawPeer(const std::string& target, uint32_t id = kMalloryId)
      : id_(id),
        pull_(context_, socket::SocketType::kPull),
        push_(context_, socket::SocketType::kPush) {
    EXPECT_TRUE(pull_.bind("tcp://127.0.0.1:*").ok());
    EXPECT_TRUE(push_.connect(target).ok());
  }
  // Asks to join the cluster, as node "mallory".
  void hello() {
    transport::SwimMessage join;
    join.kind = transport::SwimKind::kJoin;
    join.sender = transport::make_swim_node(id_, "mallory", pull_.last_endpoint());
    send(transport::NativeKind::kSwim, transport::encode_swim(join));
  }
  void send(transport::NativeKind kind, std::string body) {
    ASSERT_TRUE(push_.send(transport::native_message(kind, id_, std::move(body))).ok());
  }
  // Sends one envelope as a batch of one.
  void send_envelope(std::string_view envelope) {
    std::string batch;
    transport::append_to_batch(batch, envelope);
    send(transport::NativeKind::kData, std::move(batch));
  }
  void send_raw(socket::Message message) { ASSERT_TRUE(push_.send(std::move(message)).ok()); }

 private:
  const uint32_t id_;
  socket::Context context_{1};
  socket::Socket pull_;
  socket::Socket push_;
};

TEST(NativeBadInput, MalformedEnvelopesAreCountedLoggedAndDroppedAndTheConnectionGoesOn) {
  const std::string listen = "ipc:///tmp/bossa-bad-input-main-" + std::to_string(::getpid());
  absl::StatusOr<std::unique_ptr<Node>> main = Node::create(native_config("main", listen));
  ASSERT_TRUE(main.ok()) << main.status();
  Warnings warnings(**main);
  ASSERT_TRUE((*main)->start().ok());
  absl::StatusOr<std::unique_ptr<Node>> beta = Node::create(native_config(
      "beta", "ipc:///tmp/bossa-bad-input-beta-" + std::to_string(::getpid()), {listen}));
  ASSERT_TRUE(beta.ok());
  (*beta)->log().set_level(LogLevel::kError);
  ASSERT_TRUE((*beta)->start().ok());
  ASSERT_TRUE((*main)->await_nodes({"beta"}, kWait));

  RawPeer mallory(listen);
  mallory.hello();
  ASSERT_TRUE((*main)->await_nodes({"mallory"}, kWait));
  ScopedActor me((*main)->runtime());

  // Transport-level garbage: one frame, a bad header, a batch whose length overruns it, a frame
  // from a node that never said Hello. Dropped before the cluster has an envelope, counted as
  // rejected, and logged at most once a second.
  mallory.send_raw(socket::Message("garbage"));
  mallory.send_raw(socket::Message({"\x09\x00\x00\x00\x00", "body"}));
  mallory.send(transport::NativeKind::kData, std::string("\xff\x00\x00\x00\x00\x00\x00\x00", 8));
  mallory.send_raw(transport::native_message(transport::NativeKind::kHeartbeat, 0xdead, {}));
  // Envelope-level garbage: bytes that are no envelope, an envelope of an unknown type, and one
  // that claims a sender of another node.
  mallory.send_envelope("not an envelope at all, not even word-aligned");
  mallory.send_envelope(encode_envelope(Envelope{.to = WirePid{(*main)->id(), me.pid().serial},
                                                 .from = WirePid{kMalloryId, 7},
                                                 .kind = EnvelopeKind::kUser,
                                                 .correlation_id = 0,
                                                 .type_id = 0x1234,
                                                 .to_name = {},
                                                 .payload = "?"}));
  mallory.send_envelope(encode_envelope(Envelope{.to = WirePid{(*main)->id(), me.pid().serial},
                                                 .from = WirePid{(*main)->id(), 1},
                                                 .kind = EnvelopeKind::kLink,
                                                 .correlation_id = 0,
                                                 .type_id = 0,
                                                 .to_name = {},
                                                 .payload = {}}));
  // A message as a value of another type than its type id names: a number where text belongs.
  std::string mistyped;
  ASSERT_TRUE(encode_envelope(
                  Envelope{.to = WirePid{(*main)->id(), me.pid().serial},
                           .from = WirePid{kMalloryId, 7},
                           .kind = EnvelopeKind::kUser,
                           .correlation_id = 0,
                           .type_id = wire_type_id("string"),
                           .to_name = {},
                           .payload = {}},
                  [](wire::Value::Builder out) { out.setInt64(5); },
                  [&](std::string_view bytes) { mistyped = bytes; })
                  .ok());
  mallory.send_envelope(mistyped);
  // Then a good one, on the same connection: it arrives.
  absl::StatusOr<std::string> payload = encode(std::string("still here"));
  ASSERT_TRUE(payload.ok());
  mallory.send_envelope(encode_envelope(Envelope{.to = WirePid{(*main)->id(), me.pid().serial},
                                                 .from = WirePid{kMalloryId, 7},
                                                 .kind = EnvelopeKind::kUser,
                                                 .correlation_id = 0,
                                                 .type_id = wire_type_id("string"),
                                                 .to_name = {},
                                                 .payload = *payload}));
  std::string arrived;
  Pid sender;
  ASSERT_TRUE(me->receive(
                    [&](const std::string& text) {
                      arrived = text;
                      sender = me->sender();
                    },
                    after(kWait, [] {}))
                  .ok());
  EXPECT_EQ(arrived, "still here");
  EXPECT_EQ(sender, (Pid{kMalloryId, 7}));
  EXPECT_EQ((*main)->counters().rejected.load(), 4u);
  EXPECT_EQ((*main)->counters().decode_errors.load(), 4u);
  {
    const std::vector<std::string> lines = warnings.lines();
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_NE(lines[0].find("dropped what the transport received: a message that is not a "
                            "native frame"),
              std::string::npos)
        << lines[0];
    EXPECT_NE(lines[1].find("dropped an envelope from node"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("no type is registered under wire type id 1234"), std::string::npos)
        << lines[2];
    EXPECT_NE(lines[3].find("is not the node the envelope came from"), std::string::npos)
        << lines[3];
    EXPECT_NE(lines[4].find("value: expected text, got int64"), std::string::npos) << lines[4];
  }

  // A second later the next rejection is logged again, with the count of those left unlogged.
  absl::SleepFor(absl::Milliseconds(1100));
  mallory.send_raw(transport::native_message(transport::NativeKind::kHeartbeat, 0xdead, {}));
  for (int i = 0; i < 500 && (*main)->counters().rejected.load() < 5; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ((*main)->counters().rejected.load(), 5u);
  {
    const std::vector<std::string> lines = warnings.lines();
    ASSERT_EQ(lines.size(), 6u);
    // Mallory's connection speaks for mallory: another id on it is refused before membership is
    // even asked.
    EXPECT_NE(lines[5].find(absl::StrCat("speaks for node ", kMalloryId,
                                         ", not for node 57005 (3 "
                                         "more since the last such line)")),
              std::string::npos)
        << lines[5];
  }

  // The other node was never disturbed.
  absl::StatusOr<std::string> name =
      (*main)->rpc_blocking_call<std::string>("beta", "missing", int64_t{0}, kWait);
  EXPECT_TRUE(absl::IsNotFound(name.status())) << name.status();
}

TEST(NativeBadInput, ANodeThatCouldNotReadAMessageTellsItsSenderWhichSendsThatTypeNoMore) {
  const std::string listen = "ipc:///tmp/bossa-bad-input-unread-" + std::to_string(::getpid());
  absl::StatusOr<std::unique_ptr<Node>> main = Node::create(native_config("main", listen));
  ASSERT_TRUE(main.ok()) << main.status();
  Warnings warnings(**main);
  std::mutex mutex;
  std::vector<std::string> dead;
  (*main)->runtime().set_dead_letter_handler([&](const DeadLetter& letter) {
    std::lock_guard<std::mutex> lock(mutex);
    dead.push_back(letter.reason);
  });
  ASSERT_TRUE((*main)->start().ok());
  RawPeer mallory(listen);
  mallory.hello();
  ASSERT_TRUE((*main)->await_nodes({"mallory"}, kWait));
  ScopedActor me((*main)->runtime());

  // Mallory says it could not read a string me sent it (as a node of another program would).
  mallory.send_envelope(encode_envelope(
      Envelope{.to = WirePid{(*main)->id(), 0},
               .from = WirePid{kMalloryId, 0},
               .kind = EnvelopeKind::kSystem,
               .correlation_id = 0,
               .type_id = 0,
               .to_name = {},
               .payload = TypeTables::unread_message(wire_type_id("string"), Pid{kMalloryId, 7},
                                                     me.pid(), "no type is registered under it")}));
  ASSERT_TRUE(warnings.await("was dropped: node 'mallory' cannot read C++ type std::"));
  {
    std::lock_guard<std::mutex> lock(mutex);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_NE(dead[0].find("(registered here as 'string'): no type is registered under it"), npos)
        << dead[0];
  }
  // From then on, a string to mallory fails where it is sent.
  const absl::Status sent = me->send(Pid{kMalloryId, 7}, std::string("again")).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(sent)) << sent;
  EXPECT_NE(sent.message().find("node 'mallory' cannot read"), npos) << sent;
  (*main)->runtime().set_dead_letter_handler(nullptr);
}

TEST(NativeBadInput, AConnectionClosedForBadInputIsLoggedByTheNode) {
  absl::StatusOr<std::unique_ptr<Node>> main =
      Node::create(native_config("main", "tcp://127.0.0.1:*"));
  ASSERT_TRUE(main.ok()) << main.status();
  Warnings warnings(**main);
  ASSERT_TRUE((*main)->start().ok());
  {
    socket::testing::RawClient raw((*main)->endpoint());
    raw.write("GET / HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(raw.closed_by_server());
  }
  EXPECT_TRUE(warnings.await("closing connection"));
  EXPECT_EQ((*main)->connection_stats().closed_bad_input, 1u);
}

TEST(NativeLimits, AnEnvelopeOverMaxMessageSizeIsRefusedToItsSenderAndTheLinkGoesOn) {
  NodeConfig main_config = native_config("main", "tcp://127.0.0.1:*");
  main_config.transport.max_message_size = 1 << 20;
  absl::StatusOr<std::unique_ptr<Node>> main = Node::create(main_config);
  ASSERT_TRUE(main.ok()) << main.status();
  (*main)->log().set_level(LogLevel::kError);
  ASSERT_TRUE((*main)->start().ok());
  NodeConfig beta_config = native_config("beta", "tcp://127.0.0.1:*", {(*main)->endpoint()});
  beta_config.transport.max_message_size = 1 << 20;
  absl::StatusOr<std::unique_ptr<Node>> beta = Node::create(beta_config);
  ASSERT_TRUE(beta.ok()) << beta.status();
  (*beta)->log().set_level(LogLevel::kError);
  ASSERT_TRUE((*beta)->start().ok());
  ASSERT_TRUE((*main)->await_nodes({"beta"}, kWait));
  ScopedActor me((*main)->runtime());
  ScopedActor sender((*beta)->runtime());

  const SendResult refused = sender->send(me.pid(), std::string(2 << 20, 'x'));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_NE(refused.status().message().find("transport.max_message_size (1048576)"), npos)
      << refused.status();
  ASSERT_TRUE(sender->send(me.pid(), std::string("small")).ok());
  std::string arrived;
  ASSERT_TRUE(
      me->receive([&](const std::string& text) { arrived = text; }, after(kWait, [] {})).ok());
  EXPECT_EQ(arrived, "small");
  EXPECT_EQ((*main)->connection_stats().closed_bad_input, 0u);
}

TEST(NativeBadInput, ASecondConnectionCannotSpeakForAMember) {
  const std::string listen = "ipc:///tmp/bossa-spoof-main-" + std::to_string(::getpid());
  absl::StatusOr<std::unique_ptr<Node>> main = Node::create(native_config("main", listen));
  ASSERT_TRUE(main.ok()) << main.status();
  (*main)->log().set_level(LogLevel::kError);
  ASSERT_TRUE((*main)->start().ok());
  absl::StatusOr<std::unique_ptr<Node>> beta = Node::create(
      native_config("beta", "ipc:///tmp/bossa-spoof-beta-" + std::to_string(::getpid()), {listen}));
  ASSERT_TRUE(beta.ok());
  (*beta)->log().set_level(LogLevel::kError);
  ASSERT_TRUE((*beta)->start().ok());
  ASSERT_TRUE((*main)->await_nodes({"beta"}, kWait));
  ScopedActor me((*main)->runtime());
  const uint64_t rejected_before = (*main)->counters().rejected.load();

  // Mallory opens a connection of its own and speaks as beta: a Hello, heartbeats, a Bye, and a
  // message for `me` from one of beta's pids. Her frames wait while beta's own connections speak
  // (sender_binding.h), then go as one rejection of four frames.
  RawPeer mallory(listen, (*beta)->id());
  mallory.hello();
  mallory.send(transport::NativeKind::kHeartbeat, {});
  absl::StatusOr<std::string> payload = encode(std::string("from mallory"));
  ASSERT_TRUE(payload.ok());
  mallory.send_envelope(encode_envelope(Envelope{.to = WirePid{(*main)->id(), me.pid().serial},
                                                 .from = WirePid{(*beta)->id(), 7},
                                                 .kind = EnvelopeKind::kUser,
                                                 .correlation_id = 0,
                                                 .type_id = wire_type_id("string"),
                                                 .to_name = {},
                                                 .payload = *payload}));
  mallory.send(transport::NativeKind::kBye, {});
  // Her frames wait up to 4 x node_down_after (2 s by default), then go.
  for (const absl::Time deadline = absl::Now() + absl::Seconds(8) + kWait;
       (*main)->counters().rejected.load() == rejected_before && absl::Now() < deadline;) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ((*main)->counters().rejected.load(), rejected_before + 1);

  // None of it reached an actor or membership: beta is still up, and what beta itself sends
  // arrives (the only message `me` gets).
  bool beta_up = false;
  for (const transport::NodeIdentity& node : (*main)->nodes()) beta_up |= node.name == "beta";
  EXPECT_TRUE(beta_up);
  ScopedActor beta_actor((*beta)->runtime());
  beta_actor->send(me.pid(), std::string("from beta"));
  std::string arrived;
  ASSERT_TRUE(
      me->receive([&](const std::string& text) { arrived = text; }, after(kWait, [] {})).ok());
  EXPECT_EQ(arrived, "from beta");
  std::string second;
  (void)me->receive([&](const std::string& text) { second = text; },
                    after(absl::Milliseconds(300), [] {}));
  EXPECT_EQ(second, "") << "a second message arrived";
}

}  // namespace
}  // namespace bossa
