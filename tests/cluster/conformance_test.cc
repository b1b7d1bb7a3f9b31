// The cluster conformance suite: one set of behaviours every transport backend must show, run
// against each (local in-process, native over tcp with real node processes).
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "runtime/behaviours/call.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_services.h"

namespace bossa::cluster_test {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

class ClusterConformance : public ::testing::TestWithParam<Backend> {
 protected:
  ClusterConformance() : cluster_(GetParam()) {}

  Node& main() { return cluster_.main(); }
  Pid spawn_on(const std::string& node, const std::string& factory) {
    absl::StatusOr<Pid> pid = main().spawn_remote(node, factory, int64_t{0});
    EXPECT_TRUE(pid.ok()) << pid.status();
    return pid.value_or(Pid{});
  }

  TestCluster cluster_;
};

TEST_P(ClusterConformance, SendsToARemotePidAndGetsTheAnswerBack) {
  cluster_.start_peer("alpha");
  const Pid echo = spawn_on("alpha", "echo");
  ASSERT_NE(echo.node, main().id());
  ScopedActor me(main().runtime());
  ASSERT_TRUE(me->send(echo, std::string("hello")).ok());
  absl::StatusOr<std::string> back = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "hello");
}

TEST_P(ClusterConformance, SendsToAGlobalName) {
  cluster_.start_peer("alpha");
  ScopedActor me(main().runtime());
  ASSERT_TRUE(main().send_global("echo@alpha", std::string("by name"), me.pid()).ok());
  absl::StatusOr<std::string> back = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "by name");
  EXPECT_EQ(main().whereis_global("echo@alpha")->node, *main().resolve_node("alpha"));
  EXPECT_TRUE(absl::IsNotFound(main().send_global("nobody", std::string("x"))));
  // A node that joins later learns the names registered before it came.
  absl::StatusOr<int64_t> seen =
      main().rpc_blocking_call<int64_t>("alpha", "whereis", std::string("echo@main"));
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(*seen, main().id());
}

TEST_P(ClusterConformance, ABossaMessageOfMapsVariantsPidsAndDurationsCrossesNodes) {
  cluster_.start_peer("alpha");
  Rich rich;
  rich.counts = {{"tea", 3}, {"cake", -1}};
  rich.tag = std::string("x");
  rich.after = std::chrono::milliseconds(1500);
  rich.mood = Mood::kBusy;
  rich.pair = {7, 65535};
  rich.seen = {Pid{main().id(), 9}, Pid{}};
  absl::StatusOr<Rich> back = main().rpc_blocking_call<Rich>("alpha", "rich_echo", rich);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->from, Node::service_pid(*main().resolve_node("alpha")));
  back->from.reset();
  EXPECT_EQ(*back, rich);
}

TEST_P(ClusterConformance, RequestsAGlobalName) {
  cluster_.start_peer("alpha");
  absl::StatusOr<std::string> back =
      main().request_global<std::string>("echo@alpha", kWait, std::string("by name"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "by name");
  EXPECT_TRUE(absl::IsNotFound(
      main().request_global<std::string>("nobody", kWait, std::string("x")).status()));
}

TEST_P(ClusterConformance, AwaitsAGlobalNameAnotherNodeRegistersLater) {
  cluster_.start_peer("alpha");
  EXPECT_TRUE(
      absl::IsDeadlineExceeded(main().await_global("later", absl::Milliseconds(50)).status()));
  std::future<absl::StatusOr<Pid>> awaited =
      std::async(std::launch::async, [&] { return main().await_global("later", kWait); });
  absl::StatusOr<std::string> claimed =
      main().rpc_blocking_call<std::string>("alpha", "claim", std::string("later"));
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(*claimed, "ok");
  absl::StatusOr<Pid> pid = awaited.get();
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(pid->node, *main().resolve_node("alpha"));
}

TEST_P(ClusterConformance, AMonitoredGlobalNameSendsDownWhenItsHolderStopsOrItsNodeDies) {
  cluster_.start_peer("alpha");
  ScopedActor me(main().runtime());
  absl::StatusOr<MonitorRef> nobody = main().monitor_global(me.pid(), "nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  absl::StatusOr<GlobalNameDown> down = me->receive_for<GlobalNameDown>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->ref, *nobody);
  EXPECT_FALSE(down->pid.valid());

  // The holder stops: the name is released on alpha, then here.
  ASSERT_EQ(main().rpc_blocking_call<std::string>("alpha", "claim", std::string("watched")).value(),
            "ok");
  absl::StatusOr<Pid> holder = main().await_global("watched", kWait);
  ASSERT_TRUE(holder.ok()) << holder.status();
  absl::StatusOr<MonitorRef> ref = main().monitor_global(me.pid(), "watched");
  ASSERT_TRUE(ref.ok()) << ref.status();
  ASSERT_EQ(
      main().rpc_blocking_call<std::string>("alpha", "act", std::string("kill watched")).value(),
      "ok");
  down = me->receive_for<GlobalNameDown>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->ref, *ref);
  EXPECT_EQ(down->name, "watched");
  EXPECT_EQ(down->pid, *holder);
  EXPECT_FALSE(down->now.valid());
  EXPECT_FALSE(main().whereis_global("watched").has_value());

  // The holder's node dies: its names go with it.
  const Pid echo = *main().whereis_global("echo@alpha");
  absl::StatusOr<MonitorRef> echo_ref = main().monitor_global(me.pid(), "echo@alpha");
  ASSERT_TRUE(echo_ref.ok()) << echo_ref.status();
  EXPECT_TRUE(absl::IsInvalidArgument(main().monitor_global(echo, "echo@main").status()));
  cluster_.kill_peer("alpha");
  down = me->receive_for<GlobalNameDown>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->ref, *echo_ref);
  EXPECT_EQ(down->pid, echo);
  EXPECT_FALSE(down->now.valid());
}

