// NativeLink: a node's link towards one endpoint: two PUSH connections (data and control) to the
// peer's PULL socket, and the data connection's LinkBatcher.
//
// The control connection opens with the link. With keys (security "curve") the data connection
// opens with the first frame it carries, so that a link that carries only the membership
// protocol's messages (to a member probed now and then) costs one connection, not two; without,
// it opens with the link, so that no other process can take its place (sender_binding.h). Data
// (send) goes through the batcher, whose sends and timers the link carries out: an idle link's
// sender sends on its own thread and may wait while the peer's queue is full (up to the room
// timeout); batches leave from the node's flusher thread (an io_context), which never waits. The
// control connection carries the membership protocol's messages, acks and control envelopes
// (Lane::kControl); the peer's PULL socket reads its connections in turn, so a control frame never
// waits behind the data connection's backlog. Protocol messages and acks are sent at once: one that
// finds the control queue full is not queued (the peer has not read the frames before it; the
// protocol and the next ack say the same again). A control envelope that finds it full waits up to
// the room timeout, then is refused (ResourceExhausted). The link counts the envelopes it accepted
// on both connections, for its member's tally (membership.h).
//
// Ownership: shared (std::shared_ptr) by the node's tables and the flusher's timers; what
// LinkContext names outlives every link. Closing a link does not free it.
// Thread-safety: thread-safe. Locks: control_mutex_, then the batcher's, then socket_mutex_
// (never the other way); control_mutex_ is never held while waiting.
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
  // Octets of every message the links' sockets accepted (both frames of each, data and control
  // alike: batches, Hellos, heartbeats, Bye); the transport's bytes_sent().
  std::atomic<uint64_t>& bytes_sent;
  // This node's CURVE key pair (32 octets each), with which each link's connections
  // authenticate; empty when links run without security.
  std::string_view public_key;
  std::string_view secret_key;
};

class NativeLink final : public LinkBatcher::Io, public std::enable_shared_from_this<NativeLink> {
 public:
  // Connects to `endpoint`, whose node proves it holds the secret key of `server_key` (CURVE;
  // unused when the context has no key pair); messages queue until the connection is up.
  NativeLink(const LinkContext& context, const std::string& endpoint, std::string server_key);

  const std::string& server_key() const { return server_key_; }

  // An envelope, sent or batched (LinkBatcher::send).
  LinkBatcher::SendResult send(std::string_view envelope, absl::FunctionRef<void()> keep_link) {
    mark_used();
    return batcher_.send(envelope, keep_link);
  }
  // LinkBatcher::flush(/*retry=*/false): what stop() sends before Bye.
  bool flush() { return batcher_.flush(/*retry=*/false); }
  // A control frame (a protocol message, an ack) on the control connection, without waiting.
  void send_control(NativeKind kind, std::string body);
  // A frame on the data connection, without waiting: the introduction before any batch, Bye
  // after the last one.
  void send_on_data(NativeKind kind, std::string body);
  // A control envelope (kControlEnvelope) on the control connection: waits up to the room
  // timeout while the control queue is full, then ResourceExhausted. Unavailable once the link is
  // closed.
  absl::Status send_control_envelope(std::string_view envelope);
  // The data envelopes the link accepted.
  uint64_t data_accepted() { return batcher_.accepted(); }
  // The envelopes the link accepted on both connections; final once it is closed.
  uint64_t accepted();
  // How many times in a row this was asked while the link carried nothing since the last time;
  // one caller (the idle check).
  int quiet_checks();
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  // True the first time only: the caller then sends the link's introduction.
  bool begin_introduction() { return !introduced_.exchange(true, std::memory_order_acq_rel); }
  // Closes both sockets with `linger_ms`, drops what is batched and wakes senders waiting for room.
  void close(int linger_ms);
  // Closes as close(0) does if the link accepted exactly `accepted` envelopes, none of them still
  // batched or on its way: nothing is lost. False, and the link goes on, otherwise.
  bool close_if_accepted(uint64_t accepted);

 private:
  // LinkBatcher::Io.
  void send_inline(std::vector<std::string> chunks) override;
  socket::Message frame(std::string chunk) override;
  absl::Status send_queued(std::deque<socket::Message>& messages) override;
  void arm_flush(std::chrono::microseconds delay) override;
  void arm_retry() override;
  bool running() const override { return context_.running.load(); }
  void mark_used() {
    if (!used_.load(std::memory_order_relaxed)) used_.store(true, std::memory_order_relaxed);
  }
  // Connects the data connection if it is not yet, and sends its first frame.
  void connect_data() ABSL_EXCLUSIVE_LOCKS_REQUIRED(socket_mutex_);
  // Socket::send of `message` on `socket` (which keeps the message unless it accepts it) that
  // counts the octets of an accepted one in LinkContext::bytes_sent.
  absl::Status send_counted(socket::Socket& socket, socket::Message&& message, socket::Flags flags);

  // Sets this node's keys and `server_key_` on `socket`, if the context has a key pair.
  void secure(socket::Socket& socket);

  const LinkContext context_;
  const std::string server_key_;
  const std::string endpoint_;
  Mutex socket_mutex_;
  socket::Socket push_ ABSL_GUARDED_BY(socket_mutex_);
  bool data_connected_ ABSL_GUARDED_BY(socket_mutex_) = false;
  LinkBatcher batcher_;
  Mutex control_mutex_;
  socket::Socket control_ ABSL_GUARDED_BY(control_mutex_);
  bool control_closed_ ABSL_GUARDED_BY(control_mutex_) = false;
  uint64_t control_accepted_ ABSL_GUARDED_BY(control_mutex_) = 0;
  std::atomic<bool> closed_{false};
  std::atomic<bool> introduced_{false};
  std::atomic<bool> used_{false};  // since the last quiet_checks()
  int quiet_checks_ = 0;           // the idle check's
};

}  // namespace bossa::transport
