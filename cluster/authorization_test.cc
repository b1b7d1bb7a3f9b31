#include "cluster/authorization.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bossa {
namespace {

const std::string kObserver(32, 'o');
const std::string kWorker(32, 'w');
const std::string kMember(32, 'm');

Grant grant(std::string_view text) {
  absl::StatusOr<Grant> parsed = parse_grant(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.value_or(Grant{});
}

TEST(ParseGrant, ReadsAnActionAloneOrWithNames) {
  EXPECT_EQ(grant("send"), (Grant{.action = Action::kSend, .names = {}}));
  EXPECT_EQ(grant("exit"), (Grant{.action = Action::kExit, .names = {}}));
  EXPECT_EQ(grant("rpc:status,whereis"),
            (Grant{.action = Action::kRpc, .names = {"status", "whereis"}}));
  EXPECT_EQ(grant("spawn:worker"), (Grant{.action = Action::kSpawn, .names = {"worker"}}));
}

TEST(ParseGrant, RefusesUnknownActionsEmptyNamesAndNamedExits) {
  EXPECT_FALSE(parse_grant("rcp").ok());
  EXPECT_FALSE(parse_grant("").ok());
  EXPECT_FALSE(parse_grant("rpc:").ok());
  EXPECT_FALSE(parse_grant("rpc:a,,b").ok());
  EXPECT_FALSE(parse_grant("exit:x").ok());
  EXPECT_NE(parse_grant("rcp").status().message().find("\"rpc\""), std::string_view::npos);
}

TEST(Authorization, WithoutGroupsEveryoneIsAFullMember) {
  const Authorization authorization({});
  EXPECT_TRUE(authorization.empty());
  EXPECT_EQ(authorization.rights(kObserver), nullptr);
  EXPECT_TRUE(authorization.allows(kObserver, Action::kExit, ""));
}

TEST(Authorization, AKeyInNoGroupOrAnEmptyKeyMayDoEverything) {
  const Authorization authorization(
      {AuthorizationGroup{.keys = {kObserver}, .users = {}, .allow = {grant("send")}}});
  EXPECT_FALSE(authorization.empty());
  EXPECT_EQ(authorization.rights(kMember), nullptr);
  EXPECT_EQ(authorization.rights(""), nullptr);
  EXPECT_TRUE(authorization.allows(kMember, Action::kSpawn, "anything"));
  EXPECT_TRUE(authorization.allows("", Action::kNames, "x"));
}

TEST(Authorization, AKeyInAGroupMayDoOnlyWhatItAllows) {
  const Authorization authorization({AuthorizationGroup{
      .keys = {kObserver}, .users = {}, .allow = {grant("send"), grant("rpc:status,whereis")}}});
  EXPECT_TRUE(authorization.allows(kObserver, Action::kSend, ""));
  EXPECT_TRUE(authorization.allows(kObserver, Action::kSend, "echo"));
  EXPECT_TRUE(authorization.allows(kObserver, Action::kRpc, "status"));
  EXPECT_TRUE(authorization.allows(kObserver, Action::kRpc, "whereis"));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kRpc, "add"));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kRpc, ""));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kRequest, "echo"));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kSpawn, "worker"));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kExit, ""));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kNames, "x"));
}

TEST(Authorization, AGroupThatAllowsNothingRefusesEverything) {
  const Authorization authorization(
      {AuthorizationGroup{.keys = {kObserver}, .users = {}, .allow = {}}});
  for (size_t i = 0; i < kActionCount; ++i) {
    EXPECT_FALSE(authorization.allows(kObserver, static_cast<Action>(i), "x"))
        << action_name(static_cast<Action>(i));
  }
}

TEST(Authorization, AKeyInSeveralGroupsGetsTheUnionOfTheirRights) {
  const Authorization authorization({
      AuthorizationGroup{.keys = {kObserver, kWorker}, .users = {}, .allow = {grant("rpc:status")}},
      AuthorizationGroup{
          .keys = {kWorker}, .users = {}, .allow = {grant("rpc:add"), grant("exit")}},
  });
  EXPECT_TRUE(authorization.allows(kWorker, Action::kRpc, "status"));
  EXPECT_TRUE(authorization.allows(kWorker, Action::kRpc, "add"));
  EXPECT_TRUE(authorization.allows(kWorker, Action::kExit, ""));
  EXPECT_TRUE(authorization.allows(kObserver, Action::kRpc, "status"));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kRpc, "add"));
  EXPECT_FALSE(authorization.allows(kObserver, Action::kExit, ""));
}

TEST(Authorization, AnActionForAnyNameWinsOverAListInAnotherGroup) {
  const Authorization authorization({
      AuthorizationGroup{.keys = {kWorker}, .users = {}, .allow = {grant("spawn:worker")}},
      AuthorizationGroup{.keys = {kWorker}, .users = {}, .allow = {grant("spawn")}},
  });
  EXPECT_TRUE(authorization.allows(kWorker, Action::kSpawn, "anything"));
}

TEST(Authorization, BrokerUsersAreKeysToo) {
  const Authorization authorization(
      {AuthorizationGroup{.keys = {}, .users = {"observer"}, .allow = {grant("request")}}});
  EXPECT_TRUE(authorization.allows("observer", Action::kRequest, ""));
  EXPECT_FALSE(authorization.allows("observer", Action::kSend, ""));
  EXPECT_TRUE(authorization.allows("alpha", Action::kSend, ""));
}

}  // namespace
}  // namespace bossa
