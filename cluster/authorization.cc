#include "cluster/authorization.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/string_view_bridge.h"

namespace bossa {
namespace {

constexpr std::array<std::string_view, kActionCount> kActionNames = {"send",  "request", "rpc",
                                                                     "spawn", "exit",    "names"};

std::optional<Action> parse_action(std::string_view text) {
  for (size_t i = 0; i < kActionCount; ++i) {
    if (kActionNames[i] == text) return static_cast<Action>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view action_name(Action action) {
  return kActionNames[static_cast<size_t>(action)];
}

absl::StatusOr<Grant> parse_grant(std::string_view text) {
  const size_t colon = text.find(':');
  const std::optional<Action> action = parse_action(text.substr(0, colon));
  if (!action) {
    return absl::InvalidArgumentError(
        "expected one of \"send\", \"request\", \"rpc\", \"spawn\", \"exit\", \"names\", "
        "optionally followed by ':' and names separated by commas");
  }
  Grant grant{.action = *action, .names = {}};
  if (colon == std::string_view::npos) return grant;
  if (*action == Action::kExit) {
    return absl::InvalidArgumentError("expected \"exit\" without names (an exit signal has none)");
  }
  for (absl::string_view name : absl::StrSplit(as_absl(text.substr(colon + 1)), ',')) {
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected \"", as_absl(action_name(*action)),
                       ":\" followed by names separated by commas, none of them empty"));
    }
    grant.names.emplace_back(name);
  }
  return grant;
}

bool Authorization::Rights::allows(Action action, std::string_view name) const {
  const Allowed& allowed = actions_[static_cast<size_t>(action)];
  return allowed.any_name || (!name.empty() && allowed.names.contains(as_absl(name)));
}

Authorization::Authorization(const std::vector<AuthorizationGroup>& groups) {
  for (const AuthorizationGroup& group : groups) {
    auto grant_to = [&](const std::string& key) {
      Rights& rights = rights_[key];
      for (const Grant& grant : group.allow) {
        Rights::Allowed& allowed = rights.actions_[static_cast<size_t>(grant.action)];
        if (grant.names.empty()) allowed.any_name = true;
        allowed.names.insert(grant.names.begin(), grant.names.end());
      }
    };
    for (const std::string& key : group.keys) grant_to(key);
    for (const std::string& user : group.users) grant_to(user);
  }
}

const Authorization::Rights* Authorization::rights(std::string_view peer_key) const {
  if (peer_key.empty()) return nullptr;
  auto it = rights_.find(as_absl(peer_key));
  return it == rights_.end() ? nullptr : &it->second;
}

bool Authorization::allows(std::string_view peer_key, Action action, std::string_view name) const {
  const Rights* rights = this->rights(peer_key);
  return rights == nullptr || rights->allows(action, name);
}

}  // namespace bossa
