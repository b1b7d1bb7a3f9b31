#include "transport/native/receive_loop.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/spin_wait.h"
#include "transport/envelope_batch.h"
#include "transport/node_keys.h"

namespace bossa::transport {
namespace {

using Clock = std::chrono::steady_clock;

// How many queued messages, and for how long, the loop reads before it keeps the node's time
// (heartbeats, silence): a flood of batches delays a heartbeat round by kMaxDrainTime at most.
constexpr int kMaxDrain = 10000;
constexpr auto kMaxDrainTime = std::chrono::milliseconds(10);
// How often the bindings of closed connections are forgotten (at the first tick after).
constexpr auto kSweepInterval = std::chrono::seconds(1);
// Frames held at most (frame_hold.h), of each hold: per node or connection, and octets in all.
constexpr size_t kMaxHeldFrames = 1024;
constexpr size_t kMaxHeldBytes = size_t{16} << 20;
// While frames are held, how often the loop wakes to see whether they may go (a connection that
// fell quiet or closed wakes nobody).
constexpr auto kHeldCheckInterval = std::chrono::milliseconds(50);
// The listen queue's length asked for (the socket engine's default is libzmq's, 100).
constexpr int kListenBacklog = 4096;

}  // namespace

ReceiveLoop::ReceiveLoop(socket::Context& sockets, Membership& membership,
                         std::chrono::nanoseconds quiet_limit, TrustedKeys* trusted)
    : membership_(membership),
      trusted_(trusted),
      pull_(sockets, socket::SocketType::kPull),
      senders_(quiet_limit),
      strangers_(quiet_limit, kMaxHeldFrames, kMaxHeldBytes),
      // A connection's wait: its node's old ones fall quiet within the limit once it has moved,
      // or, when one stays busy and the other is dead without a word, the ZMTP heartbeats close
      // the dead one (bind() below: a PING within the limit, then 2 x the limit without an
      // answer); a fourth limit is the margin.
      unbound_(4 * quiet_limit, kMaxHeldFrames, kMaxHeldBytes) {}

absl::StatusOr<std::string> ReceiveLoop::bind(const TransportConfig& config) {
  using socket::Option;
  // Whole milliseconds, at least one: the socket's options are milliseconds, and 0 means never.
  auto ms = [](absl::Duration d) {
    return std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1))));
  };
  for (const auto& [option, value] : {
           std::pair{Option::kMaxmsgsize, config.max_message_size},
           std::pair{Option::kMaxConnections, config.max_connections},
           std::pair{Option::kMaxHandshakes, config.max_handshakes},
           std::pair{Option::kHandshakeIvl, ms(config.handshake_timeout)},
           // Many nodes may connect at once (each answering a name claim of this node, say):
           // a connection the listen queue has no room for waits a second for its SYN to be
           // sent again. The kernel caps the length at net.core.somaxconn.
           std::pair{Option::kBacklog, int64_t{kListenBacklog}},
           // ZMTP heartbeats close a connection whose peer vanished without a word (a crashed
           // host, a lost FIN). The membership protocol, not they, tells a node down, so they
           // can be slow: every connection a node holds costs its ping and pong.
           std::pair{Option::kHeartbeatIvl, ms(config.node_down_after)},
           std::pair{Option::kHeartbeatTimeout, ms(2 * config.node_down_after)},
       }) {
    if (absl::Status status = pull_.set(option, value); !status.ok()) return status;
  }
  if (config.security == Security::kCurve) {
    // Clients are admitted by the context's authenticator (trusted_keys.h).
    for (absl::Status status : {pull_.set(Option::kCurveServer, 1),
                                pull_.set(Option::kCurveSecretkey, config.secret_key)}) {
      if (!status.ok()) return status;
    }
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
  pull_.core().notify();  // out of its sleep, to see `running` turned false
  thread_.join();
}

void ReceiveLoop::close() {
  pull_.close();
}

