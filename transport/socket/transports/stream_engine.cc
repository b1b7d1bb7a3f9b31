// StreamEngine, its life: construction, the handshake, heartbeats, linger and closing; and the
// instantiations for tcp and ipc streams. See stream_engine.h.
#include "transport/socket/transports/stream_engine.h"

#include <cerrno>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/zmtp/greeting.h"
#include "transport/socket/zmtp/socket_type.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::socket {

template <typename Stream>
StreamEngine<Stream>::StreamEngine(Stream stream, EngineConfig cfg)
    : stream_(std::move(stream)),
      cfg_(std::move(cfg)),
      decoder_(zmtp::FrameLimits{0, 64 * 1024, /*messages_allowed=*/false}),
      handshake_timer_(stream_.get_executor()),
      heartbeat_timer_(stream_.get_executor()),
      ttl_timer_(stream_.get_executor()),
      linger_timer_(stream_.get_executor()),
      conflate_out_(conflates_outbound(type(), cfg_.options)),
      inbound_(cfg_.core, cfg_.origin.empty()),
      in_buf_(kIdleReadChunk) {
  zmtp::Metadata own = {
      {std::string(zmtp::kPropertySocketType), std::string(socket_type_name(type()))}};
  if (!cfg_.options.routing_id.empty()) {
    own.emplace_back(std::string(zmtp::kPropertyIdentity), cfg_.options.routing_id);
  }
  const Options& o = cfg_.options;
  zmtp::SecurityConfig security{o.as_server,       o.plain_username,  o.plain_password,
                                o.curve_publickey, o.curve_secretkey, o.curve_serverkey};
  switch (o.mechanism) {
    case Security::kNull:
      mechanism_ = zmtp::make_null_mechanism(std::move(own));
      break;
    case Security::kPlain:
      mechanism_ = zmtp::make_plain_mechanism(std::move(own), std::move(security));
      break;
    case Security::kCurve:
      mechanism_ = zmtp::make_curve_mechanism(std::move(own), std::move(security));
      break;
  }
}

template <typename Stream>
void StreamEngine<Stream>::start() {
  const bool as_server = cfg_.options.mechanism != Security::kNull && cfg_.options.as_server;
  zmtp::append_greeting(control_, zmtp::Greeting{zmtp::kVersionMajor, zmtp::kVersionMinor,
                                                 std::string(mechanism_->name()), as_server});
  if (const std::int64_t ms = cfg_.options.handshake_ivl; ms > 0) {
    handshake_timer_.expires_after(std::chrono::milliseconds(ms));
    handshake_timer_.async_wait(
        [self = this->shared_from_this(), ms](boost::system::error_code ec) {
          if (!ec && self->state_ != State::kActive) {
            self->fail_no_detail(absl::DeadlineExceededError(absl::StrCat(
                                     "handshake not completed within handshake_ivl (", ms, " ms)")),
                                 ETIMEDOUT);
          }
        });
  }
  pump_out();
  read_more();
}

template <typename Stream>
void StreamEngine<Stream>::abort_handshake() {
  boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->state_ != State::kActive) self->shutdown(/*local=*/true);
  });
}

template <typename Stream>
void StreamEngine<Stream>::on_pipe_ready() {
  if (state_ != State::kActive) return;
  if (blocked_ && !link_->to_socket->full()) {
    link_->to_socket->push(std::move(*blocked_));
    blocked_.reset();
    if (process()) read_more();
    if (state_ != State::kActive) return;
  }
  if (link_->from_socket->writer_closed()) start_linger();
  pump_out();
}

template <typename Stream>
bool StreamEngine<Stream>::on_greeting() {
  absl::StatusOr<zmtp::Greeting> g = zmtp::decode_greeting(greeting_in_);
  if (!g.ok()) return fail(g.status());
  if (g->mechanism != mechanism_->name()) {
    return fail(absl::InvalidArgumentError(absl::StrCat("peer uses the ", g->mechanism,
                                                        " mechanism, this socket uses ",
                                                        std::string(mechanism_->name()))),
                kProtocolErrorZmtpMechanismMismatch);
  }
  // The greeting's as-server flag is not checked: libzmq 4.3 sends it clear from a CURVE server
  // that connects. Each side's role comes from its own options, so two clients, or two servers,
  // fail at the first command the other did not expect.
  peer_v31_ = g->major > 3 || g->minor >= 1;
  state_ = State::kHandshake;
  mechanism_->start(control_);
  pump_out();
  return true;
}

