// Authorization: what a peer may do on this node, by the key it authenticated with
// (docs/security.md, "Authorization").
//
// The node's config names groups ([[authorization]]): keys (native: CURVE public keys, 32
// octets; amqp: broker users) and the actions they are allowed, each for any name or for the
// names listed ("rpc:status,whereis"). A peer whose key is in no group is a full member and may
// do everything, as is a peer with an empty key (a transport without security); a peer whose key
// is in groups may do what any of them allows. The name an action is checked against: the
// function of an rpc, the factory of a spawn, the global name of a registration, the name a
// message or request is addressed to (none for one sent to a pid); an exit has none.
//
//   Authorization authorization(config.authorization);
//   if (const Authorization::Rights* rights = authorization.rights(key);
//       rights != nullptr && !rights->allows(Action::kRpc, "status")) { refuse }
//
// Thread-safety: constant after construction; every method from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace bossa {

enum class Action : uint8_t { kSend, kRequest, kRpc, kSpawn, kExit, kNames };
inline constexpr size_t kActionCount = 6;

// "send", "request", "rpc", "spawn", "exit", "names".
std::string_view action_name(Action action);

// One action a group allows: for any name, or only for `names`.
struct Grant {
  Action action = Action::kSend;
  std::vector<std::string> names;  // empty: any

  friend bool operator==(const Grant&, const Grant&) = default;
};

// "send", "rpc:status,whereis": an action, then optionally ':' and names separated by commas
// (not for exit, which has no name). InvalidArgument saying what is expected otherwise.
absl::StatusOr<Grant> parse_grant(std::string_view text);

// One [[authorization]] table of the config.
struct AuthorizationGroup {
  std::vector<std::string> keys;   // CURVE public keys, 32 octets: keys and keys_dir's .pub files
  std::vector<std::string> users;  // amqp broker users
  std::vector<Grant> allow;
};

class Authorization {
 public:
  // What one peer in groups may do.
  class Rights {
   public:
    bool allows(Action action, std::string_view name) const;

   private:
    friend class Authorization;
    struct Allowed {
      bool any_name = false;
      absl::flat_hash_set<std::string> names;
    };
    std::array<Allowed, kActionCount> actions_;
  };

  explicit Authorization(const std::vector<AuthorizationGroup>& groups);

  // No key is in a group: every peer is a full member.
  bool empty() const { return rights_.empty(); }
  // The rights of the peer that authenticated as `peer_key`; nullptr for a full member. Valid as
  // long as this object.
  const Rights* rights(std::string_view peer_key) const;
  bool allows(std::string_view peer_key, Action action, std::string_view name) const;

 private:
  absl::flat_hash_map<std::string, Rights> rights_;  // by key or broker user
};

}  // namespace bossa
