// A running bossa-node under attack from its network: every kind of bad input a peer can send,
// thrown at one node process over real tcp connections, with security "curve" (the default: what
// comes before the CURVE handshake) and "none" (what comes after the NULL one). Afterwards the
// node still serves, a legitimate node still joins, nothing reached an actor, and the node's
// memory barely moved.
#include <signal.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster/node.h"
#include "serialization/codec.h"
#include "serialization/envelope.h"
#include "tests/support/child_process.h"
#include "tests/support/process_memory.h"
#include "transport/envelope_batch.h"
#include "transport/native/native_wire.h"
#include "transport/node_keys.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/raw_client.h"
#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"

namespace bossa {
namespace {

using socket::testing::greeting;
using socket::testing::handshake;
using socket::testing::RawClient;

constexpr absl::Duration kWait = absl::Seconds(15);

// The resident memory of process `pid`, in octets.
std::uint64_t memory_of(pid_t pid) {
  absl::StatusOr<std::uint64_t> octets = resident_memory(pid);
  EXPECT_TRUE(octets.ok()) << octets.status();
  return octets.value_or(0);
}

std::string long_header(std::uint64_t size) {
  std::string out(zmtp::kLongHeaderSize, '\0');
  zmtp::write_frame_header(reinterpret_cast<std::uint8_t*>(out.data()), size, 0);
  return out;
}

class HostileInputTest : public ::testing::TestWithParam<transport::Security> {
 protected:
  bool secure() const { return GetParam() == transport::Security::kCurve; }

  // A member of the target's cluster: with security, it shares the target's key pair.
  NodeConfig member_config(const std::string& name) {
    NodeConfig config;
    config.name = name;
    config.workers = 2;
    config.source = name;
    config.transport.kind = transport::TransportKind::kNative;
    config.transport.listen = "tcp://127.0.0.1:*";
    config.transport.seeds = {endpoint_};
    config.transport.security = GetParam();
    if (secure()) {
      config.transport.key_file = key_file();
      config.transport.public_key = keys_.public_key;
      config.transport.secret_key = keys_.secret_key;
    }
    return config;
  }

  std::string key_file() const { return dir_ + "/cluster.key"; }

  void SetUp() override {
    char pattern[] = "/tmp/bossa-hostile-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    const std::string config = dir_ + "/target.toml";
    // A handshake timeout longer than the test, so that the half-open connections below hold
    // their places however slowly a loaded machine accepts them.
    std::ofstream out(config);
    out << "[node]\nname = \"target\"\nworkers = 2\n[transport]\n"
        << "kind = \"native\"\nlisten = \"tcp://127.0.0.1:*\"\n"
        << "handshake_timeout = \"120s\"\n";
    if (secure()) {
      keys_ = transport::generate_node_key_pair();
      ASSERT_TRUE(transport::write_node_key_files(key_file(), keys_).ok());
      out << "key_file = \"cluster.key\"\n";
    } else {
      out << "security = \"none\"\n";
    }
    out.close();
    // The memory bound is the node's, not that of AddressSanitizer's quarantine of freed blocks.
    child_processes_without_sanitizer_quarantine();
    absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::start(
        BOSSA_NODE_PROGRAM, {"--config", config, "--log_level=error"}, {.capture_stdout = true});
    ASSERT_TRUE(child.ok()) << child.status();
    target_ = *std::move(child);
    absl::StatusOr<std::string> up =
        target_->await_line(ChildProcess::kStdout, " is up at ", kWait);
    ASSERT_TRUE(up.ok()) << up.status();
    std::smatch match;
    ASSERT_TRUE(std::regex_search(*up, match, std::regex("tcp://127\\.0\\.0\\.1:[0-9]+")));
    endpoint_ = match.str();
  }

