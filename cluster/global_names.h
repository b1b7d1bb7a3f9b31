// GlobalNames: names that mean one actor in the whole cluster, replicated on every node.
//
// Every node keeps the full table, so whereis is a local lookup. register_name asks every node that
// is up: a node grants the claim unless the name is committed to another pid there or a lower
// pid's claim is pending there, and a grant revokes the pending claims of higher pids; with every
// grant in, the claimant commits. So of two racing claims exactly one wins, and a committed name
// never yields. A name is released when its actor stops, on unregister, and when its node goes
// down. Claims, commits and syncs are taken only from the node that hosts the pid they name.
// docs/cluster.md ("Global names") gives the protocol and why it holds.
//
// Thread-safety: any method from any thread; register_name blocks until the claim is decided (at
// most `claim_timeout`), so never on the transport's handler thread, which delivers the answers.
// What a node sends about names leaves in the order its table changed (send_mutex_ is held from
// change to send). Lock order: send_mutex_, then mutex_; hooks run with at most send_mutex_ held.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "cluster/system.capnp.h"
#include "runtime/pid.h"
#include "serialization/decode_limits.h"

namespace bossa {

class GlobalNames {
 public:
  // What the name protocol needs from its node.
  struct Hooks {
    // Sends a system payload to one node; the sender ignores failures (a node down is handled
    // by node_down()).
    std::function<void(uint32_t node, std::string payload)> send;
    // The ids of the nodes that are up now.
    std::function<std::vector<uint32_t>()> up_nodes;
    // A name of a local actor was committed (on) or released (off): watch the actor and release
    // the name when it stops, or stop watching.
    std::function<void(const std::string& name, Pid pid, bool on)> watch;
    // Local actor `loser` held `name` until a conflict gave it to `winner` (a partition healed).
    std::function<void(const std::string& name, Pid loser, Pid winner)> lost;
  };

  GlobalNames(uint32_t self, absl::Duration claim_timeout, Hooks hooks);

  // Registers `name` for `pid` (an actor of this node). AlreadyExists naming the holder if
  // another pid has or wins it; DeadlineExceeded if some node neither answered nor went down in
  // time; InvalidArgument for an empty name or a pid of another node.
  absl::Status register_name(const std::string& name, Pid pid);
  // NotFound if the name is not registered.
  absl::Status unregister_name(std::string_view name);
  // Releases `name` if `pid` still holds it (its actor stopped).
  void release(const std::string& name, Pid pid);
  std::optional<Pid> whereis(std::string_view name) const;
  std::vector<std::string> names() const;

  // From the cluster layer: a system payload from node `from` (untrusted), a node up or down.
  // InvalidArgument if the payload does not decode.
  absl::Status on_system(uint32_t from, std::string_view payload, const DecodeLimits& limits);
  void node_up(uint32_t node);
  void node_down(uint32_t node);

 private:
  struct Entry {
    Pid committed;                    // the holder, or the zero pid
    std::map<Pid, uint64_t> pending;  // claims granted here and not yet decided -> claim id
  };
  struct Claim {
    std::string name;
    Pid pid;
    absl::flat_hash_set<uint32_t> waiting;  // nodes that have not answered
    std::optional<Pid> denied_by;           // the holder a deny named
  };
  // What a change of the table makes this node do once mutex_ is released: messages to send
  // (to one node, or to every node up when the target is 0), watches to start or end, and local
  // actors to tell they lost a name (name, loser, winner).
  struct Effects {
    std::vector<std::pair<uint32_t, std::string>> sends;
    std::vector<std::tuple<std::string, Pid, bool>> watches;
    std::vector<std::tuple<std::string, Pid, Pid>> lost;
  };

  // The pid that may keep `entry`: the committed one, else the lowest pending; zero if neither.
  static Pid candidate(const Entry& entry);
  // Records the pending claim `claim` of `pid` and revokes every pending claim with a higher pid:
  // local ones directly, remote ones by a deny.
  void add_pending_locked(Entry& entry, Pid pid, uint64_t claim, Effects& effects)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Applies a commit; the lower pid wins a conflict. False if `pid` lost one.
  bool commit_locked(const std::string& name, Pid pid, Effects& effects)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void release_locked(const std::string& name, Pid pid, Effects& effects)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Handles one decoded system message from node `from`.
  absl::Status apply_locked(uint32_t from, const wire::SystemMessage::Reader& message,
                            Effects& effects) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Carries out `effects`.
  void perform(Effects& effects) ABSL_EXCLUSIVE_LOCKS_REQUIRED(send_mutex_)
      ABSL_LOCKS_EXCLUDED(mutex_);

  const uint32_t self_;
  const absl::Duration claim_timeout_;
  const Hooks hooks_;

  Mutex send_mutex_;
  mutable Mutex mutex_;
  CondVar decided_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<uint64_t, Claim> claims_ ABSL_GUARDED_BY(mutex_);  // open claims by id
  uint64_t next_claim_ ABSL_GUARDED_BY(mutex_) = 1;
};

}  // namespace bossa