void ReceiveLoop::run(std::chrono::nanoseconds busy_wait) {
  socket::SocketCore& core = pull_.core();
  while (running_->load(std::memory_order_relaxed)) {
    // Read before the socket is looked at: a message (or join()) after it moves it, and the wait
    // below returns at once.
    const uint64_t seen = core.generation();
    absl::StatusOr<socket::Message> message = pull_.recv(socket::Flags::kDontwait);
    if (!message.ok() &&
        !spin_until([&] { return (message = pull_.recv(socket::Flags::kDontwait)).ok(); },
                    busy_wait)) {
      // Asleep until a message comes or the next deadline passes, and no sooner: an idle node
      // wakes for what its protocol has to do, not to look.
      Clock::time_point deadline = membership_.next_deadline();
      if (!unbound_.empty() || !strangers_.empty()) {
        deadline = std::min(deadline, Clock::now() + kHeldCheckInterval);
      }
      if (deadline == Clock::time_point::max()) {
        (void)core.wait(seen, std::nullopt);
      } else if (deadline > Clock::now()) {
        (void)core.wait(seen, deadline);
        // How late this thread runs after its deadline: a node starved of CPU learns it here.
        if (const Clock::time_point woke = Clock::now(); woke > deadline) {
          membership_.woke(deadline, woke);
        }
      }
      message = pull_.recv(socket::Flags::kDontwait);
    }
    // Whatever else has arrived is read before the time is kept (so that a handler that took a
    // while does not make every peer look silent), up to kMaxDrain messages or kMaxDrainTime.
    Clock::time_point now = Clock::now();
    const Clock::time_point drain_until = now + kMaxDrainTime;
    for (int handled = 0; message.ok(); ++handled) {
      handle(*std::move(message), now);
      now = Clock::now();
      if (handled + 1 == kMaxDrain || now >= drain_until) break;
      message = pull_.recv(socket::Flags::kDontwait);
    }
    tick(now);
  }
}

void ReceiveLoop::handle(socket::Message message, Clock::time_point now) {
  absl::StatusOr<NativeHeader> header = decode_native_header(message);
  if (!header.ok()) {
    handler_->on_rejected(
        absl::StrCat("a message that is not a native frame: ", header.status().message()));
    return;
  }
  // A connection that authenticated with another key than its node's is not heard at all.
  const std::string_view key = connection_key(message);
  const Membership::Speaker speaker = membership_.speaks_as(header->sender, key);
  if (speaker == Membership::Speaker::kOtherKey) {
    handler_->on_forged_sender(absl::StrCat("a frame of kind ", static_cast<int>(header->kind),
                                            " from node ", header->sender,
                                            " on a connection whose key is not the node's"));
    return;
  }
  // A node speaks on its own connections only (sender_binding.h). A frame its node's older
  // connections keep out waits, and the frames after it on its connection wait behind it.
  const uint64_t pipe = message.pipe_id();
  absl::Status admitted =
      !unbound_.empty() && unbound_.holds(pipe)
          ? absl::UnavailableError(absl::StrCat("frames before it on connection ", pipe, " wait"))
          : senders_.admit(header->sender, pipe, now,
                           [this](uint64_t p) { return pull_.connection_state(p); });
  if (absl::IsUnavailable(admitted)) {
    if (unbound_.hold(pipe, header->sender, message, now)) return;
    admitted =
        absl::UnavailableError(absl::StrCat(admitted.message(), " (and no more frames can wait)"));
  }
  if (!admitted.ok()) {
    handler_->on_rejected(
        absl::StrCat("a frame of kind ", static_cast<int>(header->kind), ": ", admitted.message()));
    return;
  }
  dispatch(*header, speaker, key, message, now);
}

void ReceiveLoop::dispatch(const NativeHeader& header, Membership::Speaker speaker,
                           std::string_view key, socket::Message& message, Clock::time_point now) {
  if (header.kind == NativeKind::kSwim) {
    membership_.on_swim(header.sender, message[1].view(), key, now);
    if (!strangers_.empty()) release_strangers(now);
    return;
  }
  if (speaker == Membership::Speaker::kMember) {
    take(header, message);
    return;
  }
  // An empty heartbeat opens a link's data connection: it binds it, and says nothing else.
  if (header.kind == NativeKind::kHeartbeat && message[1].size() == 0) return;
  if (strangers_.hold(header.sender, header.sender, message, now)) return;
  handler_->on_rejected(absl::StrCat("a frame of kind ", static_cast<int>(header.kind),
                                     " from node ", header.sender,
                                     ", which is not a member (and no more can wait)"));
}

