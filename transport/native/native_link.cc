#include "transport/native/native_link.h"

#include <thread>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"

namespace bossa::transport {
namespace {

using socket::Option;

// Socket messages (batches) queued towards one peer before the flusher waits for room.
constexpr int kSendQueueLimit = 1000;
// Control frames queued towards one peer before a control envelope waits for room.
constexpr int kControlQueueLimit = 10000;
// How long a control envelope that found the control queue full sleeps before it tries again.
constexpr auto kControlRetryStep = std::chrono::milliseconds(1);
// How long an inline sender holds a link's socket at a time while its queue is full.
constexpr int kFlushStepMs = 100;

}  // namespace

NativeLink::NativeLink(const LinkContext& context, const std::string& endpoint,
                       std::string server_key)
    : context_(context),
      server_key_(std::move(server_key)),
      endpoint_(endpoint),
      push_(context.sockets, socket::SocketType::kPush),
      batcher_(*this, LinkBatcher::Clock::steady(), &context.chunk_pool, context.room_timeout),
      control_(context.sockets, socket::SocketType::kPush) {
  {
    MutexLock lock(socket_mutex_);
    (void)push_.set(Option::kSndhwm, kSendQueueLimit);
    (void)push_.set(Option::kSndtimeo, kFlushStepMs);
    (void)push_.set(Option::kReconnectIvl, 100);
    (void)push_.set(Option::kReconnectIvlMax, 1000);
    secure(push_);
    // Without keys a link's connections cannot prove they are its node's, so the data connection
    // opens and speaks at once, taking the node's second place before another process could
    // (sender_binding.h). With keys only the node's own connections can take it: the data
    // connection opens with the first frame it carries.
    if (context_.secret_key.empty()) connect_data();
  }
  MutexLock lock(control_mutex_);
  (void)control_.set(Option::kSndhwm, kControlQueueLimit);
  (void)control_.set(Option::kReconnectIvl, 100);
  (void)control_.set(Option::kReconnectIvlMax, 1000);
  secure(control_);
  (void)control_.connect(endpoint);
}

void NativeLink::secure(socket::Socket& socket) {
  if (context_.secret_key.empty()) return;
  // Keys the config checked: a refusal here would be a bug, and the handshake would fail loudly.
  (void)socket.set(Option::kCurveServerkey, server_key_);
  (void)socket.set(Option::kCurvePublickey, context_.public_key);
  (void)socket.set(Option::kCurveSecretkey, context_.secret_key);
}

void NativeLink::send_control(NativeKind kind, std::string body) {
  mark_used();
  MutexLock lock(control_mutex_);
  (void)send_counted(control_, native_message(kind, context_.self_id, std::move(body)),
                     socket::Flags::kDontwait);
}

void NativeLink::send_on_data(NativeKind kind, std::string body) {
  MutexLock lock(socket_mutex_);
  connect_data();
  (void)send_counted(push_, native_message(kind, context_.self_id, std::move(body)),
                     socket::Flags::kDontwait);
}

void NativeLink::connect_data() {
  if (data_connected_) return;
  data_connected_ = true;
  (void)push_.connect(endpoint_);
  // It speaks at once, so that it is bound to this node (sender_binding.h) before any other
  // connection could claim the node's id.
  (void)send_counted(push_, native_message(NativeKind::kHeartbeat, context_.self_id, {}),
                     socket::Flags::kDontwait);
}

absl::Status NativeLink::send_control_envelope(std::string_view envelope) {
  mark_used();
  // The lock is let go between tries, so that heartbeats and other control senders go on.
  const auto give_up = std::chrono::steady_clock::now() + context_.room_timeout;
  socket::Message message =
      native_message(NativeKind::kControlEnvelope, context_.self_id, std::string(envelope));
  for (;;) {
    {
      MutexLock lock(control_mutex_);
      if (control_closed_) return absl::UnavailableError("the link is closed");
      absl::Status sent = send_counted(control_, std::move(message), socket::Flags::kDontwait);
      if (sent.ok()) {
        ++control_accepted_;
        return sent;
      }
      if (!absl::IsUnavailable(sent)) return sent;
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      return absl::ResourceExhaustedError(
          "the control queue towards the peer stayed full for the room timeout");
    }
    std::this_thread::sleep_for(kControlRetryStep);
  }
}

uint64_t NativeLink::accepted() {
  uint64_t control;
  {
    MutexLock lock(control_mutex_);
    control = control_accepted_;
  }
  return batcher_.accepted() + control;
}

absl::Status NativeLink::send_counted(socket::Socket& socket, socket::Message&& message,
                                      socket::Flags flags) {
  const uint64_t octets = message.bytes();
  absl::Status sent = socket.send(std::move(message), flags);
  if (sent.ok()) context_.bytes_sent.fetch_add(octets, std::memory_order_relaxed);
  return sent;
}

int NativeLink::quiet_checks() {
  if (used_.exchange(false, std::memory_order_relaxed)) {
    quiet_checks_ = 0;
  } else {
    ++quiet_checks_;
  }
  return quiet_checks_;
}

bool NativeLink::close_if_accepted(uint64_t accepted) {
  {
    MutexLock lock(control_mutex_);
    if (control_closed_ || accepted < control_accepted_ ||
        !batcher_.close_if_accepted(accepted - control_accepted_)) {
      return false;
    }
    control_closed_ = true;
    closed_.store(true, std::memory_order_release);
    (void)control_.set(Option::kLinger, 0);
    control_.close();
  }
  MutexLock lock(socket_mutex_);
  (void)push_.set(Option::kLinger, 0);
  push_.close();
  return true;
}

void NativeLink::close(int linger_ms) {
  closed_.store(true, std::memory_order_release);
  {
    MutexLock lock(control_mutex_);
    control_closed_ = true;
    (void)control_.set(Option::kLinger, linger_ms);
    control_.close();
  }
  {
    MutexLock lock(socket_mutex_);
    (void)push_.set(Option::kLinger, linger_ms);
    push_.close();
  }
  batcher_.close();
}

void NativeLink::send_inline(std::vector<std::string> chunks) {
  // While the socket's queue is full this waits, in short steps that let the receive thread use
  // or close the link, up to the room timeout; senders meanwhile wait for room in the next batch.
  // A link closed meanwhile refuses, and the rest of the batch is lost with it.
  MutexLock lock(socket_mutex_);
  connect_data();
  const auto give_up = std::chrono::steady_clock::now() + context_.room_timeout;
  for (std::string& chunk : chunks) {
    socket::Message message = frame(std::move(chunk));
    for (;;) {
      absl::Status sent = send_counted(push_, std::move(message), socket::Flags::kNone);
      if (sent.ok()) break;
      if (!absl::IsDeadlineExceeded(sent) || std::chrono::steady_clock::now() >= give_up) return;
      lock.unlock();
      lock.lock();
    }
  }
}

socket::Message NativeLink::frame(std::string chunk) {
  return native_message_around(NativeKind::kData, context_.self_id,
                               context_.chunk_pool.frame_of(std::move(chunk)));
}

absl::Status NativeLink::send_queued(std::deque<socket::Message>& messages) {
  absl::Status sent;
  MutexLock lock(socket_mutex_);
  connect_data();
  while (!messages.empty()) {
    sent = send_counted(push_, std::move(messages.front()), socket::Flags::kDontwait);
    if (!sent.ok()) break;
    messages.pop_front();
  }
  return sent;
}

void NativeLink::arm_flush(std::chrono::microseconds delay) {
  std::shared_ptr<NativeLink> self = shared_from_this();
  if (delay == std::chrono::microseconds::zero()) {
    boost::asio::post(context_.flusher, [self] { (void)self->batcher_.flush(/*retry=*/false); });
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(context_.flusher, delay);
  timer->async_wait([self, timer](const boost::system::error_code&) {
    (void)self->batcher_.flush(/*retry=*/false);
  });
}

void NativeLink::arm_retry() {
  auto timer =
      std::make_shared<boost::asio::steady_timer>(context_.flusher, LinkBatcher::kStalledRetry);
  timer->async_wait([self = shared_from_this(), timer](const boost::system::error_code&) {
    (void)self->batcher_.flush(/*retry=*/true);
  });
}

}  // namespace bossa::transport
