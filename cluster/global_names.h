// GlobalNames: names that mean one actor in the whole cluster, replicated on every node.
//
// Every node keeps the full table, so whereis is a local lookup. Each name has a home: of the
// nodes up as this node sees them, itself included, the one name_home (cluster/name_home.h)
// picks. register_name sends one claim to the home, or decides at once if it is the home; the
// home grants unless the name is committed to another pid or reserved for another claim there,
// and a grant reserves the name until the claimant commits, goes down, or `claim_timeout` ends.
// With the grant the claimant commits and tells every node up. Two claimants that see different
// members may ask different homes and both commit: then every node keeps the lower pid and the
// loser's node tells its actor (Hooks::lost), as after a partition. A name is released when its
// actor stops, on unregister, and when its node goes down. Claims, commits and syncs are taken
// only from the node that hosts the pid they name. docs/cluster.md ("Global names") gives the
// protocol and why it holds.
//
// A name can be watched (watch): a watcher hears once, through Hooks::left, when the name leaves
// the pid that held it as the watch began, released or committed to another pid; await waits for
// a name to have a holder.
//
// Thread-safety: any method from any thread; register_name blocks until the claim is decided (at
// most `claim_timeout`), so never on the transport's handler thread, which delivers the answers;
// so does await, for at most its timeout.
// Commits and releases for every node leave in the order the table changed, in batches: one
// thread at a time sends what is queued, and what other threads queue meanwhile goes in its next
// batch (a registration that finds commits being sent returns with its own queued; await_sent
// waits for them). Messages to one node leave in the order their changes were made (send_mutex_
// is held from change to send). Lock order: send_mutex_, then mutex_, then outbox_mutex_; hooks run
// with at most send_mutex_ held (up_nodes and the broadcasts' sends with none).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/mutex.h"
#include "cluster/system.capnp.h"
#include "runtime/pid.h"
#include "serialization/decode_limits.h"

