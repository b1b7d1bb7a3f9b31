#include "transport/native/chunk_pool.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "transport/native/chunked_batch.h"

namespace bossa::transport {
namespace {

std::string full_chunk(char fill) {
  std::string chunk;
  chunk.reserve(ChunkPool::kKeptCapacity);
  chunk.assign(1000, fill);
  return chunk;
}

TEST(ChunkPool, ASentChunksBufferComesBackForTheNextChunk) {
  ChunkPool pool;
  std::string chunk = full_chunk('a');
  const char* buffer = chunk.data();
  std::optional<socket::Frame> frame = pool.frame_of(std::move(chunk));
  EXPECT_EQ(frame->view(), std::string(1000, 'a'));  // the octets, not a copy of them
  EXPECT_EQ(reinterpret_cast<const char*>(frame->data()), buffer);
  socket::Frame shared = *frame;  // a copy shares the buffer: it comes back with the last one
  frame.reset();
  EXPECT_EQ(pool.kept(), 0u);
  shared = socket::Frame();
  EXPECT_EQ(pool.kept(), 1u);

  std::string again = pool.take();
  EXPECT_TRUE(again.empty());
  EXPECT_GE(again.capacity(), ChunkPool::kKeptCapacity);
  EXPECT_EQ(again.data(), buffer);
  EXPECT_EQ(pool.kept(), 0u);
  EXPECT_EQ(pool.take().capacity(), std::string().capacity());  // none left: a new string
}

TEST(ChunkPool, KeepsAtMostItsLimitAndNoBufferOfAnotherSize) {
  ChunkPool pool;
  std::vector<socket::Frame> frames;
  for (size_t i = 0; i < ChunkPool::kMaxKept + 10; ++i)
    frames.push_back(pool.frame_of(full_chunk('b')));
  frames.push_back(pool.frame_of(std::string(100, 'c')));                           // too small
  frames.push_back(pool.frame_of(std::string(4 * ChunkPool::kKeptCapacity, 'd')));  // too large
  frames.clear();
  EXPECT_EQ(pool.kept(), ChunkPool::kMaxKept);
}

TEST(ChunkPool, ReleasedBuffersAreGoneAndTheNextOnesComeBackAgain) {
  ChunkPool pool;
  for (char fill : {'a', 'b', 'c'}) pool.frame_of(full_chunk(fill));
  EXPECT_EQ(pool.kept(), 3u);
  pool.release();
  EXPECT_EQ(pool.kept(), 0u);
  EXPECT_EQ(pool.take().capacity(), std::string().capacity());
  pool.frame_of(full_chunk('d'));
  EXPECT_EQ(pool.kept(), 1u);
}

TEST(ChunkPool, AFrameMayOutliveItsPool) {
  std::optional<socket::Frame> frame;
  {
    ChunkPool pool;
    frame = pool.frame_of(full_chunk('e'));
  }
  EXPECT_EQ(frame->view(), std::string(1000, 'e'));
  frame.reset();  // gives the buffer back to a pool nobody holds any more: freed with it
}

TEST(ChunkPool, ABatchFillsKeptBuffers) {
  ChunkPool pool;
  std::string chunk = full_chunk('f');
  const char* buffer = chunk.data();
  (void)pool.frame_of(std::move(chunk));  // sent and dropped at once
  ChunkedBatch batch(&pool);
  batch.append("an envelope");
  std::vector<std::string> chunks = batch.take();
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].data(), buffer);
}

}  // namespace
}  // namespace bossa::transport