TEST_P(ClusterConformance, KeepsOrderAndLosesNothingOverOneHundredThousandMessages) {
  cluster_.start_peer("alpha");
  const Pid sequence = spawn_on("alpha", "sequence");
  constexpr int64_t kMessages = 100'000;
  ScopedActor me(main().runtime());
  for (int64_t i = 0; i < kMessages; ++i) ASSERT_TRUE(me->send(sequence, i).ok());
  absl::StatusOr<int64_t> in_order = me->request<int64_t>(sequence, absl::Seconds(60), int64_t{-1});
  ASSERT_TRUE(in_order.ok()) << in_order.status();
  EXPECT_EQ(*in_order, kMessages);
}

TEST_P(ClusterConformance, CarriesOneMebibyteMessages) {
  cluster_.start_peer("alpha");
  const Pid echo = spawn_on("alpha", "echo");
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + 3);
  ScopedActor me(main().runtime());
  absl::StatusOr<std::string> back = me->request<std::string>(echo, kWait, big);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, big);
}

TEST_P(ClusterConformance, RequestsAreAnsweredOrTimeOut) {
  cluster_.start_peer("alpha");
  const Pid echo = spawn_on("alpha", "echo");
  const Pid silent = spawn_on("alpha", "silent");
  ScopedActor me(main().runtime());
  absl::StatusOr<std::string> answered = me->request<std::string>(echo, kWait, std::string("q"));
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(*answered, "q");
  absl::StatusOr<std::string> unanswered =
      me->request<std::string>(silent, absl::Milliseconds(300), std::string("q"));
  EXPECT_TRUE(absl::IsDeadlineExceeded(unanswered.status())) << unanswered.status();
  // A request to a pid that is not alive there is answered with an error, not left to time out.
  const Pid gone{echo.node, echo.serial + 1000};
  absl::StatusOr<std::string> dead = me->request<std::string>(gone, kWait, std::string("q"));
  EXPECT_TRUE(absl::IsUnavailable(dead.status())) << dead.status();
}

TEST_P(ClusterConformance, LinksCarryACrashAcrossNodes) {
  cluster_.start_peer("alpha");
  const Pid crasher = spawn_on("alpha", "crasher");
  ScopedActor me(main().runtime());
  me->trap_exit(true);
  me->link(crasher);
  // The link is in place on alpha once a request behind it has been answered (ordered per pair).
  ASSERT_TRUE(me->request<std::string>(spawn_on("alpha", "echo"), kWait, std::string("sync")).ok());
  me->send(crasher, std::string("crash"));
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->from, crasher);
  EXPECT_EQ(exit->reason.kind(), ExitReason::Kind::kError);
  EXPECT_EQ(exit->reason.detail(), "crash");

  // A link to a pid that does not exist there comes back as noproc.
  const Pid never{crasher.node, crasher.serial + 1000};
  me->link(never);
  absl::StatusOr<ExitMsg> noproc = me->receive_for<ExitMsg>(kWait);
  ASSERT_TRUE(noproc.ok()) << noproc.status();
  EXPECT_EQ(noproc->from, never);
  EXPECT_EQ(noproc->reason.kind(), ExitReason::Kind::kNoProc);
}

