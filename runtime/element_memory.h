// element_memory: the memory of small mailbox elements, recycled between threads.
//
// A message is usually allocated by one thread (a sender, or a transport thread decoding what
// arrived from another node) and freed by another (the worker that ran its receiver). The C
// library's per-thread caches keep a handful of blocks, on the freeing side, so the allocating
// thread keeps going to the shared heap. Here each thread keeps up to kChainBlocks blocks of each
// size class, and a thread that frees more than that hands them on in chains of kChainBlocks
// through a shared depot, from which a thread that runs out takes a whole chain: one lock per
// kChainBlocks elements instead of the heap's work per element. Chains hold the blocks'
// addresses, so that moving a block in or out never reads the block (which another core wrote). The
// depot holds at most 4 MiB of blocks per class; beyond that, blocks go back to the heap. A
// thread's blocks go to the depot when it exits.
//
// Sizes up to kMaxCachedBytes with the default new alignment are cached; larger or over-aligned
// elements use operator new directly (mailbox_element.h decides). Under AddressSanitizer nothing is
// cached, so that a use after free is still caught.
//
// Thread-safety: both functions from any thread; a block may be freed by another thread than the
// one that allocated it.
#pragma once

#include <cstddef>

namespace bossa::element_memory {

inline constexpr size_t kMaxCachedBytes = 256;

// A block of at least `bytes` (1 to kMaxCachedBytes), aligned for any fundamental type.
void* allocate(size_t bytes);
// Gives back a block from allocate(bytes), with the same `bytes`.
void release(void* block, size_t bytes) noexcept;
// Whether blocks are recycled (false under AddressSanitizer).
bool caching() noexcept;

}  // namespace bossa::element_memory
