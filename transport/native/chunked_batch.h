// A link's batch of envelopes as chunks of at most kChunkBytes each (but for an envelope larger
// than that, which has a chunk of its own), each of which travels as one kData message.
//
// A batch grows by starting a new chunk instead of moving what it holds into a larger buffer.
// Chunks of this size come from the allocator's free lists and go back to them; one buffer per
// batch, of up to megabytes under load, was mapped and unmapped by the allocator instead, which
// cost a page fault for every 4 KiB written on the sending node and again on the receiving one.
//
// Thread-safety: none; its LinkBatcher's lock guards it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "transport/native/chunk_pool.h"

namespace bossa::transport {

class ChunkedBatch {
 public:
  // Takes new chunks' buffers from `pool` when one is given (and it outlives the batch).
  explicit ChunkedBatch(ChunkPool* pool = nullptr) : pool_(pool) {}

  static constexpr size_t kChunkBytes = 64 * 1024;

  // Appends one envelope in envelope_batch.h's framing.
  void append(std::string_view envelope);
  bool empty() const { return bytes_ == 0; }
  // Octets over all chunks.
  size_t bytes() const { return bytes_; }
  // The chunks, oldest first, leaving the batch empty.
  std::vector<std::string> take();
  void clear() { (void)take(); }

 private:
  ChunkPool* pool_;
  std::vector<std::string> chunks_;
  size_t bytes_ = 0;
};

}  // namespace bossa::transport
