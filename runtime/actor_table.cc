#include "runtime/actor_table.h"

#include <vector>

#include "runtime/actor.h"

namespace bossa {

void ActorTable::insert(uint64_t serial, ActorPtr actor) {
  Shard& shard = shard_of(serial);
  MutexLock lock(shard.mutex);
  shard.actors.insert_or_assign(serial, std::move(actor));
}

ActorPtr ActorTable::find(uint64_t serial) const {
  Shard& shard = shard_of(serial);
  SharedLock lock(shard.mutex);
  auto it = shard.actors.find(serial);
  return it == shard.actors.end() ? nullptr : it->second;
}

void ActorTable::erase(uint64_t serial) {
  ActorPtr removed;  // released after the lock
  Shard& shard = shard_of(serial);
  MutexLock lock(shard.mutex);
  auto it = shard.actors.find(serial);
  if (it == shard.actors.end()) return;
  removed = std::move(it->second);
  shard.actors.erase(it);
}

void ActorTable::for_each(const std::function<void(const ActorPtr&)>& f) const {
  for (Shard& shard : shards_) {
    std::vector<ActorPtr> snapshot;
    {
      SharedLock lock(shard.mutex);
      snapshot.reserve(shard.actors.size());
      for (const auto& [serial, actor] : shard.actors) snapshot.push_back(actor);
    }
    for (const ActorPtr& actor : snapshot) f(actor);
  }
}

}  // namespace bossa