template <typename Stream>
bool StreamEngine<Stream>::on_handshake_done() {
  const zmtp::Metadata& md = mechanism_->peer_metadata();
  std::optional<std::string_view> type_name = zmtp::find_property(md, zmtp::kPropertySocketType);
  constexpr std::uint32_t kMetadata = kProtocolErrorZmtpInvalidMetadata;
  if (!type_name) {
    return fail(absl::InvalidArgumentError("peer's READY has no Socket-Type"), kMetadata);
  }
  std::optional<SocketType> peer_type = zmtp::parse_socket_type(*type_name);
  if (!peer_type) {
    return fail(absl::InvalidArgumentError(
                    absl::StrCat("peer's Socket-Type '", std::string(*type_name), "' is unknown")),
                kMetadata);
  }
  if (!zmtp::socket_types_compatible(type(), *peer_type)) {
    return fail(absl::InvalidArgumentError(absl::StrCat("a ", std::string(socket_type_name(type())),
                                                        " socket cannot talk to a ",
                                                        std::string(*type_name), " peer")),
                kMetadata);
  }
  PeerInfo info{peer_type, {}, user_id_, peer_address()};
  if (auto id = zmtp::find_property(md, zmtp::kPropertyIdentity)) {
    if (id->size() > zmtp::kIdentityMax) {
      return fail(absl::InvalidArgumentError("peer's Identity is longer than 255 octets"),
                  kMetadata);
    }
    info.routing_id = std::string(*id);
  }
  handshake_timer_.cancel();
  inbound_.handshake_over();
  const std::int64_t max = cfg_.options.maxmsgsize;
  transforms_ = mechanism_->transforms_frames();
  if (transforms_) {
    // Every frame arrives as one box (data, or a command with the command flag inside).
    const std::uint64_t boxed =
        max >= 0 ? static_cast<std::uint64_t>(max) + mechanism_->frame_overhead() : UINT64_MAX;
    decoder_.set_limits(
        zmtp::FrameLimits{boxed, std::max<std::uint64_t>(boxed, 64 * 1024 + 64), true});
  } else {
    decoder_.set_limits(zmtp::FrameLimits{max >= 0 ? static_cast<std::uint64_t>(max) : UINT64_MAX,
                                          64 * 1024, true});
  }
  state_ = State::kActive;
  std::shared_ptr<EngineHook> me = this->shared_from_this();
  bool posted;
  if (cfg_.persistent.pipe) {
    link_ = cfg_.persistent.link;
    waker_ = cfg_.persistent.waker;
    waker_->set_engine(me);
    pipe_id_ = cfg_.persistent.pipe->id();
    posted = cfg_.core->post(
        PipeEvent{PipeEvent::Kind::kReady, pipe_id_, nullptr, std::move(info), true, {}, 0});
  } else {
    LinkedPipe made =
        make_linked_pipe(static_cast<boost::asio::io_context&>(stream_.get_executor().context()),
                         cfg_.core, cfg_.options);
    made.pipe->origin = cfg_.origin;
    link_ = made.link;
    waker_ = made.waker;
    waker_->set_engine(me);
    pipe_id_ = made.pipe->id();
    posted = cfg_.core->post(
        PipeEvent{PipeEvent::Kind::kAttach, pipe_id_, made.pipe, std::move(info), true, {}, 0});
  }
  cfg_.core->connections_established.fetch_add(1, std::memory_order_relaxed);
  // A closed socket's own connection has no one to serve; a dialer's persistent pipe may still
  // hold messages its socket left to linger, which this connection now delivers.
  if (!posted && !cfg_.persistent.pipe) {
    shutdown(/*local=*/true);
    return false;
  }
  cfg_.core->event(kEventHandshakeSucceeded, 0, cfg_.monitor_endpoint);
  if (cfg_.options.heartbeat_ivl > 0) {
    arm_heartbeat(Clock::now() + std::chrono::milliseconds(cfg_.options.heartbeat_ivl));
  }
  if (link_->from_socket->writer_closed()) start_linger();
  pump_out();
  return state_ == State::kActive;
}

template <typename Stream>
std::string StreamEngine<Stream>::peer_address() {
  if constexpr (std::is_same_v<Stream, TcpStream>) {
    boost::system::error_code ec;
    auto ep = stream_.remote_endpoint(ec);
    if (!ec) return unmapped(ep.address()).to_string();
  }
  return {};
}

