// SwimQueue: which members' news a node still has to pass on, and how often it already did.
//
// The membership protocol (swim.h) spreads news by piggybacking it on the messages it sends
// anyway, as SWIM does (section 4.1, "infection-style dissemination"). The queue holds member
// ids, not messages: what goes out is that member's state when it goes out, so newer news about
// a member replaces older news and starts its count again. Each message takes the ids sent the
// fewest times so far, the most recently queued first among equals; an id sent `limit` times
// leaves the queue. Past `capacity` ids, the one sent the most times (the oldest among those)
// is dropped: the periodic exchange of whole states covers what the queue gives up.
//
// Thread-safety: none; the protocol's owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace bossa::transport {

class SwimQueue {
 public:
  explicit SwimQueue(size_t capacity) : capacity_(capacity) {}

  // Queues member `id` as news not sent yet (again, if it was queued).
  void push(uint32_t id);
  // Appends to `out` up to `max` ids to send now, each counted as sent once, and removes those
  // sent `limit` times.
  void take(size_t max, uint32_t limit, std::vector<uint32_t>& out);
  // Another node sent this node the same news about `id`: it spreads without this node's help,
  // so it counts as sent once more (Demers et al.'s rumor mongering with feedback).
  void heard(uint32_t id, uint32_t limit);
  void clear();

  size_t size() const { return queued_.size(); }
  bool empty() const { return queued_.empty(); }

 private:
  struct Entry {
    uint32_t id;
    uint32_t seq;  // current while it matches queued_[id].seq and its bucket queued_[id].sent
  };
  struct Queued {
    uint32_t seq;
    uint32_t sent;
  };
  // Ids sent the same number of times: the newest at the back, the oldest from `head` on.
  struct Bucket {
    std::vector<Entry> entries;
    size_t head = 0;
  };

  bool current(const Entry& entry, size_t sent) const;
  void move_on(const Entry& entry, uint32_t sent);
  void evict_one();
  static void release(Bucket& bucket);
  void compact();

  const size_t capacity_;
  absl::flat_hash_map<uint32_t, Queued> queued_;
  std::vector<Bucket> by_sent_;  // index: times sent
  size_t entries_ = 0;           // in every bucket, stale ones included
  uint32_t next_seq_ = 0;
  std::vector<Entry> moved_;  // take()'s
};

}  // namespace bossa::transport
