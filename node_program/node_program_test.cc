// bossa-node as its users run it: real processes, real sockets, real signals.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/node_events.h"
#include "node_program/config_overrides.h"
#include "tests/support/child_process.h"

namespace bossa {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kStartup = absl::Seconds(15);

class NodeProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/bossa-node-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A node config on a free loopback port, quick to notice a silent peer, secure with the key
  // pair every node of the test shares (written by `bossa-node keygen` on first use).
  std::string write_config(const std::string& name) {
    const std::string key_file = dir_ + "/cluster.key";
    if (!std::filesystem::exists(key_file)) {
      const Run keygen = run({"keygen", key_file});
      EXPECT_EQ(keygen.code, 0) << keygen.err;
      EXPECT_EQ(keygen.out.size(), 41u) << keygen.out;  // 40 characters of Z85 and a newline
    }
    const std::string path = dir_ + "/" + name + ".toml";
    std::ofstream(path) << "[node]\nname = \"" << name << "\"\nworkers = 2\n\n[transport]\n"
                        << "kind = \"native\"\nlisten = \"tcp://127.0.0.1:*\"\n"
                        << "heartbeat_interval = \"100ms\"\nnode_down_after = \"1s\"\n"
                        << "key_file = \"cluster.key\"\n";
    return path;
  }

  static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& args,
                                             const std::string& program = BOSSA_NODE_PROGRAM) {
    absl::StatusOr<std::unique_ptr<ChildProcess>> child =
        ChildProcess::start(program, args, {.capture_stdout = true, .capture_stderr = true});
    EXPECT_TRUE(child.ok()) << child.status();
    return child.ok() ? *std::move(child) : nullptr;
  }

  // Runs bossa-node to its end; returns its exit code, its stdout and stderr.
  struct Run {
    int code = -1;
    std::string out;
    std::string err;
  };
  static Run run(const std::vector<std::string>& args) {
    std::unique_ptr<ChildProcess> child = start(args);
    Run result;
    if (child == nullptr) return result;
    absl::StatusOr<int> code = child->wait(absl::Seconds(30));
    EXPECT_TRUE(code.ok()) << code.status();
    result.code = code.value_or(-1);
    (void)child->await_line(ChildProcess::kStdout, "\x01", absl::Seconds(1));  // read to EOF
    (void)child->await_line(ChildProcess::kStderr, "\x01", absl::Seconds(1));
    result.out = child->output(ChildProcess::kStdout);
    result.err = child->output(ChildProcess::kStderr);
    return result;
  }

  std::string dir_;
};

TEST_F(NodeProgramTest, StatusFromTheCommandLineSignalsAndLeaving) {
  const std::string alpha_toml = write_config("alpha");
  const std::string beta_toml = write_config("beta");

  std::unique_ptr<ChildProcess> alpha = start({"--config", alpha_toml, "--metrics_port=-1"});
  ASSERT_NE(alpha, nullptr);
  absl::StatusOr<std::string> up = alpha->await_line(ChildProcess::kStdout, " is up", kStartup);
  ASSERT_TRUE(up.ok()) << up.status();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(*up, match,
                                std::regex("alpha is up at (tcp://127\\.0\\.0\\.1:[0-9]+); "
                                           "metrics at http://127\\.0\\.0\\.1:[0-9]+/metrics")))
      << *up;
  const std::string alpha_endpoint = match[1];

  // beta joins through alpha, given as a flag over its file.
  std::unique_ptr<ChildProcess> beta =
      start({"--config", beta_toml, "--seeds", alpha_endpoint, "--log_level=warning"});
  ASSERT_NE(beta, nullptr);
  ASSERT_TRUE(beta->await_line(ChildProcess::kStdout, "beta is up at", kStartup).ok());
  ASSERT_TRUE(alpha->await_line(ChildProcess::kStderr, "node 'beta'", kStartup).ok())
      << alpha->output(ChildProcess::kStderr);

  // The status command joins through beta's file (and alpha's endpoint) and asks alpha.
  const Run status = run({"status", "--config", beta_toml, "--seeds=" + alpha_endpoint, "--node",
                          "alpha", "--timeout", "10s"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("node alpha (id "));
  EXPECT_THAT(status.out, HasSubstr("native at " + alpha_endpoint));
  EXPECT_THAT(status.out, HasSubstr(": beta"));  // beta among alpha's peers
  ASSERT_TRUE(std::regex_search(status.out, match, std::regex("messages +in ([0-9]+)")))
      << status.out;
  EXPECT_GT(std::stoll(match[1]), 0) << status.out;
  ASSERT_TRUE(std::regex_search(status.out, match, std::regex("node events +([0-9]+) up")));
  EXPECT_GE(std::stoll(match[1]), 2) << status.out;  // beta and the status node itself

  // SIGTERM: beta leaves cleanly, exits 0, and alpha sees it leave.
  beta->signal(SIGTERM);
  absl::StatusOr<int> code = beta->wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << beta->output(ChildProcess::kStderr);
  absl::StatusOr<std::string> left =
      alpha->await_line(ChildProcess::kStderr, "node 'beta'", absl::Seconds(5));
  ASSERT_TRUE(left.ok()) << left.status();
  // The line after "up" for beta is its leaving.
  EXPECT_THAT(*left, HasSubstr("is down: left"));

  alpha->signal(SIGINT);
  code = alpha->wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_THAT(alpha->output(ChildProcess::kStderr), HasSubstr("SIGINT: leaving the cluster"));
}

