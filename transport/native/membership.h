// Membership: which nodes are in the cluster, and this node's links to them.
//
// Nodes meet through Hellos (a node, its endpoint and the members it knows): a starting node
// greets each seed, a node answers a Hello with its own and greets the members it learns of, so
// the cluster is a full mesh. A node name is one node's: a Hello under the name of a member that
// is running is refused, with a reply that names both. A Hello from a new run of a member (same
// name or endpoint, the old run silent) drops the old run first ("restarted"). Seeds that are not
// members are greeted every kSeedHelloPeriod (a node that has none logs so, every
// kSeedWaitLogInterval), and so, for kRegreetDeclaredDownFor, are peers this node declared down.
// Failure knowledge is symmetric: a peer declared down is told so (in the Hellos that greet it,
// and in answer to any frame it still sends) and drops this node before the two meet again, so
// both see the other go down and come up. Every join and drop goes to Liveness and to the
// TransportHandler (on_node_up, on_node_down).
//
// Links are kept by endpoint (at most kMaxLinks) until stop(); a dropped member's is closed.
// Thread-safety: send() and nodes() from any thread; the rest from the receive thread, which
// alone changes the members; stop() once that thread and the flusher have ended. Locks: mutex_
// before a link's (a sender that may wait holds a reference to the link instead).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "base/mutex.h"
#include "transport/native/liveness.h"
#include "transport/native/native_link.h"
#include "transport/native/native_wire.h"
#include "transport/transport.h"

namespace bossa::transport {

class Membership {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Reads `config`'s seeds and listen endpoint; `config` and `liveness` outlive it.
  Membership(const TransportConfig& config, Liveness& liveness);

  // This node is `self` at `endpoint`; seeds are first greeted at `now`.
  void start(const NodeIdentity& self, std::string endpoint, const LinkContext& links,
             TransportHandler& handler, TimePoint now);

  // Sends `envelope` over member `to`'s link on `lane` (NativeLink::send, or
  // send_control_envelope). Unavailable unless `to` is a member; ResourceExhausted when its batch
  // or its control queue stayed full for node_down_after.
  absl::Status send(uint32_t to, std::string_view envelope, Lane lane);
  std::vector<NodeIdentity> nodes() const;

  // A Hello (`answer`: one that wants a HelloReply) or a HelloReply from `header.sender`.
  void on_hello(const NativeHeader& header, std::string_view body, bool answer);
  // Member `id`'s cumulative ack of what this node sent it (NativeLink::on_ack).
  void on_ack(uint32_t id, uint64_t ack);
  // The data envelopes the link to member `to` accepted (0 if `to` is not a member); any thread.
  uint64_t data_accepted(uint32_t to) const;
  // A frame from node `id`, which is not a member, arrived at `now`. True if it is a peer this
  // node declared down: it is reminded (a Hello saying so, at most once a heartbeat_interval), and
  // the frame is no error.
  bool on_stranger(uint32_t id, TimePoint now);
  // Why a member is dropped: it left (Bye), a new run replaced it, or anything else (it went
  // silent, its queue stuck, it declared this node down): then it is declared down here.
  enum class DropCause { kLeft, kReplaced, kDeclaredDown };
  // Drops member `id`, if it is one, closes its link and reports it down with its link's tally.
  void drop(uint32_t id, DropCause cause, std::string_view reason);
  // Sends each member of `ids` a heartbeat with its ack (Liveness::received_from) on its control
  // connection; drops, instead, one whose
  // control queue stayed full for node_down_after (NativeLink::stuck).
  void send_heartbeats(const std::vector<uint32_t>& ids);
  // Greets the seeds and former members that are not members, when that is due.
  void greet(TimePoint now);

  // Sends what each member's link has batched, then Bye with its ack, and closes every link.
  void stop();

 private:
  struct Member {
    NativeMember member;
    std::shared_ptr<NativeLink> link;
  };

  // A peer this node declared down: greeted until `until`, with `episode` in the Hellos.
  struct DeclaredDown {
    std::string endpoint;
    uint64_t episode;
    TimePoint until;
    TimePoint next_reminder;  // a frame from it before then is not answered with a Hello
  };

  // This node's Hello to node `to` (0: to an endpoint whose node is not known): itself, its
  // members, and the notice if it declared `to` down.
  NativeHello hello_to(uint32_t to) const;
  void send_hello(uint32_t to, const std::string& endpoint);
  // Acts on the notice in `hello`, if it tells that its sender declared this node down.
  void take_notice(const NativeHello& hello);
  // The running member, other than `member`, that has `member`'s name.
  std::optional<NativeMember> running_namesake(const NativeMember& member, TimePoint now) const;
  // Drops members that `member` replaces: an earlier run of it (same name or same endpoint).
  void drop_replaced(const NativeMember& member);
  void add(const NativeMember& member);
  bool has_member_at(const std::string& endpoint) const;
  // The link to `endpoint`, connected on first use.
  std::shared_ptr<NativeLink> link_to(const std::string& endpoint);

  const TransportConfig& config_;
  Liveness& liveness_;

  // Constant after start().
  NodeIdentity self_;
  std::string endpoint_;  // the bound listen endpoint
  std::optional<LinkContext> link_context_;
  TransportHandler* handler_ = nullptr;

  mutable SharedMutex mutex_;
  absl::flat_hash_map<uint32_t, Member> members_ ABSL_GUARDED_BY(mutex_);

  // Receive thread only.
  absl::flat_hash_map<std::string, std::shared_ptr<NativeLink>> links_;  // by endpoint
  absl::flat_hash_map<uint32_t, DeclaredDown> declared_down_;            // by node id
  uint64_t next_episode_ = 1;
  // Per peer, the last of its notices (downEpisode) that this node acted on; at most
  // 2 * kMaxLinks, those of peers neither members nor declared down forgotten first.
  absl::flat_hash_map<uint32_t, uint64_t> notices_taken_;
  TimePoint next_greeting_;
  TimePoint alone_since_;  // when this node last had no member and began to wait for its seeds
  TimePoint next_seed_log_;
};

}  // namespace bossa::transport
