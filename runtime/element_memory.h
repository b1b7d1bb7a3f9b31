// element_memory: the memory of small mailbox elements, recycled between threads.
//
// A message is usually allocated by one thread and freed by another (the worker that ran its
// receiver). Each thread keeps a few blocks of each size class and hands the surplus on in chains
// through a shared, bounded depot, from which a thread that runs out takes a whole chain: one lock
// per chain instead of the heap's work per element (docs/architecture.md, "Pids and messages").
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
