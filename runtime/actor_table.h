// ActorTable: the node's process table, from a pid's serial to the live actor.
//
// The table holds one reference to each registered actor, dropped by erase(). Lookups return a new
// reference, so the actor outlives the caller's use of it even if it stops meanwhile. The table is
// split into shards by serial, each with its own reader/writer lock, so that concurrent sends to
// different actors do not contend.
//
// A shard keeps its actors in pages of kPageSlots slots, one slot per serial of the shard, found
// by page number. The runtime hands serials out in increasing order and never reuses them, so a
// spawn writes the slot next to the previous spawn's in the shard's newest page (no probe into a
// large hash table, no rehash); a page goes when its last actor does, unless it is the newest.
// Memory: 8 bytes a slot, so about 9 bytes an actor while actors of similar age live together;
// one lone survivor keeps its whole page (about 300 bytes). Any serial works, in any order.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "base/mutex.h"
#include "boost/smart_ptr/intrusive_ptr.hpp"

namespace bossa {

class Actor;
using ActorPtr = boost::intrusive_ptr<Actor>;

class ActorTable {
 public:
  ActorTable() = default;
  ActorTable(const ActorTable&) = delete;
  ActorTable& operator=(const ActorTable&) = delete;

  // Registers `actor` under `serial`, replacing what was there.
  void insert(uint64_t serial, ActorPtr actor);
  // Null if no live actor has this serial.
  ActorPtr find(uint64_t serial) const;
  void erase(uint64_t serial);
  // Calls f for a snapshot of the live actors (taken shard by shard).
  void for_each(const std::function<void(const ActorPtr&)>& f) const;

 private:
  static constexpr size_t kShards = 64;
  static constexpr size_t kPageSlots = 32;

  struct Page {
    std::array<ActorPtr, kPageSlots> slots;
    size_t live = 0;  // slots in use
  };

  struct alignas(64) Shard {
    SharedMutex mutex;
    // By page number; holds `newest` too.
    absl::flat_hash_map<uint64_t, std::unique_ptr<Page>> pages ABSL_GUARDED_BY(mutex);
    // The page of the highest page number so far, where spawns write; kept while empty.
    Page* newest ABSL_GUARDED_BY(mutex) = nullptr;
    uint64_t newest_number ABSL_GUARDED_BY(mutex) = 0;

    Page* page(uint64_t number) const ABSL_SHARED_LOCKS_REQUIRED(mutex);
  };

  // Where a serial lives: serials serial % kShards, + kShards, + 2 kShards ... share a shard and
  // take its slots in turn.
  struct Place {
    Shard& shard;
    uint64_t page;
    size_t slot;
  };
  Place place_of(uint64_t serial) const {
    const uint64_t index = serial / kShards;
    return {shards_[serial % kShards], index / kPageSlots, index % kPageSlots};
  }

  mutable std::array<Shard, kShards> shards_;
};

}  // namespace bossa
