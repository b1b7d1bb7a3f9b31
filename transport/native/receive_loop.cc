#include "transport/native/receive_loop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/spin_wait.h"
#include "transport/envelope_batch.h"

namespace bossa::transport {
namespace {

using Clock = std::chrono::steady_clock;

// How many queued messages, and for how long, the loop reads before it keeps the node's time
// (heartbeats, silence): a flood of batches delays a heartbeat round by kMaxDrainTime at most.
constexpr int kMaxDrain = 10000;
constexpr auto kMaxDrainTime = std::chrono::milliseconds(10);
// How often the bindings of closed connections are forgotten.
constexpr auto kSweepInterval = std::chrono::seconds(1);

}  // namespace

ReceiveLoop::ReceiveLoop(socket::Context& sockets, Membership& membership, Liveness& liveness)
    : membership_(membership), liveness_(liveness), pull_(sockets, socket::SocketType::kPull) {}

absl::StatusOr<std::string> ReceiveLoop::bind(const TransportConfig& config) {
  using socket::Option;
  // Whole milliseconds, at least one: the socket's options are milliseconds, and 0 means never.
  auto ms = [](absl::Duration d) {
    return std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1))));
  };
  for (const auto& [option, value] : {
           std::pair{Option::kRcvtimeo, int64_t{50}},
           std::pair{Option::kMaxmsgsize, config.max_message_size},
           std::pair{Option::kMaxConnections, config.max_connections},
           std::pair{Option::kMaxHandshakes, config.max_handshakes},
           std::pair{Option::kHandshakeIvl, ms(config.handshake_timeout)},
           // ZMTP heartbeats close a connection whose peer vanished without a word (a crashed
           // host, a lost FIN), so that the node's next connection may speak for it.
           std::pair{Option::kHeartbeatIvl, ms(config.heartbeat_interval)},
           std::pair{Option::kHeartbeatTimeout, ms(config.node_down_after)},
       }) {
    if (absl::Status status = pull_.set(option, value); !status.ok()) return status;
  }
  if (absl::Status status = pull_.bind(config.listen); !status.ok()) return status;
  return pull_.last_endpoint();
}

void ReceiveLoop::start(TransportHandler& handler, absl::Duration busy_wait,
                        const std::atomic<bool>& running) {
  handler_ = &handler;
  running_ = &running;
  thread_ = std::thread([this, wait = absl::ToChronoNanoseconds(busy_wait)] { run(wait); });
}

void ReceiveLoop::join() {
  thread_.join();
}

void ReceiveLoop::close() {
  pull_.close();
}

void ReceiveLoop::run(std::chrono::nanoseconds busy_wait) {
  while (running_->load(std::memory_order_relaxed)) {
    absl::StatusOr<socket::Message> message = pull_.recv(socket::Flags::kDontwait);
    if (!message.ok() &&
        !spin_until([&] { return (message = pull_.recv(socket::Flags::kDontwait)).ok(); },
                    busy_wait)) {
      message = pull_.recv();
    }
    // Whatever else has arrived is read before silence is judged (so that a handler that took a
    // while does not make every peer look silent), up to kMaxDrain messages or kMaxDrainTime.
    const Clock::time_point drain_until = Clock::now() + kMaxDrainTime;
    for (int handled = 0; message.ok(); ++handled) {
      handle(*std::move(message));
      if (handled + 1 == kMaxDrain || Clock::now() >= drain_until) break;
      message = pull_.recv(socket::Flags::kDontwait);
    }
    tick(Clock::now());
  }
}

void ReceiveLoop::handle(socket::Message message) {
  absl::StatusOr<NativeHeader> header = decode_native_header(message);
  if (!header.ok()) {
    handler_->on_rejected(
        absl::StrCat("a message that is not a native frame: ", header.status().message()));
    return;
  }
  // A node speaks on one connection; another one claiming its id is refused.
  if (absl::Status admitted =
          senders_.admit(header->sender, message.pipe_id(),
                         [this](uint64_t pipe) { return pull_.connection_state(pipe); });
      !admitted.ok()) {
    handler_->on_rejected(
        absl::StrCat("a frame of kind ", static_cast<int>(header->kind), ": ", admitted.message()));
    return;
  }
  switch (header->kind) {
    case NativeKind::kHello:
    case NativeKind::kHelloReply:
      membership_.on_hello(*header, message[1].view(), header->kind == NativeKind::kHello);
      return;
    default:
      break;
  }
  // Liveness watches exactly the members. A peer declared down that still speaks is told so.
  const Clock::time_point now = Clock::now();
  if (!liveness_.heard(header->sender, now)) {
    if (membership_.on_stranger(header->sender, now)) return;
    handler_->on_rejected(absl::StrCat("a frame of kind ", static_cast<int>(header->kind),
                                       " from node ", header->sender, ", which is not a member"));
    return;
  }
  switch (header->kind) {
    case NativeKind::kData: {
      uint64_t envelopes = 0;
      absl::Status read = for_each_in_batch(message[1].view(), [&](std::string_view envelope) {
        ++envelopes;
        handler_->on_envelope(header->sender, envelope);
      });
      liveness_.received(header->sender, envelopes);
      if (!read.ok()) {
        handler_->on_rejected(
            absl::StrCat("the rest of a batch from node ", header->sender, ": ", read.message()));
      }
      handler_->on_batch_end();
      break;
    }
    case NativeKind::kControlEnvelope:
      liveness_.received(header->sender, 1);
      handler_->on_envelope(header->sender, message[1].view());
      handler_->on_batch_end();
      break;
    case NativeKind::kHeartbeat:
      take_ack(header->sender, message[1].view());
      break;
    case NativeKind::kBye:
      take_ack(header->sender, message[1].view());
      membership_.drop(header->sender, Membership::DropCause::kLeft, "left");
      break;
    default:
      break;
  }
}

void ReceiveLoop::take_ack(uint32_t sender, std::string_view body) {
  absl::StatusOr<std::optional<uint64_t>> ack = decode_ack(body);
  if (!ack.ok()) {
    handler_->on_rejected(
        absl::StrCat("a heartbeat or Bye from node ", sender, ": ", ack.status().message()));
  } else if (ack->has_value()) {
    membership_.on_ack(sender, **ack);
  }
}

void ReceiveLoop::tick(Clock::time_point now) {
  if (std::optional<Liveness::Round> round = liveness_.round(now)) {
    membership_.send_heartbeats(round->alive);
    for (uint32_t id : round->silent) {
      membership_.drop(id, Membership::DropCause::kDeclaredDown, liveness_.silence_reason());
    }
  }
  membership_.greet(now);
  if (now >= next_sweep_) {
    senders_.sweep([this](uint64_t pipe) { return pull_.connection_state(pipe); });
    next_sweep_ = now + kSweepInterval;
  }
}

}  // namespace bossa::transport