TEST_P(ClusterConformance, AnExitSignalComesAfterTheMessagesSentBeforeIt) {
  cluster_.start_peer("alpha");
  const Pid burst = spawn_on("alpha", "burst_then_crash");
  ScopedActor me(main().runtime());
  me->trap_exit(true);
  me->link(burst);
  ASSERT_TRUE(me->request<std::string>(spawn_on("alpha", "echo"), kWait, std::string("sync")).ok());
  constexpr int64_t kMessages = 5000;
  me->send(burst, kMessages);
  // Whatever comes first: the numbers in order, then the exit signal that followed them.
  int64_t next = 0;
  bool exited = false;
  while (!exited) {
    absl::Status got = me->receive(
        [&](int64_t value) {
          EXPECT_EQ(value, next);
          ++next;
        },
        [&](const ExitMsg& exit) {
          EXPECT_EQ(exit.from, burst);
          EXPECT_EQ(exit.reason.detail(), "burst");
          exited = true;
        },
        after(kWait, [] {}));
    ASSERT_TRUE(got.ok()) << got << " after " << next << " messages";
  }
  EXPECT_EQ(next, kMessages) << "the exit signal overtook messages";
}

TEST_P(ClusterConformance, AnExitSignalReachesAnActorOnAnotherNode) {
  cluster_.start_peer("alpha");
  const Pid echo = spawn_on("alpha", "echo");
  ScopedActor me(main().runtime());
  const MonitorRef ref = me->monitor(echo);
  ASSERT_TRUE(me->request<std::string>(echo, kWait, std::string("sync")).ok());
  me->exit(echo, ExitReason::kill());
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason.kind(), ExitReason::Kind::kKilled);
}

TEST_P(ClusterConformance, MonitorsReportAStopAndANonexistentProcess) {
  cluster_.start_peer("alpha");
  const Pid crasher = spawn_on("alpha", "crasher");
  ScopedActor me(main().runtime());
  const MonitorRef ref = me->monitor(crasher);
  ASSERT_TRUE(me->request<std::string>(spawn_on("alpha", "echo"), kWait, std::string("sync")).ok());
  me->send(crasher, std::string("crash"));
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->pid, crasher);
  EXPECT_EQ(down->reason.detail(), "crash");

  const Pid never{crasher.node, crasher.serial + 1000};
  const MonitorRef second = me->monitor(never);
  absl::StatusOr<DownMsg> noproc = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(noproc.ok()) << noproc.status();
  EXPECT_EQ(noproc->ref, second);
  EXPECT_EQ(noproc->reason.kind(), ExitReason::Kind::kNoProc);
}

TEST_P(ClusterConformance, NodeDownBreaksLinksAndMonitorsAndReleasesNames) {
  cluster_.start_peer("alpha");
  const Pid linked = spawn_on("alpha", "echo");
  const Pid watched = spawn_on("alpha", "echo");
  ScopedActor me(main().runtime());
  me->trap_exit(true);
  me->link(linked);
  const MonitorRef ref = me->monitor(watched);
  main().monitor_nodes(me.pid());
  ASSERT_TRUE(me->request<std::string>(linked, kWait, std::string("sync")).ok());
  ASSERT_TRUE(main().whereis_global("echo@alpha").has_value());

  const auto killed_at = std::chrono::steady_clock::now();
  cluster_.kill_peer("alpha");
  absl::StatusOr<ExitMsg> exit = me->receive_for<ExitMsg>(kWait);
  const auto detected_after = std::chrono::steady_clock::now() - killed_at;
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->from, linked);
  EXPECT_EQ(exit->reason.kind(), ExitReason::Kind::kNoConnection);
  EXPECT_LT(detected_after, std::chrono::seconds(3));
  absl::StatusOr<DownMsg> down = me->receive_for<DownMsg>(kWait);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->ref, ref);
  EXPECT_EQ(down->reason.kind(), ExitReason::Kind::kNoConnection);
  absl::StatusOr<NodeDown> node_down = me->receive_for<NodeDown>(kWait);
  ASSERT_TRUE(node_down.ok()) << node_down.status();
  EXPECT_EQ(node_down->name, "alpha");
  EXPECT_FALSE(main().whereis_global("echo@alpha").has_value());
  EXPECT_FALSE(main().resolve_node("alpha").has_value());
}

