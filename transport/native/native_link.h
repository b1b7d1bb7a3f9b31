// NativeLink: a node's connection towards one endpoint: its PUSH socket and its LinkBatcher.
//
// Data (send) goes through the batcher, whose sends and timers the link carries out: an idle
// link's sender sends on its own thread and may wait while the peer's queue is full (up to the
// room timeout); batches leave from the node's flusher thread (an io_context), which never waits.
// Control frames (Hello, heartbeat, Bye) are sent at once and are lost if the peer's queue is full.
//
// Ownership: shared (std::shared_ptr) by the node's tables and the flusher's timers; what
// LinkContext names outlives every link. Closing a link does not free it.
// Thread-safety: thread-safe. Locks: the batcher's, then socket_mutex_ (never the other way).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "base/mutex.h"
#include "transport/native/chunk_pool.h"
#include "transport/native/link_batcher.h"
#include "transport/native/native_wire.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace bossa::transport {

// What the links of one node share.
struct LinkContext {
  socket::Context& sockets;
  ChunkPool& chunk_pool;                  // the buffers of sent chunks, for new ones
  boost::asio::io_context& flusher;       // runs flushes and retries
  const std::atomic<bool>& running;       // false once the node stops
  uint32_t self_id;                       // the sender of every frame
  std::chrono::nanoseconds room_timeout;  // node_down_after
};

class NativeLink final : public LinkBatcher::Io, public std::enable_shared_from_this<NativeLink> {
 public:
  // Connects to `endpoint`; messages queue until the connection is up.
  NativeLink(const LinkContext& context, const std::string& endpoint);

  // An envelope, sent or batched (LinkBatcher::send).
  LinkBatcher::SendResult send(std::string_view envelope, absl::FunctionRef<void()> keep_link) {
    return batcher_.send(envelope, keep_link);
  }
  // LinkBatcher::flush(/*retry=*/false): what stop() sends before Bye.
  bool flush() { return batcher_.flush(/*retry=*/false); }
  // A control frame, without waiting.
  void send_control(NativeKind kind, std::string body);
  // A heartbeat, unless a sender holds the socket (busy with data, which is a heartbeat too).
  void send_heartbeat();
  // Closes the socket with `linger_ms`, drops what is batched and wakes senders waiting for room.
  void close(int linger_ms);

 private:
  // LinkBatcher::Io.
  void send_inline(std::vector<std::string> chunks) override;
  socket::Message frame(std::string chunk) override;
  absl::Status send_queued(std::deque<socket::Message>& messages) override;
  void arm_flush(std::chrono::microseconds delay) override;
  void arm_retry() override;
  bool running() const override { return context_.running.load(); }

  const LinkContext context_;
  Mutex socket_mutex_;
  socket::Socket push_ ABSL_GUARDED_BY(socket_mutex_);
  LinkBatcher batcher_;
};

}  // namespace bossa::transport