TEST_F(NodeProgramTest, HooksRunOnceTheNodeIsUpAndBeforeItLeaves) {
  const std::string hooked_toml = write_config("hooked");
  std::unique_ptr<ChildProcess> hooked =
      start({"--config", hooked_toml, "--log_level=warning"}, BOSSA_HOOKS_NODE_PROGRAM);
  ASSERT_NE(hooked, nullptr);
  absl::StatusOr<std::string> up =
      hooked->await_line(ChildProcess::kStdout, " is up at ", kStartup);
  ASSERT_TRUE(up.ok()) << up.status() << hooked->output(ChildProcess::kStderr);
  const std::string endpoint = up->substr(up->find("tcp://"));

  // This process joins as node "observer", under a global name of that name.
  absl::StatusOr<NodeConfig> config =
      load_config_with_overrides(write_config("observer"), {.seeds = {{endpoint}}});
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::unique_ptr<Node>> observer = Node::create(*std::move(config));
  ASSERT_TRUE(observer.ok()) << observer.status();
  (*observer)->log().set_level(LogLevel::kWarning);
  ASSERT_TRUE((*observer)->start().ok());
  ASSERT_TRUE((*observer)->await_nodes({"hooked"}, kStartup));
  ScopedActor me((*observer)->runtime());
  ASSERT_TRUE((*observer)->register_global("observer", me.pid()).ok());

  // on_started registered its actor.
  absl::StatusOr<Pid> echo = (*observer)->await_global("hooked@hooked", kStartup);
  ASSERT_TRUE(echo.ok()) << echo.status();
  absl::StatusOr<std::string> answer = (*observer)->request_global<std::string>(
      "hooked@hooked", absl::Seconds(5), std::string("ping"));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, "ping");
  answer = (*observer)->request_global<std::string>("hooked@hooked", absl::Seconds(5),
                                                    std::string("config?"));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, hooked_toml) << "a hook reads the node's config";
  absl::StatusOr<MonitorRef> watch = (*observer)->monitor_global(me.pid(), "hooked@hooked");
  ASSERT_TRUE(watch.ok()) << watch.status();

  // on_stopping speaks while its node still works; then the node leaves and its name goes.
  hooked->signal(SIGTERM);
  absl::StatusOr<std::string> said = me->receive_for<std::string>(absl::Seconds(10));
  ASSERT_TRUE(said.ok()) << said.status() << hooked->output(ChildProcess::kStderr);
  EXPECT_EQ(*said, "hooked stopping");
  absl::StatusOr<GlobalNameDown> down = me->receive_for<GlobalNameDown>(absl::Seconds(10));
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(down->ref, *watch);
  EXPECT_EQ(down->pid, *echo);
  absl::StatusOr<int> code = hooked->wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << hooked->output(ChildProcess::kStderr);
  (*observer)->stop();
}

TEST_F(NodeProgramTest, AFailingOnStartedHookStopsTheNodeAndExitsOne) {
  std::unique_ptr<ChildProcess> failing =
      start({"--config", write_config("failing"), "--log_level=warning"}, BOSSA_HOOKS_NODE_PROGRAM);
  ASSERT_NE(failing, nullptr);
  absl::StatusOr<int> code = failing->wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 1);
  (void)failing->await_line(ChildProcess::kStderr, "\x01", absl::Seconds(1));  // read to EOF
  EXPECT_THAT(failing->output(ChildProcess::kStderr),
              HasSubstr("on_started: this node fails to start"));
  (void)failing->await_line(ChildProcess::kStdout, "\x01", absl::Seconds(1));
  EXPECT_THAT(failing->output(ChildProcess::kStdout), Not(HasSubstr("is up")));
}