std::string_view ReceiveLoop::connection_key(const socket::Message& message) {
  if (trusted_ == nullptr) return {};
  auto [it, inserted] = keys_of_pipes_.try_emplace(message.pipe_id());
  if (inserted) {
    // The authenticator's user id of a CURVE client: its key in Z85.
    absl::StatusOr<std::string> user = pull_.message_property(message, "User-Id");
    absl::StatusOr<std::string> key =
        user.ok() ? decode_z85_key(*user) : absl::StatusOr<std::string>(user.status());
    if (key.ok()) {
      it->second = *std::move(key);
    } else {
      keys_of_pipes_.erase(it);
      return {};
    }
  }
  return it->second;
}

void ReceiveLoop::take_stranger(socket::Message message) {
  // Held frames decoded before: their header reads again.
  const NativeHeader header = *decode_native_header(message);
  if (membership_.speaks_as(header.sender, connection_key(message)) !=
      Membership::Speaker::kMember) {
    handler_->on_forged_sender(absl::StrCat("a frame of kind ", static_cast<int>(header.kind),
                                            " from node ", header.sender,
                                            " on a connection whose key is not the node's"));
    return;
  }
  take(header, message);
}

void ReceiveLoop::take(const NativeHeader& header, const socket::Message& message) {
  switch (header.kind) {
    case NativeKind::kData: {
      uint64_t envelopes = 0;
      absl::Status read = for_each_in_batch(message[1].view(), [&](std::string_view envelope) {
        ++envelopes;
        handler_->on_envelope(header.sender, envelope);
      });
      membership_.received(header.sender, envelopes);
      if (!read.ok()) {
        handler_->on_rejected(
            absl::StrCat("the rest of a batch from node ", header.sender, ": ", read.message()));
      }
      handler_->on_batch_end();
      break;
    }
    case NativeKind::kControlEnvelope:
      membership_.received(header.sender, 1);
      handler_->on_envelope(header.sender, message[1].view());
      handler_->on_batch_end();
      break;
    case NativeKind::kHeartbeat:
      take_ack(header.sender, message[1].view());
      break;
    case NativeKind::kBye:
      take_ack(header.sender, message[1].view());
      membership_.on_bye(header.sender);
      break;
    default:
      break;
  }
}

void ReceiveLoop::release_held(Clock::time_point now) {
  unbound_.release(
      now,
      [&](uint64_t pipe, uint32_t sender) {
        return senders_
            .admit(sender, pipe, now, [this](uint64_t p) { return pull_.connection_state(p); })
            .ok();
      },
      // Each goes through every check again: a later frame may name another node.
      [&](socket::Message message) { handle(std::move(message), now); },
      [this](uint64_t pipe, uint32_t sender, size_t frames) {
        handler_->on_rejected(absl::StrCat(frames, " frames from node ", sender, " on connection ",
                                           pipe,
                                           ", which its older connections kept out while they "
                                           "waited"));
      });
}

void ReceiveLoop::release_strangers(Clock::time_point now) {
  strangers_.release(
      now, [this](uint64_t, uint32_t sender) { return membership_.is_member(sender); },
      [this](socket::Message message) { take_stranger(std::move(message)); },
      [this](uint64_t, uint32_t sender, size_t frames) {
        handler_->on_rejected(absl::StrCat(frames, " frames from node ", sender,
                                           ", which did not become a member while they waited"));
      });
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
  membership_.tick(now);
  if (!unbound_.empty()) release_held(now);
  if (!strangers_.empty()) release_strangers(now);
  if (trusted_ != nullptr) {
    trusted_->refresh(now, [this](std::string_view line) { handler_->on_connection_log(line); });
  }
  if (now >= next_sweep_) {
    senders_.sweep([this](uint64_t pipe) { return pull_.connection_state(pipe); });
    absl::erase_if(keys_of_pipes_, [this](const auto& entry) {
      return pull_.connection_state(entry.first) == socket::Socket::ConnectionState::kGone;
    });
    next_sweep_ = now + kSweepInterval;
  }
}

}  // namespace bossa::transport
