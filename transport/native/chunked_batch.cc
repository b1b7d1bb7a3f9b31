#include "transport/native/chunked_batch.h"

#include <utility>

#include "transport/envelope_batch.h"

namespace bossa::transport {

void ChunkedBatch::append(std::string_view envelope) {
  // The length prefix and the padding to a whole word.
  const size_t framed = 8 + (envelope.size() + 7) / 8 * 8;
  if (chunks_.empty() || chunks_.back().size() + framed > kChunkBytes) {
    // A kept buffer, or one sized for this envelope alone: an idle link sends batches of one.
    std::string& chunk = chunks_.emplace_back(pool_ != nullptr ? pool_->take() : std::string());
    if (chunk.capacity() < framed) chunk.reserve(framed);
  } else if (chunks_.back().capacity() < kChunkBytes) {
    chunks_.back().reserve(kChunkBytes);  // a second envelope: the link is streaming
  }
  const size_t before = chunks_.back().size();
  append_to_batch(chunks_.back(), envelope);
  bytes_ += chunks_.back().size() - before;
}

std::vector<std::string> ChunkedBatch::take() {
  bytes_ = 0;
  return std::exchange(chunks_, {});
}

}  // namespace bossa::transport
