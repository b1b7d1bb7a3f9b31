// ActorTable: the node's process table, from a pid's serial to the live actor.
//
// The table holds one reference to each registered actor, dropped by erase(). Lookups return a new
// reference, so the actor outlives the caller's use of it even if it stops meanwhile. The table is
// split into shards, each with its own reader/writer lock, so that concurrent sends to different
// actors do not contend.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

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

  void insert(uint64_t serial, ActorPtr actor);
  // Null if no live actor has this serial.
  ActorPtr find(uint64_t serial) const;
  void erase(uint64_t serial);
  // Calls f for a snapshot of the live actors (taken shard by shard).
  void for_each(const std::function<void(const ActorPtr&)>& f) const;

 private:
  static constexpr size_t kShards = 64;

  struct Shard {
    SharedMutex mutex;
    absl::flat_hash_map<uint64_t, ActorPtr> actors ABSL_GUARDED_BY(mutex);
  };

  Shard& shard_of(uint64_t serial) const { return shards_[serial % kShards]; }

  mutable std::array<Shard, kShards> shards_;
};

}  // namespace bossa