  void TearDown() override {
    if (target_ != nullptr) {
      target_->signal(SIGTERM);
      absl::StatusOr<int> code = target_->wait(kWait);
      EXPECT_TRUE(code.ok() && *code == 0) << code.status() << " " << code.value_or(-1);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Writes `bytes` on a fresh connection and waits until the node closes it.
  void expect_closed(const std::string& bytes, const std::string& what) {
    RawClient raw(endpoint_);
    raw.write(bytes);
    EXPECT_TRUE(raw.closed_by_server()) << what;
  }

  // The target's status, asked by rpc from `asker`.
  std::string status_of_target(Node& asker) {
    absl::StatusOr<std::string> status =
        asker.rpc_blocking_call<std::string>("target", "bossa.status", int64_t{0}, kWait);
    EXPECT_TRUE(status.ok()) << status.status();
    return status.value_or("");
  }

  std::string dir_;
  transport::NodeKeyPair keys_;  // with security: every node's
  std::unique_ptr<ChildProcess> target_;
  std::string endpoint_;
};

TEST_P(HostileInputTest, ANodeSurvivesEveryKindOfBadInputAndStillServes) {
  // A legitimate member first, so that there is an id to spoof.
  absl::StatusOr<std::unique_ptr<Node>> member = Node::create(member_config("member"));
  ASSERT_TRUE(member.ok()) << member.status();
  (*member)->log().set_level(LogLevel::kError);
  ASSERT_TRUE((*member)->start().ok());
  ASSERT_TRUE((*member)->await_nodes({"target"}, kWait));
  ASSERT_FALSE(status_of_target(**member).empty());
  const std::uint64_t rss_before = memory_of(target_->pid());

  // Random bytes, 200 connections of 1 KiB each.
  std::mt19937_64 random(20261207);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(1024, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    if (bytes[0] == '\xff') bytes[0] = 'x';  // not by chance the start of a greeting
    expect_closed(bytes, "random bytes");
  }
  // Greetings: truncated, with a wrong signature, an old version, unknown and unsupported
  // mechanisms.
  {
    RawClient truncated(endpoint_);
    truncated.write(greeting().substr(0, 20));
    truncated.finish_writing();
    EXPECT_TRUE(truncated.closed_by_server());
  }
  std::string wrong_signature = greeting();
  wrong_signature[9] = '\x00';
  expect_closed(wrong_signature, "a wrong signature");
  std::string version_two = greeting();
  version_two[10] = '\x02';
  expect_closed(version_two + std::string(100, 'x'), "ZMTP 2");
  expect_closed(greeting("FOO"), "an unknown mechanism");
  expect_closed(greeting(secure() ? "PLAIN" : "CURVE"), "a mechanism the node does not run");
  // Frames: reserved flag bits, a command with MORE, data before the handshake. With security
  // the NULL greeting before them is refused already.
  expect_closed(handshake() + std::string("\x20\x01x", 3), "reserved flags");
  expect_closed(handshake() + std::string("\x05\x05\x04PING", 7), "a command with MORE");
  {
    std::string early = greeting();
    zmtp::append_frame(early, "early", false);
    expect_closed(early, "data before the handshake");
  }
  // Huge announced frames, each followed by a few octets of its body.
  for (const int bits : {31, 40, 62}) {
    expect_closed(handshake() + long_header(std::uint64_t{1} << bits) + "0123456789",
                  absl::StrCat("a frame of 2^", bits, " octets"));
  }
  // Commands of bad sizes: a PING too short for its TTL, a READY whose metadata overruns it, a
  // command announcing more than a command may hold.
  {
    std::string ping = handshake();
    zmtp::append_command(ping, "PING", std::string(1, '\0'));
    expect_closed(ping, "a short PING");
    std::string ready = greeting();
    zmtp::append_command(ready, "READY", std::string("\x0bSocket-Type\x00\x00\x00\x09PUSH", 20));
    expect_closed(ready, "an overrunning READY");
    std::string command = handshake();
    command += std::string("\x06\x00\x00\x00\x00\x00\x10\x00\x00", 9);  // 1 MiB command
    expect_closed(command, "an oversized command");
  }
  // Spoofed member ids: a bossa PUSH of its own speaking as the member. Without security its three
  // frames wait while the member's own connections speak (sender_binding.h), then go as one
  // rejection; with security, it holds no trusted key and its connection is refused.
  {
    socket::Context context(1);
    socket::Socket spoofer(context, socket::SocketType::kPush);
    ASSERT_TRUE(spoofer.connect(endpoint_).ok());
    const uint32_t member_id = (*member)->id();
    ASSERT_TRUE(
        spoofer.send(transport::native_message(transport::NativeKind::kHeartbeat, member_id, {}))
            .ok());
    std::string batch;
    transport::append_to_batch(batch, "not even an envelope");
    ASSERT_TRUE(spoofer
                    .send(transport::native_message(transport::NativeKind::kData, member_id,
                                                    std::move(batch)))
                    .ok());
    ASSERT_TRUE(
        spoofer.send(transport::native_message(transport::NativeKind::kBye, member_id, {})).ok());
    ASSERT_TRUE(spoofer.set(socket::Option::kLinger, 2000).ok());
    spoofer.close();
  }
  // 500 half-open connections: connected, silent.
  {
    std::vector<std::unique_ptr<RawClient>> half_open;
    for (int i = 0; i < 500; ++i) half_open.push_back(std::make_unique<RawClient>(endpoint_));
    // The node admits max_handshakes (256) of them and refuses the rest as it accepts them.
    const std::regex connections(
        "connections +([0-9]+) open \\(([0-9]+) in their handshake\\), ([0-9]+) refused");
    std::string during;
    std::smatch counts;
    const absl::Time deadline = absl::Now() + kWait;
    do {
      during = status_of_target(**member);
      ASSERT_TRUE(std::regex_search(during, counts, connections)) << during;
    } while (std::stoi(counts[3].str()) < 500 - 256 && absl::Now() < deadline);
    EXPECT_EQ(std::stoi(counts[2].str()), 256) << during;
    EXPECT_EQ(std::stoi(counts[3].str()), 500 - 256) << during;
  }

  // The node still serves its member, which it never took to be down.
  const std::string counts =
      absl::StrCat("dead letters  0 (0 bound for other nodes), decode errors 0, rejected ",
                   secure() ? 0 : 1, "\n");
  std::string after;
  for (const absl::Time deadline = absl::Now() + kWait; absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(100))) {
    after = status_of_target(**member);
    if (after.find(counts) != std::string::npos) break;
  }
  EXPECT_NE(after.find("peers         1 up: member"), std::string::npos) << after;
  EXPECT_NE(after.find(counts), std::string::npos) << after;
  // A legitimate node still joins.
  absl::StatusOr<std::unique_ptr<Node>> late = Node::create(member_config("late"));
  ASSERT_TRUE(late.ok()) << late.status();
  (*late)->log().set_level(LogLevel::kError);
  ASSERT_TRUE((*late)->start().ok());
  EXPECT_TRUE((*late)->await_nodes({"target", "member"}, kWait));
  EXPECT_FALSE(status_of_target(**late).empty());
  // And the node's memory grew by less than 50 MB through all of it.
  const std::uint64_t rss_after = memory_of(target_->pid());
  std::printf("target's resident memory: %.1f MB before the attack, %.1f MB after\n",
              rss_before / 1e6, rss_after / 1e6);
  EXPECT_LT(rss_after, rss_before + 50'000'000)
      << "resident memory " << rss_before << " -> " << rss_after;
  (*late)->stop();
  (*member)->stop();
}

INSTANTIATE_TEST_SUITE_P(Security, HostileInputTest,
                         ::testing::Values(transport::Security::kCurve, transport::Security::kNone),
                         [](const ::testing::TestParamInfo<transport::Security>& info) {
                           return std::string(transport::security_name(info.param));
                         });

}  // namespace
}  // namespace bossa
