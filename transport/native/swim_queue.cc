#include "transport/native/swim_queue.h"

#include <utility>

namespace bossa::transport {

bool SwimQueue::current(const Entry& entry, size_t sent) const {
  auto it = queued_.find(entry.id);
  return it != queued_.end() && it->second.seq == entry.seq && it->second.sent == sent;
}

void SwimQueue::push(uint32_t id) {
  const uint32_t seq = ++next_seq_;
  queued_[id] = Queued{seq, 0};
  if (by_sent_.empty()) by_sent_.resize(1);
  by_sent_[0].entries.push_back(Entry{id, seq});
  ++entries_;
  if (queued_.size() > capacity_) evict_one();
  if (entries_ > 2 * queued_.size() + 64) compact();
}

void SwimQueue::take(size_t max, uint32_t limit, std::vector<uint32_t>& out) {
  const size_t first = out.size();
  moved_.clear();  // what goes to its next bucket once every bucket was looked at
  for (size_t sent = 0; sent < by_sent_.size() && out.size() - first < max; ++sent) {
    Bucket& bucket = by_sent_[sent];
    while (out.size() - first < max && bucket.entries.size() > bucket.head) {
      const Entry entry = bucket.entries.back();
      bucket.entries.pop_back();
      --entries_;
      auto it = queued_.find(entry.id);
      if (it == queued_.end() || it->second.seq != entry.seq || it->second.sent != sent) continue;
      out.push_back(entry.id);
      if (++it->second.sent >= limit) {
        queued_.erase(it);
      } else {
        moved_.push_back(entry);
      }
    }
    if (bucket.head >= bucket.entries.size()) release(bucket);
  }
  // The oldest first, so that the newest is at the back of its next bucket too.
  for (size_t i = moved_.size(); i-- > 0;) move_on(moved_[i], queued_.at(moved_[i].id).sent);
  if (queued_.empty()) clear();
}

void SwimQueue::heard(uint32_t id, uint32_t limit) {
  auto it = queued_.find(id);
  if (it == queued_.end()) return;
  if (++it->second.sent >= limit) {
    queued_.erase(it);
    if (queued_.empty()) clear();
    return;
  }
  move_on(Entry{id, it->second.seq}, it->second.sent);
}

// Puts `entry` in the bucket of those sent `sent` times (the entry left behind is stale).
void SwimQueue::move_on(const Entry& entry, uint32_t sent) {
  if (by_sent_.size() <= sent) by_sent_.resize(sent + 1);
  by_sent_[sent].entries.push_back(entry);
  ++entries_;
  if (entries_ > 2 * queued_.size() + 64) compact();
}

void SwimQueue::evict_one() {
  for (size_t sent = by_sent_.size(); sent-- > 0;) {
    Bucket& bucket = by_sent_[sent];
    while (bucket.head < bucket.entries.size()) {
      const Entry entry = bucket.entries[bucket.head++];
      --entries_;
      if (current(entry, sent)) {
        queued_.erase(entry.id);
        return;
      }
    }
    release(bucket);
  }
}

// An empty bucket gives its memory back: after a burst, thousands of idle queues would hold it.
void SwimQueue::release(Bucket& bucket) {
  std::vector<Entry>().swap(bucket.entries);
  bucket.head = 0;
}

void SwimQueue::compact() {
  entries_ = 0;
  for (size_t sent = 0; sent < by_sent_.size(); ++sent) {
    Bucket& bucket = by_sent_[sent];
    std::vector<Entry> kept;
    for (size_t i = bucket.head; i < bucket.entries.size(); ++i) {
      if (current(bucket.entries[i], sent)) kept.push_back(bucket.entries[i]);
    }
    bucket.entries = std::move(kept);
    bucket.head = 0;
    entries_ += bucket.entries.size();
  }
}

// Gives the memory back too (see release()).
void SwimQueue::clear() {
  queued_ = {};
  by_sent_ = {};
  entries_ = 0;
}

}  // namespace bossa::transport