TEST_P(ClusterConformance, ARequestToANodeThatGoesDownFailsWithoutWaitingForItsTimeout) {
  cluster_.start_peer("alpha");
  const Pid silent = spawn_on("alpha", "silent");
  ScopedActor me(main().runtime());
  const Pid me_pid = me.pid();
  // An evented actor asks too, and tells what became of its request.
  main().runtime().spawn([silent, me_pid](EventedActor& self) -> Behavior {
    self.request(silent, absl::Minutes(1), std::string("anyone?"))
        .then([](const std::string&) {},
              [&self, me_pid](const absl::Status& status) {
                self.send(me_pid, std::string(status.message()));
              });
    return {[](int64_t) {}};
  });
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cluster_.kill_peer("alpha");
  });
  const auto asked_at = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> answer =
      me->request<std::string>(silent, absl::Minutes(1), std::string("anyone?"));
  const auto failed_after = std::chrono::steady_clock::now() - asked_at;
  killer.join();
  EXPECT_TRUE(absl::IsUnavailable(answer.status())) << answer.status();
  EXPECT_NE(answer.status().message().find("node 'alpha' went down before answering"),
            std::string::npos)
      << answer.status();
  EXPECT_LT(failed_after, std::chrono::seconds(5));
  absl::StatusOr<std::string> evented = me->receive_for<std::string>(kWait);
  ASSERT_TRUE(evented.ok()) << evented.status();
  EXPECT_NE(evented->find("node 'alpha' went down before answering"), std::string::npos)
      << *evented;
}

TEST_P(ClusterConformance, ABlockingCallFromAPlainThreadReturnsAStatusWhenTheNodeStops) {
  cluster_.start_peer("alpha");
  std::atomic<bool> calling{false};
  absl::Status rpc;
  absl::Status spawn_after_stop;
  std::thread plain([&] {
    calling = true;
    rpc = main()
              .rpc_blocking_call<int64_t>("alpha", "sleep", int64_t{2000}, absl::Seconds(30))
              .status();
    spawn_after_stop = main().spawn_remote("alpha", "echo", int64_t{0}).status();
  });
  while (!calling) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the call is in flight
  const auto stopped_at = std::chrono::steady_clock::now();
  main().stop();
  plain.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(5));
  EXPECT_TRUE(absl::IsCancelled(rpc)) << rpc;
  EXPECT_NE(rpc.message().find("the runtime stopped"), std::string::npos) << rpc;
  EXPECT_FALSE(spawn_after_stop.ok());
}