template <typename Stream>
void StreamEngine<Stream>::start_auth(zmtp::AuthRequest request) {
  ZapRequest zap{cfg_.options.zap_domain, peer_address(), cfg_.options.routing_id,
                 std::move(request)};
  // A weak reference: a connection closed while its request waits is not kept alive by it.
  std::weak_ptr<StreamEngine> weak = this->shared_from_this();
  cfg_.core->context().authenticate(
      std::move(zap), [weak, executor = stream_.get_executor()](zmtp::AuthReply reply) {
        boost::asio::post(executor, [weak, reply = std::move(reply)] {
          if (auto self = weak.lock()) self->on_auth_reply(reply);
        });
      });
}

template <typename Stream>
void StreamEngine<Stream>::on_auth_reply(const zmtp::AuthReply& reply) {
  if (state_ != State::kHandshake || refused_) return;
  user_id_ = reply.user_id;
  if (absl::Status s = mechanism_->on_auth_reply(reply, control_); !s.ok()) {
    refuse(s, zap_status_of(reply.status_code));
    return;
  }
  if (mechanism_->done()) {
    on_handshake_done();
    return;
  }
  pump_out();
}

template <typename Stream>
bool StreamEngine<Stream>::refuse(const absl::Status& why, std::uint32_t zap_status) {
  if (state_ == State::kClosed || refused_) return false;
  handshake_failed(kEventHandshakeFailedAuth, zap_status);
  cfg_.core->auth_refusals.fetch_add(1, std::memory_order_relaxed);
  cfg_.core->protocol_error(cfg_.endpoint, std::string(why.message()));
  if (control_.empty() && !writing_) {
    shutdown();
    return false;
  }
  refused_ = true;
  pump_out();
  return false;
}

template <typename Stream>
void StreamEngine<Stream>::arm_heartbeat(Clock::time_point at) {
  heartbeat_timer_.expires_at(at);
  heartbeat_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_heartbeat();
  });
}

// A PING goes out once the peer has been silent for heartbeat_ivl, and again every
// min(ivl, timeout) while it stays silent; it closes the connection when nothing came within
// heartbeat_timeout of the first unanswered one. A peer heard from within ivl is known to be
// alive: unless it was promised traffic (heartbeat_ttl), it is not pinged, so a busy connection
// carries no heartbeats and neither end wakes for them.
template <typename Stream>
void StreamEngine<Stream>::on_heartbeat() {
  if (state_ != State::kActive) return;
  const auto now = Clock::now();
  const auto ivl = std::chrono::milliseconds(cfg_.options.heartbeat_ivl);
  const auto timeout =
      std::chrono::milliseconds(cfg_.options.heartbeat_timeout >= 0 ? cfg_.options.heartbeat_timeout
                                                                    : cfg_.options.heartbeat_ivl);
  const auto period = std::max(std::chrono::milliseconds(1), std::min(ivl, timeout));
  const bool answered = !ping_sent_ || last_recv_ >= *ping_sent_;
  if (!answered && now - *ping_sent_ >= timeout) {
    cfg_.core->log(absl::StrCat("bossa socket: ", cfg_.endpoint,
                                " sent nothing within heartbeat_timeout; closing"));
    shutdown();
    return;
  }
  if (answered && cfg_.options.heartbeat_ttl == 0 && now - last_recv_ < ivl) {
    ping_sent_.reset();
    arm_heartbeat(last_recv_ + ivl);
    return;
  }
  if (answered || now - *ping_sent_ >= ivl) {
    if (answered) ping_sent_ = now;
    const auto ttl = static_cast<std::uint16_t>(cfg_.options.heartbeat_ttl / 100);
    const std::size_t at = control_.size();
    zmtp::append_ping(control_, ttl, {});
    if (transforms_ && !seal_control(at)) return;
    pump_out();
  }
  arm_heartbeat(now + period);
}

template <typename Stream>
void StreamEngine<Stream>::arm_ttl(std::chrono::milliseconds ttl) {
  remote_ttl_ = ttl;
  if (ttl_armed_) return;
  ttl_armed_ = true;
  ttl_timer_.expires_at(last_recv_ + ttl);
  ttl_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    self->ttl_armed_ = false;
    if (ec || self->state_ != State::kActive) return;
    if (Clock::now() - self->last_recv_ >= self->remote_ttl_) {
      self->cfg_.core->log(absl::StrCat("bossa socket: ", self->cfg_.endpoint,
                                        " went silent past its heartbeat TTL; closing"));
      self->shutdown();
      return;
    }
    self->arm_ttl(self->remote_ttl_);
  });
}

