// element_memory: blocks are usable and distinct, travel between threads, and come back to other
// threads through the depot once the thread that freed them exits.
#include "runtime/element_memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <unordered_set>
#include <vector>

namespace bossa {
namespace {

constexpr size_t kElementBytes = 56;  // a header and a 64-bit payload

TEST(ElementMemory, BlocksAreAlignedDistinctAndWritableInEverySizeClass) {
  for (size_t bytes : {size_t{1}, size_t{64}, size_t{65}, size_t{128}, size_t{200},
                       element_memory::kMaxCachedBytes}) {
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; ++i) {
      void* block = element_memory::allocate(bytes);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(block) % alignof(std::max_align_t), 0u);
      std::memset(block, i & 0xff, bytes);
      blocks.push_back(block);
    }
    EXPECT_EQ(std::unordered_set<void*>(blocks.begin(), blocks.end()).size(), blocks.size());
    for (size_t i = 0; i < blocks.size(); ++i) {
      const auto* bytes_of = static_cast<const unsigned char*>(blocks[i]);
      ASSERT_TRUE(
          std::all_of(bytes_of, bytes_of + bytes, [i](unsigned char b) { return b == (i & 0xff); }))
          << "block " << i << " of " << bytes << " bytes was overwritten";
      element_memory::release(blocks[i], bytes);
    }
  }
}

TEST(ElementMemory, BlocksFreedByOneThreadServeAnotherAfterItExits) {
  std::vector<void*> allocated;
  std::thread producer([&] {
    for (int i = 0; i < 2000; ++i) allocated.push_back(element_memory::allocate(kElementBytes));
  });
  producer.join();
  std::thread consumer([&] {
    for (void* block : allocated) element_memory::release(block, kElementBytes);
  });
  consumer.join();  // its cache goes to the depot as it exits
  std::vector<void*> again;
  std::thread next([&] {
    for (int i = 0; i < 100; ++i) again.push_back(element_memory::allocate(kElementBytes));
  });
  next.join();
  const std::unordered_set<void*> freed(allocated.begin(), allocated.end());
  const size_t reused =
      std::count_if(again.begin(), again.end(), [&](void* block) { return freed.contains(block); });
  // All recycled, unless AddressSanitizer is on: it must see every block come from the heap.
  if (element_memory::caching()) {
    EXPECT_EQ(reused, again.size());
  }
  for (void* block : again) element_memory::release(block, kElementBytes);
}

TEST(ElementMemory, ThreadsThatAllocateAndThreadsThatFreeKeepEveryBlockIntact) {
  // Four producers hand blocks carrying their number to four consumers, which check and free them.
  constexpr int kPairs = 4;
  constexpr int kBlocksEach = 50000;
  std::vector<std::vector<uint64_t*>> handed(kPairs);
  std::vector<std::thread> threads;
  for (int p = 0; p < kPairs; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kBlocksEach; ++i) {
        auto* block = static_cast<uint64_t*>(element_memory::allocate(kElementBytes));
        block[0] = static_cast<uint64_t>(p) << 32 | static_cast<uint64_t>(i);
        handed[p].push_back(block);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  threads.clear();
  for (int p = 0; p < kPairs; ++p) {
    threads.emplace_back([&, p] {
      // Each consumer frees another producer's blocks, and allocates some of its own meanwhile.
      const std::vector<uint64_t*>& blocks = handed[(p + 1) % kPairs];
      std::vector<void*> own;
      for (int i = 0; i < kBlocksEach; ++i) {
        EXPECT_EQ(blocks[i][0], static_cast<uint64_t>((p + 1) % kPairs) << 32 | i);
        element_memory::release(blocks[i], kElementBytes);
        if (i % 3 == 0) own.push_back(element_memory::allocate(kElementBytes));
      }
      for (void* block : own) element_memory::release(block, kElementBytes);
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace
}  // namespace bossa
