// Type tables checked at node up, with a real node process whose types differ from the test
// node's (type_check_types.h): each node logs what the other cannot read, naming the C++ types as
// written; a message of a type the peer cannot read fails where it is sent; and a request whose
// reply the requester cannot read fails at once, not at its timeout.
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/cluster/type_check_types.h"
#include "tests/support/test_cluster.h"

namespace bossa::type_check {
namespace {

using cluster_test::Backend;
using cluster_test::eventually;
using cluster_test::MainOptions;
using cluster_test::TestCluster;

constexpr absl::Duration kWait = absl::Seconds(10);

class TypeCheckTest : public ::testing::Test {
 protected:
  TypeCheckTest()
      : cluster_(Backend::kNative, {},
                 MainOptions{.restricted_peers = {},
                             .log_sink =
                                 [this](LogLevel, std::string_view line) {
                                   std::lock_guard<std::mutex> lock(mutex_);
                                   log_.emplace_back(line);
                                 },
                             .register_types =
                                 [](Node& node) {
                                   absl::Status added =
                                       node.register_type<Greeting>("types.greeting");
                                   if (added.ok())
                                     added = node.register_type<MainOnly>("types.main_only");
                                   return added;
                                 }}) {}

  void SetUp() override {
    odd_ = cluster_.launch(cluster_.config_for("odd"), TYPE_CHECK_NODE_PATH);
    ASSERT_NE(odd_, nullptr);
    ASSERT_TRUE(cluster_.main().await_nodes({"odd"}, kWait));
  }

  // Whether main logs a line containing `text` within kWait.
  bool main_logs(const std::string& text) {
    return eventually(
        [&] {
          std::lock_guard<std::mutex> lock(mutex_);
          for (const std::string& line : log_) {
            if (line.find(text) != std::string::npos) return true;
          }
          return false;
        },
        kWait);
  }
  // Whether node odd logs a line containing `text` within kWait.
  bool odd_logs(const std::string& text) {
    if (odd_->output(ChildProcess::kStderr).find(text) != std::string::npos) return true;
    absl::StatusOr<std::string> line = odd_->await_line(ChildProcess::kStderr, text, kWait);
    EXPECT_TRUE(line.ok()) << line.status();
    return line.ok();
  }

  std::mutex mutex_;
  std::vector<std::string> log_;
  TestCluster cluster_;
  std::unique_ptr<ChildProcess> odd_;
};

TEST_F(TypeCheckTest, EachNodeLogsWhatTheOtherCannotReadWhenItComesUp) {
  EXPECT_TRUE(
      main_logs("node 'odd' cannot read C++ type bossa::type_check::MainOnly (registered "
                "here as 'types.main_only'): it has no type registered as "
                "'types.main_only'"));
  EXPECT_TRUE(
      main_logs("node 'odd' cannot read C++ type bossa::type_check::Greeting (registered "
                "here as 'types.greeting'): it registers that C++ type as 'types.hello'"));
  EXPECT_TRUE(
      main_logs("node 'odd' has C++ type bossa::type_check::OddOnly registered as "
                "'types.odd_only', which this node has not registered"));
  EXPECT_TRUE(
      odd_logs("node 'main' cannot read C++ type bossa::type_check::OddOnly (registered "
               "here as 'types.odd_only'): it has no type registered as 'types.odd_only'"));
  EXPECT_TRUE(
      odd_logs("node 'main' cannot read C++ type bossa::type_check::Greeting (registered "
               "here as 'types.hello'): it registers that C++ type as 'types.greeting'"));
  EXPECT_TRUE(
      odd_logs("node 'main' has C++ type bossa::type_check::MainOnly registered as "
               "'types.main_only', which this node has not registered"));
  // The types both have alike are not named.
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& line : log_) EXPECT_EQ(line.find("test.pair"), std::string::npos) << line;
}

TEST_F(TypeCheckTest, AMessageThePeerCannotReadFailsWhereItIsSent) {
  ASSERT_TRUE(main_logs("node 'odd' cannot read C++ type bossa::type_check::Greeting"));
  absl::StatusOr<Pid> odd = cluster_.main().await_global("odd", kWait);
  ASSERT_TRUE(odd.ok()) << odd.status();
  std::mutex mutex;
  std::vector<std::string> dead;
  cluster_.main().runtime().set_dead_letter_handler([&](const DeadLetter& letter) {
    std::lock_guard<std::mutex> lock(mutex);
    dead.push_back(letter.reason);
  });
  ScopedActor me(cluster_.main().runtime());

  const absl::Status sent = me->send(*odd, Greeting{"hello"}).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(sent)) << sent;
  EXPECT_NE(sent.message().find("node 'odd' cannot read C++ type bossa::type_check::Greeting "
                                "(registered here as 'types.greeting'): it registers that C++ "
                                "type as 'types.hello'"),
            std::string::npos)
      << sent;
  const absl::Status other = me->send(*odd, MainOnly{7}).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(other)) << other;
  EXPECT_NE(other.message().find("bossa::type_check::MainOnly"), std::string::npos) << other;
  {
    std::lock_guard<std::mutex> lock(mutex);
    ASSERT_EQ(dead.size(), 2u);
    EXPECT_NE(dead[0].find("bossa::type_check::Greeting"), std::string::npos) << dead[0];
  }
  // A request of one fails at once with the same reason.
  absl::StatusOr<std::string> answer = me->request<std::string>(*odd, kWait, MainOnly{8});
  EXPECT_TRUE(absl::IsFailedPrecondition(answer.status())) << answer.status();
  cluster_.main().runtime().set_dead_letter_handler(nullptr);
}

TEST_F(TypeCheckTest, ARequestWhoseReplyTheRequesterCannotReadFailsAtOnce) {
  absl::StatusOr<Pid> odd = cluster_.main().await_global("odd", kWait);
  ASSERT_TRUE(odd.ok()) << odd.status();
  ASSERT_TRUE(odd_logs("node 'main' cannot read C++ type bossa::type_check::OddOnly"));
  ScopedActor me(cluster_.main().runtime());
  const absl::Time start = absl::Now();
  absl::StatusOr<OddOnly> answer = me->request<OddOnly>(*odd, absl::Seconds(60), std::string("hi"));
  EXPECT_LT(absl::Now() - start, kWait);
  ASSERT_FALSE(answer.ok());
  EXPECT_FALSE(absl::IsDeadlineExceeded(answer.status())) << answer.status();
  EXPECT_NE(answer.status().message().find(
                "node 'main' cannot read C++ type bossa::type_check::OddOnly (registered here "
                "as 'types.odd_only')"),
            std::string::npos)
      << answer.status();
}

}  // namespace
}  // namespace bossa::type_check
