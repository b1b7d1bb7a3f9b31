// Authorization with real node processes: main puts the key of its peer "observer" in a group
// that may only send, request and register its own echo's global name. Then what the observer
// asks beyond that (an rpc, a remote spawn, an exit signal, a link, another global name) is
// refused: an error reply where the observer waits for one, a log line and a count on main, and
// nothing changed; what it may do still works. A peer in no group may do everything: the
// conformance suite's native cluster is such.
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/test_cluster.h"

namespace bossa::cluster_test {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

Grant allow(Action action, std::vector<std::string> names = {}) {
  return Grant{.action = action, .names = std::move(names)};
}

class Authorization : public ::testing::Test {
 protected:
  Authorization()
      : cluster_(Backend::kNative, AmqpOptions(),
                 MainOptions{.restricted_peers = {{"observer",
                                                   {allow(Action::kSend), allow(Action::kRequest),
                                                    allow(Action::kNames, {"echo@observer"})}}},
                             .log_sink = [this](LogLevel, std::string_view line) {
                               std::lock_guard<std::mutex> lock(mutex_);
                               lines_.emplace_back(line);
                             }}) {
    cluster_.start_peer("observer");
  }

  Node& main() { return cluster_.main(); }

  // What the observer answers when told to do `command` (test_services.h, "act").
  std::string observer_does(const std::string& command) {
    absl::StatusOr<std::string> done =
        main().rpc_blocking_call<std::string>("observer", "act", command, kWait);
    EXPECT_TRUE(done.ok()) << done.status();
    return done.value_or("");
  }

  uint64_t unauthorized() { return cluster_.main().counters().unauthorized.load(); }

  bool logged(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  // Declared before the cluster, whose main logs into them until it stops.
  std::mutex mutex_;
  std::vector<std::string> lines_;
  TestCluster cluster_;
};

TEST_F(Authorization, APeerAllowedToSendAndRequestDoesBoth) {
  ScopedActor inbox(main().runtime());
  ASSERT_TRUE(main().register_global("inbox", inbox->pid()).ok());
  ASSERT_TRUE(eventually([&] { return observer_does("send inbox hello") == "ok"; }));
  absl::StatusOr<std::string> sent = inbox->receive_for<std::string>(kWait);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, "hello");
  EXPECT_EQ(observer_does("request echo@main ping"), "ping");
  // Its own echo's name, which its group allows, is registered on main too.
  EXPECT_TRUE(main().whereis_global("echo@observer").has_value());
  EXPECT_EQ(unauthorized(), 0u);
}

TEST_F(Authorization, AnRpcIsRefusedWithAnErrorReplyNamingTheAction) {
  const std::string answer = observer_does("rpc main remember");
  EXPECT_NE(answer.find("not authorized: rpc remember"), std::string::npos) << answer;
  EXPECT_EQ(unauthorized(), 1u);
  EXPECT_TRUE(logged("refused what node 'observer'"));
  EXPECT_TRUE(logged("not authorized: rpc remember"));
  // Main itself may still call it.
  EXPECT_TRUE(main().rpc_blocking_call<int64_t>("main", "remember", std::string("x")).ok());
}

TEST_F(Authorization, ARemoteSpawnIsRefusedWithAnError) {
  const size_t actors = main().runtime().actor_count();
  const std::string answer = observer_does("spawn main echo");
  EXPECT_NE(answer.find("not authorized: spawn echo"), std::string::npos) << answer;
  EXPECT_EQ(unauthorized(), 1u);
  EXPECT_TRUE(logged("not authorized: spawn echo"));
  EXPECT_EQ(main().runtime().actor_count(), actors);
}

TEST_F(Authorization, AnExitSignalDoesNotKillTheActor) {
  const std::optional<Pid> echo = main().whereis_global("echo@main");
  ASSERT_TRUE(echo.has_value());
  ScopedActor me(main().runtime());
  const MonitorRef watch = me->monitor(*echo);
  EXPECT_EQ(observer_does("kill echo@main"), "ok");
  ASSERT_TRUE(eventually([&] { return unauthorized() == 1; }));
  EXPECT_TRUE(eventually([&] { return logged("not authorized: exit"); }));
  // An untrappable kill would have stopped it ahead of this request.
  absl::StatusOr<std::string> answered = me->request<std::string>(*echo, kWait, std::string("up"));
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(*answered, "up");
  EXPECT_EQ(observer_does("request echo@main still"), "still");
  me->demonitor(watch);
  EXPECT_FALSE(me->receive_for<DownMsg>(absl::ZeroDuration()).ok());
}

TEST_F(Authorization, ALinkIsRefusedWithALinkExitSayingWhy) {
  const std::string answer = observer_does("link echo@main");
  EXPECT_NE(answer.find("exit: "), std::string::npos) << answer;
  EXPECT_NE(answer.find("not authorized: exit"), std::string::npos) << answer;
  EXPECT_EQ(unauthorized(), 1u);
  EXPECT_TRUE(logged("not authorized: exit"));
}

TEST_F(Authorization, AGlobalNameRegistrationIsRefused) {
  // Refused by main as the name's home (the claim fails), or as a node the commit reaches.
  absl::StatusOr<std::string> claimed =
      main().rpc_blocking_call<std::string>("observer", "claim", std::string("extra"), kWait);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_TRUE(*claimed == "ok" || claimed->find("not authorized: names") != std::string::npos)
      << *claimed;
  ASSERT_TRUE(eventually([&] { return unauthorized() == 1; }));
  EXPECT_TRUE(eventually([&] { return logged("not authorized: names extra"); }));
  EXPECT_FALSE(main().whereis_global("extra").has_value());
}

}  // namespace
}  // namespace bossa::cluster_test
