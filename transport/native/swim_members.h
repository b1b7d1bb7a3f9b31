// SwimMembers: the member table of the membership protocol (swim.h), without its rules.
//
// One entry per node id this node knows of, other than itself: its node (id, name, endpoint),
// status, incarnation and epoch. Live entries (alive or suspect) are indexed by name, so that a
// second live node claiming a name is found at once. The table also keeps the owner's
// neighbours: on each of kRings rings (the live nodes ordered by a score of their id, a
// different one per ring) its successor and its predecessor. Being neighbours is mutual, every
// node has at least one on each ring, and a neighbour changes only when a node next to the owner
// joins or dies; so the owner probes and gossips to the same few nodes, over links that stay
// open, while every node is still probed by some (docs/cluster.md, "Membership at scale").
// Dead and left entries are tombstones, kept in the order they died until they are older than
// the owner's lifetime or more than its count. The table also keeps digests of its live
// entries: sums that do not depend on their order, one per fine bucket of ids (swim_wire.h), so
// that two nodes can tell cheaply whether and where they differ.
//
// Laid out for memory (the simulation keeps 10,000 tables of 10,000 entries, about 33 octets
// each): entries are 16 octets in a dense array, indexed by id and by name through hash sets of
// their places, a node's name and endpoint are shared with the message that brought it, and
// epochs are bounded by kSwimMaxEpoch. A pointer find() returns stays valid until the next set()
// of another id, expire_tombstones() or clear(). Thread-safety: none; the protocol's owner.
#pragma once

#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "transport/native/swim_random.h"
#include "transport/native/swim_wire.h"

namespace bossa::transport {

class SwimMembers {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Member {
    SwimNodeRef node;
    uint32_t incarnation = 0;
    uint32_t epoch : 29 = 0;
    uint32_t status_bits : 2 = 0;
    uint32_t replaced : 1 = 0;

    SwimStatus status() const { return static_cast<SwimStatus>(status_bits); }
    bool live() const { return is_live(status()); }
  };

  // The rings a node's neighbours are found on: up to 2 * kRings neighbours.
  static constexpr size_t kRings = 4;

  SwimMembers();
  SwimMembers(const SwimMembers&) = delete;
  SwimMembers& operator=(const SwimMembers&) = delete;

  const Member* find(uint32_t id) const;
  // Start bringing `id`'s entry into the cache, for a find() a little later: its place in the
  // index first, then (once that arrived) the entry.
  void prefetch(uint32_t id) const { by_id_.prefetch(Id{id}); }
  void prefetch_entry(uint32_t id) const {
    if (const Member* member = find(id)) __builtin_prefetch(member);
  }
  // The live member named `name`, or nullptr.
  const Member* live_named(std::string_view name) const;
  // A live member at `endpoint`, or nullptr (a scan: for joins only).
  const Member* live_at(std::string_view endpoint) const;
  // Who declared dead member `id` dead, and in which of its epochs (SwimUpdate::by, by_epoch);
  // {0, 0} if nobody did.
  struct Declarer {
    uint32_t by = 0;
    uint32_t by_epoch = 0;
  };
  Declarer declared_by(uint32_t id) const;

  // Makes the entry of update.node->id what `update` says (keeping the node already known, if
  // any). An entry that becomes dead or left at `now` becomes a tombstone; one that becomes live
  // must not take a name another live entry holds.
  void set(const SwimUpdate& update, TimePoint now);
  // The owner is node `self` (before its first set()).
  void set_self(uint32_t self) { self_ = self; }
  void clear();

  size_t size() const { return slots_.size(); }
  size_t live_count() const { return live_; }
  // The digests of the live entries by fine bucket (swim_wire.h); the owner adds its own.
  const std::array<uint64_t, kSwimFineBuckets>& digests() const { return digests_; }
  // What one live node adds to the digest of its fine bucket.
  static uint64_t digest_of(uint32_t id, uint32_t epoch, uint32_t incarnation);

  // The owner's neighbours in turn, one a call; nullptr when there is none.
  const Member* next_to_probe();
  // Up to `count` distinct neighbours drawn at random, none of them `except`.
  std::vector<const Member*> random_neighbours(size_t count, uint32_t except,
                                               SwimRandom& random) const;
  // Up to `count` distinct live members drawn at random, none of them `except`.
  std::vector<const Member*> random_live(size_t count, uint32_t except, SwimRandom& random) const;
  // A dead (not left) tombstone drawn at random, or nullptr.
  const Member* random_tombstone(SwimRandom& random) const;

  // Forgets tombstones older than `lifetime` at `now`, and the oldest beyond `max_count`.
  void expire_tombstones(TimePoint now, std::chrono::nanoseconds lifetime, size_t max_count);
  // When the oldest tombstone expires, or TimePoint::max() when there is none.
  TimePoint next_expiry(std::chrono::nanoseconds lifetime) const;

  // Every entry, or every entry in the fine buckets of `fine` (kSwimFineWords words).
  void for_each(absl::FunctionRef<void(const Member&)> visit) const;
  void for_each(const std::vector<uint64_t>& fine,
                absl::FunctionRef<void(const Member&)> visit) const;

 private:
  struct Tombstone {
    TimePoint since;
    uint32_t id;
    uint32_t epoch;
  };
  // A node id, as looked up among places (which are ids too: the type tells them apart).
  struct Id {
    uint32_t value;
  };
  // Hashes and compares places by their member's id, or name; an id or a name looks them up.
  struct ById {
    using is_transparent = void;
    const SwimMembers* table;
    size_t operator()(uint32_t slot) const { return (*this)(Id{table->slots_[slot].node->id}); }
    size_t operator()(Id id) const;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t slot, Id id) const { return table->slots_[slot].node->id == id.value; }
    bool operator()(Id id, uint32_t slot) const { return (*this)(slot, id); }
  };
  struct ByName {
    using is_transparent = void;
    const SwimMembers* table;
    size_t operator()(uint32_t slot) const { return (*this)(table->slots_[slot].node->name); }
    size_t operator()(std::string_view name) const;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t slot, std::string_view name) const {
      return table->slots_[slot].node->name == name;
    }
    bool operator()(std::string_view name, uint32_t slot) const { return (*this)(slot, name); }
  };

  Member* slot_of(uint32_t id);
  void swap_slots(uint32_t a, uint32_t b);
  void erase(uint32_t id);
  // Where `id` is on ring `ring`.
  static uint64_t ring_score(size_t ring, uint32_t id);
  // Takes live member `id` as a neighbour where it is nearer than the one there.
  void consider_neighbour(uint32_t id);
  // Finds the neighbours anew on the rings where `id` was one (it is no longer live).
  void replace_neighbour(uint32_t id);
  // The distinct neighbours, successors first.
  std::vector<uint32_t> neighbours() const;

  uint32_t self_ = 0;
  std::vector<Member> slots_;
  absl::flat_hash_set<uint32_t, ById, ById> by_id_;        // every place
  absl::flat_hash_set<uint32_t, ByName, ByName> by_name_;  // the live members' places
  absl::flat_hash_map<uint32_t, Declarer> declared_by_;    // dead entries only
  std::array<uint32_t, kRings> successors_{};              // 0: none
  std::array<uint32_t, kRings> predecessors_{};            // 0: none
  size_t probe_turn_ = 0;
  std::deque<Tombstone> tombstones_;
  size_t live_ = 0;
  std::array<uint64_t, kSwimFineBuckets> digests_{};
};

}  // namespace bossa::transport
