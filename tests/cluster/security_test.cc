// The native transport's security, with real node processes: a node whose key the cluster does not
// trust is refused at the handshake, and a trusted key cannot speak for another node; each refusal
// is counted and logged, and changes nothing.
#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "runtime/threaded_actor.h"
#include "tests/support/test_cluster.h"
#include "transport/native/native_wire.h"
#include "transport/native/swim_wire.h"
#include "transport/node_keys.h"
#include "transport/socket/core/monitor.h"
#include "transport/socket/core/socket.h"

namespace bossa::cluster_test {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

class Security : public ::testing::Test {
 protected:
  Security() {
    main().log().set_sink([this](LogLevel, std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~Security() override { main().log().set_sink(nullptr); }

  Node& main() { return cluster_.main(); }

  bool logged(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  bool is_member(const std::string& name) {
    for (const transport::NodeIdentity& node : main().nodes()) {
      if (node.name == name) return true;
    }
    return false;
  }

  TestCluster cluster_{Backend::kNative};
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST_F(Security, ANodeWhoseKeyTheClusterDoesNotTrustIsRefusedAtTheHandshake) {
  // A key pair of its own, outside the directory the cluster trusts.
  char pattern[] = "/tmp/bossa-untrusted-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  const transport::NodeKeyPair keys = transport::generate_node_key_pair();
  NodeConfig config = cluster_.config_for("mallory");
  config.transport.key_file = dir + "/mallory.key";
  ASSERT_TRUE(transport::write_node_key_files(config.transport.key_file, keys).ok());
  config.transport.public_key = keys.public_key;
  config.transport.secret_key = keys.secret_key;
  const uint64_t refused_before = main().connection_stats().refused_keys;

  std::unique_ptr<ChildProcess> mallory = cluster_.launch(config);
  ASSERT_NE(mallory, nullptr);
  EXPECT_TRUE(eventually([&] { return logged("unknown CURVE key"); }));
  EXPECT_GT(main().connection_stats().refused_keys, refused_before);
  // It keeps knocking, and stays out.
  EXPECT_TRUE(
      eventually([&] { return main().connection_stats().refused_keys >= refused_before + 3; }));
  EXPECT_FALSE(is_member("mallory"));
  EXPECT_TRUE(main().nodes().empty());
  std::filesystem::remove_all(dir);
}

TEST_F(Security, ATrustedKeyCannotSpeakForAnotherNode) {
  cluster_.start_peer("beta");
  uint32_t beta = 0;
  for (const transport::NodeIdentity& node : main().nodes()) {
    if (node.name == "beta") beta = node.id;
  }
  ASSERT_NE(beta, 0u);

  // A process holding a key the cluster trusts, speaking on its own connection.
  const transport::NodeKeyPair keys = transport::generate_node_key_pair();
  ASSERT_TRUE(
      transport::write_node_key_files(cluster_.keys_directory() + "/mallory.key", keys).ok());
  const std::optional<transport::Seed> main_seed = transport::parse_seed(cluster_.main_seed());
  ASSERT_TRUE(main_seed.has_value());
  socket::Context context(1);
  socket::Socket push(context, socket::SocketType::kPush);
  absl::Notification handshaken;
  std::atomic<bool> notified{false};
  push.set_monitor_callback(
      [&](const socket::MonitorEvent& event) {
        if (event.event == socket::kEventHandshakeSucceeded && !notified.exchange(true)) {
          handshaken.Notify();
        }
      },
      socket::kEventHandshakeSucceeded);
  ASSERT_TRUE(push.set(socket::Option::kCurveServerkey, main_seed->key).ok());
  ASSERT_TRUE(push.set(socket::Option::kCurvePublickey, keys.public_key).ok());
  ASSERT_TRUE(push.set(socket::Option::kCurveSecretkey, keys.secret_key).ok());
  ASSERT_TRUE(push.set(socket::Option::kReconnectIvl, 100).ok());
  ASSERT_TRUE(push.connect(main_seed->endpoint).ok());
  // Main reads the trusted directory again within a second of the new key.
  ASSERT_TRUE(handshaken.WaitForNotificationWithTimeout(kWait));

  const uint64_t rejected_before = main().counters().rejected.load();
  // Beta's id in a membership message, with the key this connection really holds...
  transport::SwimMessage claim;
  claim.kind = transport::SwimKind::kGossip;
  claim.sender = transport::make_swim_node(beta, "beta", "tcp://127.0.0.1:1", keys.public_key);
  ASSERT_TRUE(push.send(transport::native_message(transport::NativeKind::kSwim, beta,
                                                  transport::encode_swim(claim)))
                  .ok());
  // ...and as the sender of a control envelope.
  ASSERT_TRUE(push.send(transport::native_message(transport::NativeKind::kControlEnvelope, beta,
                                                  std::string("forged")))
                  .ok());
  EXPECT_TRUE(eventually([&] { return main().counters().rejected.load() >= rejected_before + 2; }))
      << "rejected: " << main().counters().rejected.load() - rejected_before;
  EXPECT_TRUE(logged("whose key is not the node's"));
  EXPECT_EQ(main().counters().forged_senders.load(), 2u);

  // Beta is still beta: up, and answering.
  EXPECT_TRUE(is_member("beta"));
  absl::StatusOr<int64_t> holder =
      main().rpc_blocking_call<int64_t>("beta", "whereis", std::string("echo@beta"), kWait);
  ASSERT_TRUE(holder.ok()) << holder.status();
  EXPECT_EQ(*holder, beta);
  push.close();
}

// Requests to the echo of node `target` from main, one after the other, until stopped: each must
// be answered.
class EchoTraffic {
 public:
  EchoTraffic(Node& main, const std::string& target)
      : thread_([this, &main, target] {
          ScopedActor me(main.runtime());
          const std::optional<Pid> echo = main.whereis_global("echo@" + target);
          if (!echo) {
            failures_.push_back("no echo@" + target);
            return;
          }
          for (int64_t n = 0; !stop_.load(); ++n) {
            const std::string sent = absl::StrCat(n);
            absl::StatusOr<std::string> back = me->request<std::string>(*echo, kWait, sent);
            if (!back.ok() || *back != sent) {
              failures_.push_back(absl::StrCat(
                  "request ", n, ": ", back.ok() ? "another answer" : back.status().ToString()));
              return;
            }
            answered_.fetch_add(1);
          }
        }) {}

  // Stops, and says what failed (nothing, if every request was answered).
  std::vector<std::string> stop() {
    stop_.store(true);
    thread_.join();
    return failures_;
  }
  int64_t answered() const { return answered_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> answered_{0};
  std::vector<std::string> failures_;  // the thread's until it ends
  std::thread thread_;
};

TEST_F(Security, KeysRotateOneNodeAtATimeAndNoMessageIsLost) {
  cluster_.start_peer("beta");
  cluster_.start_peer("gamma");
  for (const auto& [rotated, other] :
       {std::pair<std::string, std::string>{"beta", "gamma"}, {"gamma", "beta"}}) {
    SCOPED_TRACE(rotated);
    EchoTraffic traffic(main(), other);
    const std::string old_key_file = cluster_.peer_key_file(rotated);
    // A new key pair, trusted beside the old one (start_peer's), and the node back with it.
    cluster_.stop_peer(rotated);
    cluster_.start_peer(rotated);
    ASSERT_NE(cluster_.peer_key_file(rotated), old_key_file);
    // The old key is trusted no more.
    ASSERT_TRUE(std::filesystem::remove(old_key_file + ".pub"));
    NodeConfig impostor = cluster_.config_for(rotated + "-old");
    const absl::StatusOr<transport::NodeKeyPair> old_keys =
        transport::read_node_key_pair(old_key_file);
    ASSERT_TRUE(old_keys.ok()) << old_keys.status();
    impostor.transport.key_file = old_key_file;
    impostor.transport.public_key = old_keys->public_key;
    impostor.transport.secret_key = old_keys->secret_key;
    // Main reads its trusted directory again within a second: a node that came with the old key
    // before that may have been let in, and another knocks (under a name of its own, as the one
    // let in stays a member until its silence is noticed).
    bool refused = false;
    const absl::Time deadline = absl::Now() + kWait;
    for (int attempt = 0; !refused && absl::Now() < deadline; ++attempt) {
      impostor.name = absl::StrCat(rotated, "-old-", attempt);
      const uint64_t closed_before = main().connection_stats().closed_bad_input;
      std::unique_ptr<ChildProcess> knocking = cluster_.launch(impostor);
      ASSERT_NE(knocking, nullptr);
      ASSERT_TRUE(eventually([&] {
        return main().connection_stats().closed_bad_input > closed_before ||
               is_member(impostor.name);
      }));
      refused = !is_member(impostor.name);
    }
    EXPECT_TRUE(refused);

    EXPECT_GT(traffic.answered(), 0);
    EXPECT_EQ(traffic.stop(), std::vector<std::string>{});
    // The rotated node answers under its new key.
    ScopedActor me(main().runtime());
    const std::optional<Pid> echo = main().whereis_global("echo@" + rotated);
    ASSERT_TRUE(echo.has_value());
    EXPECT_EQ(me->request<std::string>(*echo, kWait, std::string("new key")).value_or(""),
              "new key");
  }
}

}  // namespace
}  // namespace bossa::cluster_test