namespace bossa {

// A watched name left the pid that held it as its watch began (GlobalNames::watch).
struct NameLeft {
  Pid watcher;
  uint64_t watch = 0;  // the id watch returned
  std::string name;
  Pid holder;  // as the watch began; the zero pid if there was none
  Pid now;     // the new holder, or the zero pid: the name is released
};

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
    // A watched name left its holder (watch); may be empty.
    std::function<void(const NameLeft& left)> left{};
  };

  GlobalNames(uint32_t self, absl::Duration claim_timeout, Hooks hooks);

  // Registers `name` for `pid` (an actor of this node); OK once the name is committed here and
  // its commit is on its way to every node up: sent by this thread, or queued behind the commits
  // another thread is sending (await_sent). AlreadyExists naming the holder if another pid has it
  // or the home reserved it for another; PermissionDenied if the home does not let this node
  // register names (its [[authorization]]); DeadlineExceeded if the home neither answered nor went
  // down in time (one that goes down is replaced by the next home); InvalidArgument for an empty
  // name or a pid of another node.
  absl::Status register_name(const std::string& name, Pid pid);
  // Returns once every commit and release queued so far has been sent to every node up. The
  // cluster calls it before each message this node sends another, so that a name registered here
  // is known there before anything sent after the registration arrives.
  void await_sent() ABSL_LOCKS_EXCLUDED(outbox_mutex_);
  // NotFound if the name is not registered.
  absl::Status unregister_name(std::string_view name);
  // Releases `name` if `pid` still holds it (its actor stopped).
  void release(const std::string& name, Pid pid);
  std::optional<Pid> whereis(std::string_view name) const;
  std::vector<std::string> names() const;

  // The holder of `name` as soon as it has one, waiting at most `timeout`; nullopt if it has none
  // by then.
  std::optional<Pid> await(std::string_view name, absl::Duration timeout) const;
  // Watches `name` for `watcher`: Hooks::left fires once with the returned id when the name
  // leaves the pid that holds it now (the holder returned), on whichever thread changed the
  // name; at once, on this thread, if it has no holder now.
  struct Watch {
    uint64_t id = 0;
    Pid holder;
  };
  Watch watch(const std::string& name, Pid watcher);
  // Ends watch `id` of `watcher`; false if it had ended (fired, or unwatched).
  bool unwatch(Pid watcher, uint64_t id);
  // Ends every watch of `watcher` (it stopped).
  void unwatch_all(Pid watcher);

  // From the cluster layer: a system payload from node `from` (untrusted), a node up or down.
  // InvalidArgument if the payload does not decode.
  absl::Status on_system(uint32_t from, std::string_view payload, const DecodeLimits& limits);
  void node_up(uint32_t node);
  void node_down(uint32_t node);

  // What a system payload from another node asks of this one, for its authorization: nothing if
  // it answers this node's own claim (a grant or a deny) or speaks of types; else the global names
  // it would claim, register or release, and the claim's id if it is a claim. InvalidArgument if it
  // does not decode.
  struct Asked {
    bool answer = false;
    std::vector<std::string> names;
    std::optional<uint64_t> claim;
  };
  static absl::StatusOr<Asked> asked(std::string_view payload, const DecodeLimits& limits);
  // Answers claim `claim` of node `from` with a deny that names no holder: its register_name
  // fails with PermissionDenied. For a claim this node does not let `from` make.
  void refuse_claim(uint32_t from, uint64_t claim);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Pid committed;  // the holder, or the zero pid
    Pid reserved;   // granted here as the home and not yet committed, or zero
    Clock::time_point reserved_until;
  };
  struct Claim {
    std::string name;
    Pid pid;
    uint32_t home = 0;  // the node asked; 0 once it went down unanswered
    bool granted = false;
    std::optional<Pid> denied_by;  // the holder a deny named
  };
  // A watch of one name (watch): who, and the holder as it began.
  struct NameWatch {
    uint64_t id = 0;
    Pid watcher;
    Pid holder;
  };
  // A commit or release for every node up, queued in the order the table changed.
  struct Broadcast {
    bool commit = false;
    std::string name;
    Pid pid;
  };
  // What a change of the table makes this node do once mutex_ is released: messages to send to
  // one node, commits and releases for every node, watches to start or end, and local actors to
  // tell they lost a name (name, loser, winner).
  struct Effects {
    std::vector<std::pair<uint32_t, std::string>> sends;
    std::vector<Broadcast> broadcasts;
    bool registration = false;  // the broadcasts hold the commit of a register_name
    std::vector<std::tuple<std::string, Pid, bool>> watches;
    std::vector<std::tuple<std::string, Pid, Pid>> lost;
    std::vector<NameLeft> left;  // watches that fire
  };

  // The pid that keeps `pid` from `name` here: its holder, or the pid of a live reservation.
  std::optional<Pid> blocker_locked(const std::string& name, Pid pid) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // One step of claim `id` (0 for a new one, then set) with `home` as this node sees it now:
  // decided here (the name is held, or this node is the home), or sent to the home (nullopt).
  std::optional<absl::Status> route_locked(uint64_t& id, const std::string& name, Pid pid,
                                           uint32_t home, Effects& effects)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // register_name but for the sending of its commit: sets `ticket` once it queues the commit.
  absl::Status claim(const std::string& name, Pid pid, uint64_t& ticket)
      ABSL_LOCKS_EXCLUDED(send_mutex_, mutex_);
  // Waits until claim `id` is answered or `deadline` passes: false if it must go to a new home.
  bool await_answer(uint64_t id, Clock::time_point deadline) ABSL_LOCKS_EXCLUDED(mutex_);
  // Ends claim `id` as its answer (or lack of one) says: commits it (and sets `ticket`), or tells
  // the home to let go.
  absl::Status finish(uint64_t id, uint64_t& ticket) ABSL_LOCKS_EXCLUDED(mutex_);
  // Applies a commit; the lower pid wins a conflict. False if `pid` lost one.
  bool commit_locked(const std::string& name, Pid pid, Effects& effects)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // `name` is held by `now` (the zero pid: released): the watches of another holder fire.
  void moved_locked(const std::string& name, Pid now, Effects& effects)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Releases `name` if `pid` holds it, and its reservation for `pid` if `reservation`.
  void release_locked(const std::string& name, Pid pid, bool reservation, Effects& effects)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // As a home: grants or denies claim `claim` of `pid` from node `from`.
  void answer_claim_locked(uint32_t from, uint64_t claim, const std::string& name, Pid pid,
                           Effects& effects) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Handles one decoded system message from node `from`.
  absl::Status apply_locked(uint32_t from, const wire::SystemMessage::Reader& message,
                            Effects& effects) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Carries out `effects`, but for the broadcasts, which it queues: flush(the ticket returned)
  // sends them, once send_mutex_ is released.
  uint64_t perform(Effects& effects) ABSL_EXCLUSIVE_LOCKS_REQUIRED(send_mutex_)
      ABSL_LOCKS_EXCLUDED(mutex_);
  // Returns once every broadcast queued up to `ticket` (0: none) has been sent to every node up:
  // by this thread, which then sends all that is queued until nothing is, or by one already
  // sending. Each batch waits up to kLinger while registrations under way may queue commits.
  void flush(uint64_t ticket) ABSL_LOCKS_EXCLUDED(send_mutex_, mutex_, outbox_mutex_);
  void flush_locked(uint64_t ticket) ABSL_EXCLUSIVE_LOCKS_REQUIRED(outbox_mutex_)
      ABSL_LOCKS_EXCLUDED(send_mutex_, mutex_);
  // The messages that carry `batch` in order: runs of commits as nameCommits lists of up to
  // kCommitsPerMessage (a lone one as nameCommit), each release as nameRelease.
  static std::vector<std::string> broadcast_messages(const std::vector<Broadcast>& batch);

  static constexpr size_t kCommitsPerMessage = 256;
  static constexpr std::chrono::milliseconds kLinger{10};

  const uint32_t self_;
  const absl::Duration claim_timeout_;
  const Hooks hooks_;

  Mutex send_mutex_;
  mutable Mutex mutex_;
  CondVar decided_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<uint64_t, Claim> claims_ ABSL_GUARDED_BY(mutex_);  // open claims by id
  uint64_t next_claim_ ABSL_GUARDED_BY(mutex_) = 1;
  // Counts node_down calls: a claim routed on a view read before one is routed again.
  uint64_t downs_ ABSL_GUARDED_BY(mutex_) = 0;
  mutable CondVar committed_;  // a name got a holder (await)
  absl::flat_hash_map<std::string, std::vector<NameWatch>> watches_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<uint64_t, std::string> watched_names_ ABSL_GUARDED_BY(mutex_);  // by id
  uint64_t next_watch_ ABSL_GUARDED_BY(mutex_) = 1;

  Mutex outbox_mutex_;
  CondVar outbox_changed_;  // queued, sent, or a registration ended
  std::vector<Broadcast> outbox_ ABSL_GUARDED_BY(outbox_mutex_);  // queued, not yet sent
  uint64_t queued_ ABSL_GUARDED_BY(outbox_mutex_) = 0;  // broadcasts queued since the start
  uint64_t sent_ ABSL_GUARDED_BY(outbox_mutex_) = 0;    // of which sent
  bool flushing_ ABSL_GUARDED_BY(outbox_mutex_) = false;
  std::atomic<bool> unsent_{false};  // sent_ < queued_, read without outbox_mutex_ (await_sent)
  // register_name calls under way that have not yet queued a commit (and may).
  int registering_ ABSL_GUARDED_BY(outbox_mutex_) = 0;
};

}  // namespace bossa
