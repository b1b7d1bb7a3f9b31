// Membership: which nodes are in the cluster, as the membership protocol (swim.h) tells, and this
// node's links to them, opened on demand.
//
// The protocol's messages travel as kSwim frames on the control connection of a link to the
// endpoint they are for; its events become the TransportHandler's on_node_up, on_node_down and
// on_join_refused. A link exists while this node sends something to its endpoint: it opens for
// the first envelope or protocol message, begins on each of its connections with a kSwim
// introduction before its first envelope (so that the peer knows this node), and closes once it
// has sent nothing for kIdleLinkAfter with everything it carried acknowledged. So a node keeps
// connections to the nodes it talks to, and to the few it probes (one connection each with keys,
// the control one: native_link.h), not to every member; what closed links used goes back to the
// system (at most every 10 s).
//
// What this node sends a member is counted across the member's links (DeliveryTally on node
// down); what it receives from each member is counted too and sent back as an ack, every
// heartbeat_interval, to the members that sent it envelopes since the last. A member that leaves
// says Bye behind its last batch; its departure is reported when the Bye comes, or kLeftGrace
// after the protocol told of it. A node with no member whose seeds do not answer says so every
// kSeedWaitLogInterval.
//
// Thread-safety: send(), nodes() and data_accepted() from any thread; the rest from the receive
// thread, which alone changes the members; stop() once that thread and the flusher have ended.
// Locks: mutex_ before a link's (a sender that may wait holds a reference to the link instead).
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
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "base/mutex.h"
#include "transport/native/ack_ledger.h"
#include "transport/native/native_link.h"
#include "transport/native/native_wire.h"
#include "transport/native/swim.h"
#include "transport/transport.h"

namespace bossa::transport {

class Membership {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // Reads `config`'s seeds, listen endpoint and timing; `config` outlives it.
  explicit Membership(const TransportConfig& config);

  // This node is `self` at `endpoint`; it joins through its seeds from `now`.
  void start(const NodeIdentity& self, std::string endpoint, const LinkContext& links,
             TransportHandler& handler, TimePoint now);

  // Sends `envelope` to member `to` on `lane` (NativeLink::send, or send_control_envelope), over
  // its link, opened if it has none. Unavailable unless `to` is a member; ResourceExhausted when
  // its batch or its control queue stayed full for node_down_after.
  absl::Status send(uint32_t to, std::string_view envelope, Lane lane);
  std::vector<NodeIdentity> nodes() const;
  // The data envelopes this node accepted for member `to` since it came up (0 if `to` is not a
  // member); any thread.
  uint64_t data_accepted(uint32_t to) const;

  // What node `id`, on a connection that authenticated with `key` (empty without security), is
  // to this node: a member (its envelopes are taken), a stranger (not a member, yet), or a member
  // known by another key (the connection cannot speak for it).
  enum class Speaker { kMember, kStranger, kOtherKey };
  Speaker speaks_as(uint32_t id, std::string_view key) const;
  bool is_member(uint32_t id) const;
  // The key member `id` is known by; empty without security or if `id` is not a member.
  std::string key_of(uint32_t id) const;
  // The body of a kSwim frame from node `sender` (untrusted) on a connection that authenticated
  // with `key`, at `now`. The message must name the connection's key as its sender's.
  void on_swim(uint32_t sender, std::string_view body, std::string_view key, TimePoint now);
  // `envelopes` more received from member `id`.
  void received(uint32_t id, uint64_t envelopes);
  // Member `id`'s cumulative ack of what this node sent it.
  void on_ack(uint32_t id, uint64_t ack);
  // Member `id` said Bye: every envelope it sent came before.
  void on_bye(uint32_t id);
  // Keeps the time: the protocol's deadlines, acks, idle links, the seed log.
  void tick(TimePoint now);
  // When tick() is next due.
  TimePoint next_deadline() const;
  // The receive thread slept until `deadline`, which was then ahead, and woke at `now`.
  void woke(TimePoint deadline, TimePoint now);

  // Leaves: sends what each member's link has batched, then Bye with its ack, tells a few members
  // that this node leaves, and closes every link.
  void stop();

 private:
  struct Member {
    NodeIdentity identity;
    std::string endpoint;
    std::string key;                   // CURVE public key; empty without security
    std::shared_ptr<NativeLink> link;  // null while this node sends it nothing
    // What links closed since it came up accepted: all envelopes, and data envelopes.
    uint64_t accepted_before = 0;
    uint64_t data_before = 0;
    AckLedger ledger;
    // Receive thread only: envelopes received from it since it came up, and the ack last sent.
    uint64_t received = 0;
    uint64_t acked = 0;
    // When the protocol said it left, if it has not said Bye yet.
    std::optional<TimePoint> left_at;
  };

  // Sends what the protocol has to send, and acts on what it has to tell, since it was last asked.
  void drain(TimePoint now);
  void send_protocol_messages();
  void add(const SwimNodeRef& node);
  void drop(uint32_t id, std::string_view reason);
  // The link to `endpoint`, whose node holds `key`, opened if there is none (or the one there
  // expects another key).
  std::shared_ptr<NativeLink> link_to(const std::string& endpoint, const std::string& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Sends this node's introduction on both of a member's link's connections, once: the member
  // knows this node (in its epoch) before its first envelope, on either connection. A link that
  // carries only protocol messages needs none: each says who sent it.
  void introduce(NativeLink& link);
  // What a data send to member `to` that ended with `sent` returns.
  absl::Status status_of(uint32_t to, LinkBatcher::SendResult sent) const;
  // Member `to`'s link, opened if it has none; null if `to` is not a member.
  std::shared_ptr<NativeLink> member_link(uint32_t to);
  DeliveryTally tally(Member& member) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void send_acks();
  void drop_left(TimePoint now);
  // Closes the links idle for kIdleLinkAfter; true if it closed one.
  bool close_idle_links();
  // Gives the memory of closed links back to the system, at most every kMemoryReleasePeriod.
  void release_memory(TimePoint now);
  void log_waiting_for_seeds(TimePoint now);

  const TransportConfig& config_;
  SwimMembership swim_;

  // Constant after start().
  NodeIdentity self_;
  std::string endpoint_;  // the bound listen endpoint
  std::optional<LinkContext> link_context_;
  TransportHandler* handler_ = nullptr;

  mutable SharedMutex mutex_;
  absl::node_hash_map<uint32_t, Member> members_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, std::shared_ptr<NativeLink>> links_
      ABSL_GUARDED_BY(mutex_);  // by endpoint

  // Receive thread only.
  bool acks_owed_ = false;  // envelopes received since the last acks
  bool leaving_ = false;    // a member that left may still say Bye
  TimePoint next_acks_;
  TimePoint next_idle_check_;
  bool memory_to_release_ = false;  // links closed since the memory was last released
  TimePoint next_memory_release_;
  TimePoint alone_since_;
  TimePoint next_seed_log_;
};

}  // namespace bossa::transport