TEST_F(NodeProgramTest, StatusOfANodeThatIsNotThereFailsInTime) {
  const std::string alpha_toml = write_config("alpha");
  std::unique_ptr<ChildProcess> alpha = start({"--config", alpha_toml, "--log_level=warning"});
  ASSERT_NE(alpha, nullptr);
  absl::StatusOr<std::string> up = alpha->await_line(ChildProcess::kStdout, " is up at ", kStartup);
  ASSERT_TRUE(up.ok()) << up.status();
  const std::string endpoint = up->substr(up->find("tcp://"));

  const absl::Time began = absl::Now();
  const Run status = run(
      {"status", "--config", alpha_toml, "--seeds", endpoint, "--node", "nobody", "--timeout=1s"});
  EXPECT_EQ(status.code, 1);
  EXPECT_THAT(status.err, HasSubstr("node 'nobody' did not show up within 1s"));
  EXPECT_LT(absl::Now() - began, absl::Seconds(10));
}

TEST_F(NodeProgramTest, BadFlagsAndConfigsExitTwoNamingTheProblem) {
  const std::string alpha_toml = write_config("alpha");
  Run bad = run({"--config", alpha_toml, "--listen", "nonsense"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("flag --listen: transport.listen: expected"));

  bad = run({"--config", alpha_toml, "--no_such_flag=1"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("unknown flag --no_such_flag"));

  bad = run({"--config", alpha_toml, "--metrics_port", "many"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("flag --metrics_port"));

  bad = run({"--config", dir_ + "/missing.toml"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("missing.toml"));

  bad = run({"status", "--config", alpha_toml});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("flag --node: missing"));

  bad = run({"--config", alpha_toml, "stauts"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("unexpected argument \"stauts\""));
}

TEST_F(NodeProgramTest, KeysAreWrittenOnceAndASecretOthersCanReadIsRefused) {
  const std::string alpha_toml = write_config("alpha");  // writes cluster.key and its .pub
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/cluster.key.pub"));
  EXPECT_EQ(std::filesystem::status(dir_ + "/cluster.key").permissions() &
                (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  Run again = run({"keygen", dir_ + "/cluster.key"});
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.err, HasSubstr("never overwritten"));

  std::filesystem::permissions(dir_ + "/cluster.key", std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  Run bad = run({"--config", alpha_toml});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("transport.key_file: expected a key pair file"));
  EXPECT_THAT(bad.err, HasSubstr("must be mode 0600"));

  const std::string keyless = dir_ + "/keyless.toml";
  std::ofstream(keyless) << "[node]\nname = \"keyless\"\n[transport]\nkind = \"native\"\n"
                         << "listen = \"tcp://127.0.0.1:*\"\n";
  bad = run({"--config", keyless});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("transport.key_file: missing (required when "
                                 "transport.security = \"curve\", the default"));
}

TEST_F(NodeProgramTest, HelpListsTheFlagsAndExitsZeroWithoutBuildPaths) {
  for (const char* asked : {"--help", "--helpfull", "--helpshort", "-help"}) {
    const Run help = run({asked});
    EXPECT_EQ(help.code, 0) << asked;
    EXPECT_EQ(help.err, "") << asked;
    EXPECT_THAT(help.out, HasSubstr("bossa-node --config node.toml")) << asked;
    for (const char* flag : {"--config", "--transport", "--name", "--listen", "--seeds",
                             "--metrics_port", "--log_level", "--node", "--timeout"}) {
      EXPECT_THAT(help.out, HasSubstr(flag)) << asked << "\n" << help.out;
    }
    EXPECT_THAT(help.out, HasSubstr("The node's TOML file (required)")) << asked;
    EXPECT_THAT(help.out, HasSubstr("default: 10s")) << asked;
    // No source file, absolute or relative, nor the tree it was built in.
    EXPECT_THAT(help.out, Not(HasSubstr(BOSSA_SOURCE_DIR))) << asked << "\n" << help.out;
    EXPECT_THAT(help.out, Not(HasSubstr("node_program/"))) << asked << "\n" << help.out;
    EXPECT_THAT(help.out, Not(HasSubstr(".cc"))) << asked << "\n" << help.out;
    EXPECT_THAT(help.out, Not(HasSubstr("Flags from"))) << asked << "\n" << help.out;
  }
  // --help=text lists the flags whose name or help mentions it; a command line with --help and
  // other flags only prints the help.
  const Run matched = run({"--help=seeds", "--config", "/nonexistent.toml"});
  EXPECT_EQ(matched.code, 0);
  EXPECT_THAT(matched.out, HasSubstr("--seeds"));
  EXPECT_THAT(matched.out, Not(HasSubstr("--metrics_port")));
  // --helpfull adds Abseil's own flags, still without their files.
  EXPECT_THAT(run({"--helpfull"}).out, HasSubstr("--flagfile"));
  const Run version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_THAT(version.out, HasSubstr("bossa-node 0."));
}

}  // namespace
}  // namespace bossa
