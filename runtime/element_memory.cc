#include "runtime/element_memory.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <new>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"
#include "base/spin_lock.h"

namespace bossa::element_memory {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCaching = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCaching = false;
#else
constexpr bool kCaching = true;
#endif
#else
constexpr bool kCaching = true;
#endif

constexpr std::array<size_t, 3> kClassBytes = {64, 128, kMaxCachedBytes};
// Blocks handed on through the depot at a time, and the most a thread keeps per class for its
// own allocations (as many again wait in its spill to be handed on).
constexpr uint32_t kChainBlocks = 128;
// What the depot keeps per class: 4 MiB of blocks (65536 of 64 bytes), so that the elements of a
// backlog that large (a burst from another node, decoded faster than its actor handles it) come
// back without the heap; beyond it, blocks go back to the heap. (remote_thr: 2.68 M msg/s with
// 16 chains of 64-byte blocks, 2.94 M with 128, medians of eight runs; 5.25 M with 128, 5.92 M
// with 512, medians of eight, later in the day.)
constexpr size_t kDepotBytes = size_t{4} << 20;
constexpr size_t depot_chains(size_t size_class) {
  return kDepotBytes / (kClassBytes[size_class] * kChainBlocks);
}
constexpr size_t kMostDepotChains = depot_chains(0);

size_t class_of(size_t bytes) {
  return bytes <= kClassBytes[0] ? 0 : bytes <= kClassBytes[1] ? 1 : 2;
}

// Free blocks of one class, kept as their addresses: taking one or giving one back never touches
// the block itself, whose memory the thread that freed it wrote last. (Linked through the blocks,
// every allocation waited for a cache miss to read the next one's address.)
// (No default member initializers: the depot's chains stay untouched memory until used.)
struct Chain {
  std::array<void*, kChainBlocks> blocks;
  uint32_t count;

  bool empty() const noexcept { return count == 0; }
  bool full() const noexcept { return count == kChainBlocks; }
  void push(void* block) noexcept { blocks[count++] = block; }
  void* pop() noexcept { return blocks[--count]; }
};

void free_chain(Chain& chain) noexcept {
  while (!chain.empty()) ::operator delete(chain.pop());
}

// Chains of one class on their way from threads that free to threads that allocate: full ones,
// and what a thread held as it exited.
class Depot {
 public:
  void set_capacity(size_t chains) noexcept { capacity_ = chains; }

  // False (and the chain stays the caller's) when the depot is full; else `chain` is left empty.
  bool put(Chain& chain) noexcept {
    MutexLock lock(lock_);
    if (count_ == capacity_) return false;
    chains_[count_++] = chain;
    chain.count = 0;
    held_.store(count_, std::memory_order_relaxed);
    return true;
  }
  // Moves a chain into the empty `into`; false when the depot has none. An empty depot is seen
  // without the lock: a thread that allocates faster than others free (a producer's loop) asks
  // on every allocation, and taking the lock each time cost a cache miss on its line (76 % of
  // allocate() in fanin).
  bool take(Chain& into) noexcept {
    if (held_.load(std::memory_order_relaxed) == 0) return false;
    MutexLock lock(lock_);
    if (count_ == 0) return false;
    into = chains_[--count_];
    held_.store(count_, std::memory_order_relaxed);
    return true;
  }

 private:
  SpinLock lock_;
  std::atomic<size_t> held_{0};  // count_, for take() to read without the lock
  size_t capacity_ = 0;
  // Memory the depot does not touch until it holds that many chains.
  std::array<Chain, kMostDepotChains> chains_ ABSL_GUARDED_BY(lock_);  // the first count_ in use
  size_t count_ ABSL_GUARDED_BY(lock_) = 0;
};

// Never destroyed: threads may still free blocks while the process exits.
Depot& depot(size_t size_class) {
  static Depot* const depots = [] {
    auto* made = new Depot[kClassBytes.size()];
    for (size_t c = 0; c < kClassBytes.size(); ++c) made[c].set_capacity(depot_chains(c));
    return made;
  }();
  return depots[size_class];
}

// What one thread keeps, on the heap (made when the thread first allocates or frees an element);
// its blocks go to the depot (or the heap) when the thread exits.
struct ThreadCache {
  std::array<Chain, kClassBytes.size()> local{};  // allocations come from here first
  std::array<Chain, kClassBytes.size()> spill{};  // frees beyond a full local, one chain's worth
  ~ThreadCache();
};

ThreadCache::~ThreadCache() {
  for (size_t c = 0; c < kClassBytes.size(); ++c) {
    for (Chain* chain : {&local[c], &spill[c]}) {
      if (!chain->empty() && !depot(c).put(*chain)) free_chain(*chain);
    }
  }
}

// This thread's cache, made on first use and destroyed as the thread exits; after that, later
// frees and allocations of the exiting thread use the heap.
thread_local ThreadCache* cache = nullptr;
thread_local bool cache_gone = false;
struct CacheOwner {
  ~CacheOwner() {
    cache_gone = true;
    delete cache;
    cache = nullptr;
  }
};
thread_local CacheOwner cache_owner;

ThreadCache* my_cache() {
  if (cache == nullptr && !cache_gone) {
    (void)&cache_owner;  // registers its destructor for this thread
    cache = new (std::nothrow) ThreadCache();
  }
  return cache;
}

}  // namespace

bool caching() noexcept {
  return kCaching;
}

void* allocate(size_t bytes) {
  if constexpr (!kCaching) return ::operator new(bytes);
  const size_t c = class_of(bytes);
  ThreadCache* mine = my_cache();
  if (mine == nullptr) return ::operator new(kClassBytes[c]);
  if (!mine->local[c].empty()) return mine->local[c].pop();
  if (!mine->spill[c].empty()) return mine->spill[c].pop();
  if (depot(c).take(mine->local[c])) return mine->local[c].pop();
  return ::operator new(kClassBytes[c]);
}

void release(void* block, size_t bytes) noexcept {
  if constexpr (!kCaching) {
    ::operator delete(block, bytes);
    return;
  }
  const size_t c = class_of(bytes);
  ThreadCache* mine = my_cache();
  if (mine == nullptr) {
    ::operator delete(block);
    return;
  }
  if (!mine->local[c].full()) {
    mine->local[c].push(block);
    return;
  }
  Chain& spill = mine->spill[c];
  spill.push(block);
  if (!spill.full()) return;
  if (!depot(c).put(spill)) free_chain(spill);
}

}  // namespace bossa::element_memory
