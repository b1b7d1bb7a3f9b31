#include "transport/native/chunked_batch.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "transport/envelope_batch.h"

namespace bossa::transport {
namespace {

// The envelopes of `chunks`, read back as the receiving node reads each kData message.
std::vector<std::string> read_back(const std::vector<std::string>& chunks) {
  std::vector<std::string> envelopes;
  for (const std::string& chunk : chunks) {
    EXPECT_TRUE(for_each_in_batch(chunk, [&](std::string_view envelope) {
                  envelopes.emplace_back(envelope);
                }).ok());
  }
  return envelopes;
}

TEST(ChunkedBatch, KeepsEveryEnvelopeInOrderInChunksOfAtMostTheChunkSize) {
  ChunkedBatch batch;
  std::vector<std::string> sent;
  size_t framed_bytes = 0;
  for (int i = 0; i < 5000; ++i) {
    // Sizes that are not whole words, so that padding is counted too.
    sent.push_back(std::string(1 + i % 203, static_cast<char>('a' + i % 26)));
    batch.append(sent.back());
    framed_bytes += 8 + (sent.back().size() + 7) / 8 * 8;
  }
  EXPECT_EQ(batch.bytes(), framed_bytes);
  EXPECT_FALSE(batch.empty());

  const std::vector<std::string> chunks = batch.take();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.bytes(), 0u);
  ASSERT_GT(chunks.size(), 1u);
  size_t total = 0;
  for (const std::string& chunk : chunks) {
    EXPECT_LE(chunk.size(), ChunkedBatch::kChunkBytes);
    total += chunk.size();
  }
  EXPECT_EQ(total, framed_bytes);
  // Every chunk but the last is full: the next envelope would not have fitted.
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_GT(chunks[i].size() + 8 + 208, ChunkedBatch::kChunkBytes);
  }
  EXPECT_EQ(read_back(chunks), sent);
}

TEST(ChunkedBatch, AnEnvelopeLargerThanAChunkHasAChunkOfItsOwn) {
  ChunkedBatch batch;
  const std::string small = "before";
  const std::string large(3 * ChunkedBatch::kChunkBytes + 5, 'L');
  batch.append(small);
  batch.append(large);
  batch.append(small);
  const std::vector<std::string> chunks = batch.take();
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[1].size(), 8 + (large.size() + 7) / 8 * 8);
  EXPECT_EQ(read_back(chunks), (std::vector<std::string>{small, large, small}));
}

TEST(ChunkedBatch, StartsAgainEmptyAfterItsChunksAreTaken) {
  ChunkedBatch batch;
  EXPECT_TRUE(batch.take().empty());
  batch.append("one");
  EXPECT_EQ(read_back(batch.take()), std::vector<std::string>{"one"});
  batch.append("two");
  batch.clear();
  EXPECT_TRUE(batch.empty());
  batch.append("three");
  EXPECT_EQ(read_back(batch.take()), std::vector<std::string>{"three"});
}

}  // namespace
}  // namespace bossa::transport