TEST_P(ClusterConformance, TwoNodesRacingForOneNameGetExactlyOneWinner) {
  cluster_.start_peer("alpha");
  cluster_.start_peer("beta");
  // The guarantee holds among nodes that know one another: wait for the full mesh.
  for (const char* peer : {"alpha", "beta"}) {
    const absl::Time deadline = absl::Now() + kWait;
    while (main().rpc_blocking_call<int64_t>(peer, "nodes", int64_t{0}).value_or(0) < 2) {
      ASSERT_LT(absl::Now(), deadline) << peer << " does not see the whole cluster";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  for (int round = 0; round < 5; ++round) {
    const std::string name = "contested-" + std::to_string(round);
    std::string from_alpha, from_beta;
    std::thread alpha([&] {
      from_alpha =
          main().rpc_blocking_call<std::string>("alpha", "claim", name, kWait).value_or("");
    });
    std::thread beta([&] {
      from_beta = main().rpc_blocking_call<std::string>("beta", "claim", name, kWait).value_or("");
    });
    alpha.join();
    beta.join();
    EXPECT_NE(from_alpha == "ok", from_beta == "ok") << from_alpha << " / " << from_beta;
    const uint32_t winner = *main().resolve_node(from_alpha == "ok" ? "alpha" : "beta");
    const absl::Time deadline = absl::Now() + kWait;
    while (!main().whereis_global(name).has_value() && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(main().whereis_global(name).has_value());
    const Pid holder = *main().whereis_global(name);
    EXPECT_EQ(holder.node, winner);
    // The loser is told who won.
    const std::string& loser = from_alpha == "ok" ? from_beta : from_alpha;
    EXPECT_NE(loser.find("registered to " + holder.to_string()), std::string::npos) << loser;
  }
}

TEST_P(ClusterConformance, ThreeNodesFormAFullMesh) {
  cluster_.start_peer("alpha");
  ScopedActor me(main().runtime());
  main().monitor_nodes(me.pid());
  // monitor_nodes is a message to the node service: a round trip through it says it has been read.
  ASSERT_TRUE(main().rpc_blocking_call<int64_t>(main().name(), "nodes", int64_t{0}).ok());
  cluster_.start_peer("beta");
  absl::StatusOr<NodeUp> up = me->receive_for<NodeUp>(kWait);
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->name, "beta");
  EXPECT_EQ(up->id, *main().resolve_node("beta"));
  // alpha and beta met only through main's member list.
  for (const char* peer : {"alpha", "beta"}) {
    const absl::Time deadline = absl::Now() + kWait;
    absl::StatusOr<int64_t> seen;
    do {
      seen = main().rpc_blocking_call<int64_t>(peer, "nodes", int64_t{0});
    } while (seen.ok() && *seen < 2 && absl::Now() < deadline);
    ASSERT_TRUE(seen.ok()) << seen.status();
    EXPECT_EQ(*seen, 2) << peer << " does not see the whole cluster";
  }
  EXPECT_EQ(main().nodes().size(), 2u);
}

TEST_P(ClusterConformance, CallsRemoteFunctionsAndSpawnsRemoteActors) {
  cluster_.start_peer("alpha");
  absl::StatusOr<int64_t> sum = main().rpc_blocking_call<int64_t>("alpha", "add", IntPair{40, 2});
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 42);
  absl::StatusOr<std::string> name =
      main().rpc_blocking_call<std::string>("alpha", "node_name", int64_t{0});
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, "alpha");
  // A fire-and-forget call runs on its own: its effect shows up a little later.
  ASSERT_TRUE(main().rpc_call("alpha", "remember", std::string("kept")).ok());
  const absl::Time deadline = absl::Now() + kWait;
  absl::StatusOr<std::string> recalled;
  do {
    recalled = main().rpc_blocking_call<std::string>("alpha", "recall", int64_t{0});
    ASSERT_TRUE(recalled.ok()) << recalled.status();
  } while (*recalled != "kept" && absl::Now() < deadline);
  EXPECT_EQ(*recalled, "kept");
  EXPECT_TRUE(absl::IsNotFound(
      main().rpc_blocking_call<int64_t>("alpha", "no_such_function", int64_t{0}).status()));
  EXPECT_TRUE(absl::IsNotFound(
      main().rpc_blocking_call<int64_t>("no_such_node", "add", IntPair{1, 2}).status()));
  EXPECT_TRUE(
      absl::IsNotFound(main().spawn_remote("alpha", "no_such_factory", int64_t{0}).status()));
  absl::StatusOr<Pid> spawned = main().spawn_remote("alpha", "echo", int64_t{0});
  ASSERT_TRUE(spawned.ok()) << spawned.status();
  EXPECT_EQ(spawned->node, *main().resolve_node("alpha"));
}

TEST_P(ClusterConformance, ATypeWithoutCodecIsAnErrorAtTheSendSite) {
  struct Unregistered {
    int value;
  };
  cluster_.start_peer("alpha");
  const Pid echo = spawn_on("alpha", "echo");
  ScopedActor me(main().runtime());
  SendResult sent = me->send(echo, Unregistered{1});
  EXPECT_TRUE(absl::IsFailedPrecondition(sent.status())) << sent.status();
  EXPECT_NE(sent.status().message().find("no codec"), absl::string_view::npos);
  absl::StatusOr<std::string> failed = me->request<std::string>(echo, kWait, Unregistered{2});
  EXPECT_TRUE(absl::IsFailedPrecondition(failed.status())) << failed.status();
}

TEST_P(ClusterConformance, AServerOnAnotherNodeAnswersCallsAndTakesCasts) {
  cluster_.start_peer("alpha");
  const Pid counter = spawn_on("alpha", "counter_server");
  ScopedActor me(main().runtime());
  ASSERT_TRUE(cast(*me, counter, int64_t{40}).ok());
  ASSERT_TRUE(cast(main().runtime(), counter, int64_t{2}).ok());
  absl::StatusOr<int64_t> count = call<int64_t>(*me, counter, std::string("get"));
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 42);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClusterConformance,
                         ::testing::Values(Backend::kLocal, Backend::kNative, Backend::kAmqp),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace bossa::cluster_test
