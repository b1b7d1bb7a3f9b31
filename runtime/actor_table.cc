#include "runtime/actor_table.h"

#include <utility>
#include <vector>

#include "runtime/actor.h"

namespace bossa {

ActorTable::Page* ActorTable::Shard::page(uint64_t number) const {
  if (newest != nullptr && number == newest_number) return newest;
  auto it = pages.find(number);
  return it == pages.end() ? nullptr : it->second.get();
}

void ActorTable::insert(uint64_t serial, ActorPtr actor) {
  const Place place = place_of(serial);
  Shard& shard = place.shard;
  std::unique_ptr<Page> emptied;  // the newest page, if it is replaced empty; freed after the lock
  MutexLock lock(shard.mutex);
  Page* page = shard.page(place.page);
  if (page == nullptr) {
    page = shard.pages.emplace(place.page, std::make_unique<Page>()).first->second.get();
    if (shard.newest == nullptr || place.page > shard.newest_number) {
      if (shard.newest != nullptr && shard.newest->live == 0) {
        auto it = shard.pages.find(shard.newest_number);
        emptied = std::move(it->second);
        shard.pages.erase(it);
      }
      shard.newest = page;
      shard.newest_number = place.page;
    }
  }
  ActorPtr& slot = page->slots[place.slot];
  if (slot == nullptr) ++page->live;
  slot = std::move(actor);
}

ActorPtr ActorTable::find(uint64_t serial) const {
  const Place place = place_of(serial);
  SharedLock lock(place.shard.mutex);
  const Page* page = place.shard.page(place.page);
  return page == nullptr ? nullptr : page->slots[place.slot];
}

void ActorTable::erase(uint64_t serial) {
  const Place place = place_of(serial);
  Shard& shard = place.shard;
  ActorPtr removed;               // released after the lock
  std::unique_ptr<Page> emptied;  // likewise
  MutexLock lock(shard.mutex);
  Page* page = shard.page(place.page);
  if (page == nullptr || page->slots[place.slot] == nullptr) return;
  removed = std::move(page->slots[place.slot]);
  if (--page->live == 0 && page != shard.newest) {
    auto it = shard.pages.find(place.page);
    emptied = std::move(it->second);
    shard.pages.erase(it);
  }
}

void ActorTable::for_each(const std::function<void(const ActorPtr&)>& f) const {
  std::vector<ActorPtr> snapshot;
  for (Shard& shard : shards_) {
    snapshot.clear();
    {
      SharedLock lock(shard.mutex);
      for (const auto& [number, page] : shard.pages) {
        for (const ActorPtr& actor : page->slots) {
          if (actor != nullptr) snapshot.push_back(actor);
        }
      }
    }
    for (const ActorPtr& actor : snapshot) f(actor);
  }
}

}  // namespace bossa