template <typename Stream>
void StreamEngine<Stream>::start_linger() {
  if (lingering_) return;
  lingering_ = true;
  const std::int64_t linger = link_->linger_ms.load(std::memory_order_relaxed);
  if (linger < 0) return;  // drain for as long as it takes
  if (linger == 0) {
    shutdown(/*local=*/true);
    return;
  }
  linger_timer_.expires_after(std::chrono::milliseconds(linger));
  linger_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->shutdown(/*local=*/true);
  });
}

template <typename Stream>
void StreamEngine<Stream>::handshake_failed(std::uint32_t event, std::uint32_t value) {
  if (state_ == State::kActive || state_ == State::kClosed || handshake_reported_) return;
  handshake_reported_ = true;
  cfg_.core->event(event, value, cfg_.monitor_endpoint);
}

template <typename Stream>
bool StreamEngine<Stream>::fail(const absl::Status& why, std::uint32_t protocol_error) {
  if (state_ == State::kClosed) return false;
  handshake_failed(kEventHandshakeFailedProtocol, protocol_error);
  cfg_.core->protocol_error(cfg_.endpoint, std::string(why.message()));
  shutdown();
  return false;
}

template <typename Stream>
bool StreamEngine<Stream>::fail_no_detail(const absl::Status& why, int error) {
  if (state_ == State::kClosed) return false;
  handshake_failed(kEventHandshakeFailedNoDetail, static_cast<std::uint32_t>(error));
  cfg_.core->protocol_error(cfg_.endpoint, std::string(why.message()));
  shutdown();
  return false;
}

template <typename Stream>
void StreamEngine<Stream>::shutdown(bool local) {
  if (state_ == State::kClosed) return;
  const bool was_active = state_ == State::kActive;
  state_ = State::kClosed;
  boost::system::error_code ignored;
  handshake_timer_.cancel();
  heartbeat_timer_.cancel();
  ttl_timer_.cancel();
  linger_timer_.cancel();
  const auto handle = stream_.is_open() ? stream_.native_handle() : -1;
  stream_.close(ignored);
  if (!local)
    cfg_.core->event(kEventDisconnected, static_cast<std::uint64_t>(handle), cfg_.monitor_endpoint);
  inbound_.closed();
  partial_.clear();
  // A whole message read while the pipe was full, which no one will take now.
  if (blocked_) cfg_.core->drop(DropReason::kPipeClosed);
  blocked_.reset();
  direct_.reset();
  if (was_active) {
    cfg_.core->disconnects.fetch_add(1, std::memory_order_relaxed);
    waker_->set_engine(nullptr);
    if (!cfg_.persistent.pipe) {
      link_->to_socket->close_writer();
      if (const std::uint64_t n = link_->finish_side()) cfg_.core->drop(DropReason::kPipeClosed, n);
      cfg_.core->post(PipeEvent{PipeEvent::Kind::kTerminate, pipe_id_, nullptr, {}, false, {}, 0});
    }
  }
  if (auto on_closed = std::exchange(cfg_.on_closed, nullptr)) on_closed(was_active, local);
}

boost::asio::ip::address unmapped(const boost::asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::uint32_t protocol_error_of(const absl::Status& status) {
  const std::string_view m(status.message().data(), status.message().size());
  auto has = [m](std::string_view part) { return m.find(part) != std::string_view::npos; };
  if (has("unexpected")) return kProtocolErrorZmtpUnexpectedCommand;
  if (has("metadata")) return kProtocolErrorZmtpInvalidMetadata;
  for (std::string_view crypto : {"does not open", "weak", "vouch", "cookie", "nonce"}) {
    if (has(crypto)) return kProtocolErrorZmtpCryptographic;
  }
  return kProtocolErrorZmtpMalformedCommand;
}

std::uint32_t zap_status_of(std::string_view reason) {
  const std::size_t at = reason.find("refused: ");
  if (at != std::string_view::npos) reason.remove_prefix(at + 9);
  if (reason.size() < 3 || reason[0] < '3' || reason[0] > '5' || reason[1] != '0' ||
      reason[2] != '0' || (reason.size() > 3 && reason[3] != ' ')) {
    return 0;
  }
  return static_cast<std::uint32_t>(reason[0] - '0') * 100;
}

int errno_of(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::eof) return EPIPE;
  if (ec.category() == boost::system::system_category()) return ec.value();
  return EIO;
}

template class StreamEngine<TcpStream>;
template class StreamEngine<IpcStream>;

}  // namespace bossa::socket
