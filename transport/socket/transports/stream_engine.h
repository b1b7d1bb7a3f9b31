// StreamEngine: one ZMTP 3.1 connection over a byte stream (tcp or ipc socket), on its I/O thread.
//
// It sends the greeting, runs the mechanism handshake (NULL), checks the peer's socket type, then
// moves messages between the stream and its pipe:
//   reads  big chunks (4 KiB while idle, 64 KiB once busy), decodes every frame in them and pushes
//          whole messages into the pipe, publishing them with one flush per chunk; stops reading
//          while the pipe is at rcvhwm. The body of a large frame (32 KiB and more) is read
//          straight into its Frame, in one system call with up to 8 KiB of what follows it; reads
//          stay that small while large frames keep coming, so that each body lands in place and
//          only its first octets are copied;
//   writes everything the socket queued in one gather write: frames under 8 KiB copied into one
//          buffer (up to 64 KiB a batch), larger ones sent from the message itself (up to 1 MiB a
//          batch); a conflating sender (conflate on PUSH, PUB, DEALER) writes only the latest
//          message queued.
// A dialer's connection also serves a pipe its socket closed before any connection existed: it
// sends what is queued within the linger the dialer hands it.
// It answers PING with PONG, sends PINGs (heartbeat_ivl), closes a connection silent for
// heartbeat_timeout or past the peer's TTL, and turns SUBSCRIBE/CANCEL commands into the one-frame
// subscription messages the pub/sub protocols use (and back, for ZMTP 3.1 peers).
//
// Bad input (wrong greeting, mechanism, flags, sizes, commands) closes this connection only,
// counted in the socket's protocol_errors with a logged reason.
//
// Thread-safety: every member runs on the engine's io_context thread. Lifetime: shared_ptr, kept
// alive by its pending operations; it ends after the stream closes.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/socket_core.h"
#include "transport/socket/transports/io_waker.h"
#include "transport/socket/transports/transport.h"
#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/greeting.h"
#include "transport/socket/zmtp/mechanism.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::socket {

struct EngineConfig {
  std::shared_ptr<SocketCore> core;
  Options options;
  std::string endpoint;   // for log lines
  std::string origin;     // the dialer's endpoint; empty for accepted connections
  LinkedPipe persistent;  // empty: the engine makes its own pipe when the handshake completes
  std::function<void(bool was_established)> on_closed;  // runs once, on the I/O thread
};

// What listeners and dialers need of an engine, whatever its stream type.
class Engine : public EngineHook {
 public:
  virtual void start() = 0;
  // Closes at once unless the handshake is done (listener or dialer shutting down).
  virtual void abort_handshake() = 0;
};

template <typename Stream>
class StreamEngine final : public Engine,
                           public std::enable_shared_from_this<StreamEngine<Stream>> {
 public:
  static constexpr std::size_t kReadChunk = 64 * 1024;
  static constexpr std::size_t kIdleReadChunk = 4 * 1024;  // until a read fills it
  static constexpr std::size_t kWriteBatch = 64 * 1024;
  static constexpr std::size_t kGatherMin = 8 * 1024;
  static constexpr std::size_t kGatherBatch = 1024 * 1024;  // octets sent from messages per write
  static constexpr std::size_t kDirectMin = 32 * 1024;
  static constexpr std::size_t kTailRead = 8 * 1024;  // read into in_buf_ next to a large frame
  static constexpr std::chrono::seconds kHandshakeTimeout{30};

  StreamEngine(Stream stream, EngineConfig cfg)
      : stream_(std::move(stream)),
        cfg_(std::move(cfg)),
        decoder_(zmtp::FrameLimits{0, 64 * 1024, /*messages_allowed=*/false}),
        handshake_timer_(stream_.get_executor()),
        heartbeat_timer_(stream_.get_executor()),
        ttl_timer_(stream_.get_executor()),
        linger_timer_(stream_.get_executor()),
        conflate_out_(conflates_outbound(type(), cfg_.options)),
        in_buf_(kIdleReadChunk) {
    zmtp::Metadata own = {
        {std::string(zmtp::kPropertySocketType), std::string(socket_type_name(type()))}};
    if (!cfg_.options.routing_id.empty()) {
      own.emplace_back(std::string(zmtp::kPropertyIdentity), cfg_.options.routing_id);
    }
    mechanism_ = zmtp::make_null_mechanism(std::move(own));
  }

  void start() override {
    zmtp::append_greeting(control_, zmtp::Greeting{zmtp::kVersionMajor, zmtp::kVersionMinor,
                                                   std::string(zmtp::kMechanismNull), false});
    handshake_timer_.expires_after(kHandshakeTimeout);
    handshake_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec && self->state_ != State::kActive) {
        self->fail(absl::DeadlineExceededError("handshake not completed within 30 s"));
      }
    });
    pump_out();
    read_more();
  }

  void abort_handshake() override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->state_ != State::kActive) self->shutdown();
    });
  }

  void on_pipe_ready() override {
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

 private:
  enum class State { kGreeting, kHandshake, kActive, kClosed };
  // async_write's own completion conditions hand the stream at most 64 KiB per call, splitting a
  // large frame over two system calls (and two trips through the I/O loop); this one offers the
  // whole rest of the batch each time.
  struct WholeBatch {
    std::size_t operator()(const boost::system::error_code& ec, std::size_t) const {
      return ec ? 0 : std::numeric_limits<std::size_t>::max();
    }
  };
  struct Segment {
    const std::uint8_t* external;  // null: `offset` into out_
    std::size_t offset;
    std::size_t size;
  };

  SocketType type() const { return cfg_.core->type(); }

  // ---- reading ----

  void read_more() {
    if (reading_ || state_ == State::kClosed || blocked_) return;
    reading_ = true;
    auto self = this->shared_from_this();
    // An idle connection keeps a small buffer; the first read that fills it grows it for good.
    if (last_read_filled_ && in_buf_.size() < kReadChunk) in_buf_.resize(kReadChunk);
    // Next to a large frame, what follows it is read in small amounts: it is likely the header and
    // first octets of another large frame, whose body should land in its own Frame, not in in_buf_.
    const std::size_t room = after_large_ ? std::min(kTailRead, in_buf_.size()) : in_buf_.size();
    if (direct_) {
      // The rest of the body, and what follows it, in one system call.
      const std::array<boost::asio::mutable_buffer, 2> buffers = {
          boost::asio::buffer(direct_->data() + direct_have_, direct_->size() - direct_have_),
          boost::asio::buffer(in_buf_.data(), room)};
      stream_.async_read_some(buffers, [self](boost::system::error_code ec, std::size_t n) {
        self->on_direct_read(ec, n);
      });
      return;
    }
    stream_.async_read_some(
        boost::asio::buffer(in_buf_.data() + carry_, room - carry_),
        [self](boost::system::error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  // More of a large body arrived in place, and perhaps what follows it, into in_buf_.
  void on_direct_read(boost::system::error_code ec, std::size_t n) {
    reading_ = false;
    if (state_ == State::kClosed) return;
    if (ec) {
      shutdown();
      return;
    }
    last_recv_ = Clock::now();
    const std::size_t body = std::min(n, direct_->size() - direct_have_);
    direct_have_ += body;
    in_begin_ = 0;
    in_end_ = n - body;
    if (direct_have_ == direct_->size()) {
      partial_.push_back(std::move(*direct_));
      direct_.reset();
      if (!direct_more_) {
        deliver(std::move(partial_));
        partial_.clear();
        if (blocked_) return;  // what followed the body waits in in_buf_ for room in the pipe
      }
    }
    if (process()) read_more();
  }

  // At a frame boundary in the active state, takes the input out of the decoder's hands when
  // in_buf_ is the better place for it: a large data frame whose body is not all buffered yet is
  // read straight into its Frame from here on, and an incomplete header is kept at the front of
  // in_buf_ for the next read to complete (so that the frame it opens can still be read in place).
  // True when it did either (the input is consumed).
  bool take_over(std::string_view in) {
    if (!decoder_.at_frame_boundary()) return false;
    absl::StatusOr<zmtp::FrameHeader> h = zmtp::parse_frame_header(in, decoder_.limits());
    if (!h.ok()) return false;  // errors are reported by the decoder itself
    if (h->header_size == 0) {
      std::memmove(in_buf_.data(), in.data(), in.size());
      carry_ = in.size();
      in_begin_ = in_end_;
      return true;
    }
    if (h->command() || h->size < kDirectMin || in.size() - h->header_size >= h->size) {
      return false;
    }
    direct_.emplace(h->size);
    direct_more_ = h->more();
    direct_have_ = in.size() - h->header_size;
    std::memcpy(direct_->data(), in.data() + h->header_size, direct_have_);
    in_begin_ = in_end_;
    after_large_ = true;
    return true;
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    reading_ = false;
    if (state_ == State::kClosed) return;
    if (ec) {
      if (state_ == State::kGreeting && !greeting_in_.empty()) {
        fail(absl::InvalidArgumentError(absl::StrCat("truncated greeting: ", greeting_in_.size(),
                                                     " of 64 octets, then ", ec.message())));
      } else if (state_ == State::kHandshake) {
        fail(absl::InvalidArgumentError(
            absl::StrCat("connection ended during the handshake: ", ec.message())));
      } else {
        shutdown();
      }
      return;
    }
    last_recv_ = Clock::now();
    in_begin_ = 0;
    in_end_ = carry_ + n;
    carry_ = 0;
    last_read_filled_ = in_end_ == in_buf_.size();
    if (process()) read_more();
  }

  // Consumes buffered input; false when stopped (closed, or paused on a full pipe).
  bool process() {
    const bool had_input = in_begin_ < in_end_;
    while (in_begin_ < in_end_) {
      std::string_view in(in_buf_.data() + in_begin_, in_end_ - in_begin_);
      if (state_ == State::kGreeting) {
        const std::size_t take = std::min(zmtp::kGreetingSize - greeting_in_.size(), in.size());
        greeting_in_.append(in.substr(0, take));
        in_begin_ += take;
        if (absl::Status s = zmtp::check_greeting_prefix(greeting_in_); !s.ok()) return fail(s);
        if (greeting_in_.size() == zmtp::kGreetingSize && !on_greeting()) return false;
        continue;
      }
      if (state_ == State::kActive && take_over(in)) break;
      auto frame = decoder_.next(in);
      in_begin_ = in_end_ - in.size();
      if (!frame.ok()) return fail(frame.status());
      if (!frame->has_value()) break;
      if (!on_frame(**frame)) return false;
      if (blocked_) {
        if (link_) link_->to_socket->flush();
        return false;
      }
    }
    if (link_) link_->to_socket->flush();
    // Input that held no large frame (nor the start of one) ends the small reads.
    if (had_input && !direct_ && carry_ == 0) after_large_ = false;
    return state_ != State::kClosed;
  }

  bool on_greeting() {
    absl::StatusOr<zmtp::Greeting> g = zmtp::decode_greeting(greeting_in_);
    if (!g.ok()) return fail(g.status());
    if (g->mechanism != mechanism_->name()) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("peer uses the ", g->mechanism, " mechanism, this socket uses NULL")));
    }
    peer_v31_ = g->major > 3 || g->minor >= 1;
    state_ = State::kHandshake;
    mechanism_->start(control_);
    pump_out();
    return true;
  }

  bool on_frame(const zmtp::DecodedFrame& f) {
    if (f.header.command()) {
      absl::StatusOr<zmtp::Command> c = zmtp::parse_command(f.body);
      if (!c.ok()) return fail(c.status());
      if (state_ == State::kHandshake) {
        if (absl::Status s = mechanism_->on_command(*c, control_); !s.ok()) return fail(s);
        if (mechanism_->done()) return on_handshake_done();
        pump_out();
        return true;
      }
      return on_command(*c);
    }
    if (state_ != State::kActive) {
      return fail(absl::InvalidArgumentError("data frame before the handshake completed"));
    }
    partial_.push_back(Frame(f.body.data(), f.body.size()));
    if (!f.header.more()) {
      deliver(std::move(partial_));
      partial_.clear();
    }
    return true;
  }

  void deliver(Message&& m) {
    if (link_->to_socket->full()) {
      blocked_ = std::move(m);
      return;
    }
    link_->to_socket->push(std::move(m));
  }

  bool on_command(const zmtp::Command& c) {
    if (c.name == zmtp::kPing) {
      absl::StatusOr<zmtp::Ping> ping = zmtp::parse_ping(c.data);
      if (!ping.ok()) return fail(ping.status());
      zmtp::append_pong(control_, ping->context);
      if (ping->ttl_deciseconds > 0)
        arm_ttl(std::chrono::milliseconds(100 * ping->ttl_deciseconds));
      pump_out();
      return true;
    }
    if (c.name == zmtp::kPong) {
      absl::StatusOr<std::string_view> pong = zmtp::parse_pong(c.data);
      return pong.ok() ? true : fail(pong.status());
    }
    if (c.name == zmtp::kSubscribe || c.name == zmtp::kCancel) {
      if (type() != SocketType::kPub && type() != SocketType::kXpub) return true;
      Frame f(c.data.size() + 1);
      f.data()[0] = c.name == zmtp::kSubscribe ? zmtp::kSubscribePrefix : zmtp::kCancelPrefix;
      if (!c.data.empty()) std::memcpy(f.data() + 1, c.data.data(), c.data.size());
      deliver(Message(std::move(f)));
      return true;
    }
    if (c.name == zmtp::kError) {
      absl::StatusOr<std::string_view> reason = zmtp::parse_error(c.data);
      if (!reason.ok()) return fail(reason.status());
      cfg_.core->log(absl::StrCat("bossa socket: peer ", cfg_.endpoint,
                                  " sent ERROR: ", std::string(*reason)));
      shutdown();
      return false;
    }
    if (c.name == zmtp::kReady) {
      return fail(absl::InvalidArgumentError("READY after the handshake"));
    }
    return true;  // unknown commands are ignored
  }

  bool on_handshake_done() {
    const zmtp::Metadata& md = mechanism_->peer_metadata();
    std::optional<std::string_view> type_name = zmtp::find_property(md, zmtp::kPropertySocketType);
    if (!type_name) return fail(absl::InvalidArgumentError("peer's READY has no Socket-Type"));
    std::optional<SocketType> peer_type = zmtp::parse_socket_type(*type_name);
    if (!peer_type) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("peer's Socket-Type '", std::string(*type_name), "' is unknown")));
    }
    if (!zmtp::socket_types_compatible(type(), *peer_type)) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("a ", std::string(socket_type_name(type())), " socket cannot talk to a ",
                       std::string(*type_name), " peer")));
    }
    PeerInfo info{peer_type, {}};
    if (auto id = zmtp::find_property(md, zmtp::kPropertyIdentity)) {
      if (id->size() > zmtp::kIdentityMax) {
        return fail(absl::InvalidArgumentError("peer's Identity is longer than 255 octets"));
      }
      info.routing_id = std::string(*id);
    }
    handshake_timer_.cancel();
    const std::int64_t max = cfg_.options.maxmsgsize;
    decoder_.set_limits(zmtp::FrameLimits{max >= 0 ? static_cast<std::uint64_t>(max) : UINT64_MAX,
                                          64 * 1024, true});
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
      shutdown();
      return false;
    }
    arm_heartbeat();
    if (link_->from_socket->writer_closed()) start_linger();
    pump_out();
    return state_ == State::kActive;
  }

  // ---- writing ----

  void pump_out() {
    if (writing_ || state_ == State::kClosed) return;
    out_.clear();
    segments_.clear();
    run_start_ = 0;
    batch_bytes_ = 0;
    out_.swap(control_);
    if (state_ == State::kActive) {
      Message m;
      MessageQueue& q = *link_->from_socket;
      if (conflate_out_) {
        // Only the latest of the messages waiting goes out.
        if (q.pop(m)) {
          while (q.pop(m)) {
          }
          encode(m);
        }
      } else {
        while (out_.size() < kWriteBatch && batch_bytes_ < kGatherBatch && q.pop(m)) encode(m);
      }
      q.release_reads();
      if (out_.empty() && segments_.empty() && q.closed()) {
        shutdown();  // the socket closed and everything queued went out
        return;
      }
    }
    if (out_.size() > run_start_)
      segments_.push_back(Segment{nullptr, run_start_, out_.size() - run_start_});
    if (segments_.empty()) return;
    buffers_.clear();
    for (const Segment& s : segments_) {
      buffers_.emplace_back(s.external != nullptr
                                ? s.external
                                : reinterpret_cast<const std::uint8_t*>(out_.data()) + s.offset,
                            s.size);
    }
    writing_ = true;
    boost::asio::async_write(
        stream_, buffers_, WholeBatch{},
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
          self->on_written(ec);
        });
  }

  void encode(Message& m) {
    if (peer_v31_ && (type() == SocketType::kSub || type() == SocketType::kXsub) && m.size() == 1 &&
        !m[0].empty() &&
        (m[0].data()[0] == zmtp::kSubscribePrefix || m[0].data()[0] == zmtp::kCancelPrefix)) {
      const std::string_view topic = m[0].view().substr(1);
      if (m[0].data()[0] == zmtp::kSubscribePrefix) {
        zmtp::append_subscribe(out_, topic);
      } else {
        zmtp::append_cancel(out_, topic);
      }
      return;
    }
    bool external = false;
    const std::size_t n = m.size();
    for (std::size_t i = 0; i < n; ++i) {
      const Frame& f = m[i];
      const std::size_t at = out_.size();
      const bool big = f.size() >= kGatherMin;
      out_.resize(at + zmtp::kMaxHeaderSize + (big ? 0 : f.size()));
      auto* p = reinterpret_cast<std::uint8_t*>(out_.data() + at);
      const std::size_t h = zmtp::write_frame_header(p, f.size(), i + 1 < n ? zmtp::kFlagMore : 0);
      if (big) {
        out_.resize(at + h);
        segments_.push_back(Segment{nullptr, run_start_, out_.size() - run_start_});
        segments_.push_back(Segment{f.data(), 0, f.size()});
        run_start_ = out_.size();
        batch_bytes_ += f.size();
        external = true;
      } else {
        if (f.size() != 0) std::memcpy(p + h, f.data(), f.size());
        out_.resize(at + h + f.size());
      }
    }
    if (external) inflight_.push_back(std::move(m));
  }

  void on_written(boost::system::error_code ec) {
    writing_ = false;
    inflight_.clear();
    if (state_ == State::kClosed) return;
    if (ec) {
      shutdown();
      return;
    }
    pump_out();
  }

  // ---- timers ----

  using Clock = std::chrono::steady_clock;

  void arm_heartbeat() {
    const std::int64_t ivl = cfg_.options.heartbeat_ivl;
    if (ivl <= 0) return;
    const std::int64_t timeout =
        cfg_.options.heartbeat_timeout >= 0 ? cfg_.options.heartbeat_timeout : ivl;
    heartbeat_timer_.expires_after(
        std::chrono::milliseconds(std::max<std::int64_t>(1, std::min(ivl, timeout))));
    heartbeat_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->on_heartbeat();
    });
  }

  void on_heartbeat() {
    if (state_ != State::kActive) return;
    const auto now = Clock::now();
    const std::int64_t ivl = cfg_.options.heartbeat_ivl;
    const auto timeout = std::chrono::milliseconds(
        cfg_.options.heartbeat_timeout >= 0 ? cfg_.options.heartbeat_timeout : ivl);
    if (ping_sent_ && last_recv_ < *ping_sent_ && now - *ping_sent_ >= timeout) {
      cfg_.core->log(absl::StrCat("bossa socket: ", cfg_.endpoint,
                                  " sent nothing within heartbeat_timeout; closing"));
      shutdown();
      return;
    }
    if (!ping_sent_ || last_recv_ >= *ping_sent_ ||
        now - *ping_sent_ >= std::chrono::milliseconds(ivl)) {
      if (!ping_sent_ || last_recv_ >= *ping_sent_) ping_sent_ = now;
      const auto ttl = static_cast<std::uint16_t>(cfg_.options.heartbeat_ttl / 100);
      zmtp::append_ping(control_, ttl, {});
      pump_out();
    }
    arm_heartbeat();
  }

  void arm_ttl(std::chrono::milliseconds ttl) {
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

  void start_linger() {
    if (lingering_) return;
    lingering_ = true;
    const std::int64_t linger = link_->linger_ms.load(std::memory_order_relaxed);
    if (linger < 0) return;  // drain for as long as it takes
    if (linger == 0) {
      shutdown();
      return;
    }
    linger_timer_.expires_after(std::chrono::milliseconds(linger));
    linger_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->shutdown();
    });
  }

  // ---- closing ----

  // Closes for bad input: counted and logged. Returns false for use in `return fail(...)`.
  bool fail(const absl::Status& why) {
    if (state_ == State::kClosed) return false;
    cfg_.core->protocol_error(cfg_.endpoint, std::string(why.message()));
    shutdown();
    return false;
  }

  void shutdown() {
    if (state_ == State::kClosed) return;
    const bool was_active = state_ == State::kActive;
    state_ = State::kClosed;
    boost::system::error_code ignored;
    handshake_timer_.cancel();
    heartbeat_timer_.cancel();
    ttl_timer_.cancel();
    linger_timer_.cancel();
    stream_.close(ignored);
    partial_.clear();
    blocked_.reset();
    direct_.reset();
    if (was_active) {
      cfg_.core->disconnects.fetch_add(1, std::memory_order_relaxed);
      waker_->set_engine(nullptr);
      if (!cfg_.persistent.pipe) {
        link_->to_socket->close_writer();
        cfg_.core->post(
            PipeEvent{PipeEvent::Kind::kTerminate, pipe_id_, nullptr, {}, false, {}, 0});
      }
    }
    if (auto on_closed = std::exchange(cfg_.on_closed, nullptr)) on_closed(was_active);
  }

  Stream stream_;
  EngineConfig cfg_;
  State state_ = State::kGreeting;
  std::unique_ptr<zmtp::Mechanism> mechanism_;
  zmtp::FrameDecoder decoder_;
  bool peer_v31_ = true;
  std::string greeting_in_;

  std::shared_ptr<PipeLink> link_;
  std::shared_ptr<IoWaker> waker_;
  std::uint64_t pipe_id_ = 0;

  boost::asio::steady_timer handshake_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer ttl_timer_;
  boost::asio::steady_timer linger_timer_;
  Clock::time_point last_recv_ = Clock::now();
  std::optional<Clock::time_point> ping_sent_;
  std::chrono::milliseconds remote_ttl_{0};
  bool ttl_armed_ = false;
  bool lingering_ = false;
  const bool conflate_out_;

  std::vector<char> in_buf_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  bool reading_ = false;
  bool last_read_filled_ = false;
  std::size_t carry_ = 0;     // octets of an incomplete header kept at the front of in_buf_
  bool after_large_ = false;  // the last input held (the start of) a large frame
  Message partial_;
  std::optional<Message> blocked_;
  std::optional<Frame> direct_;  // a large body being read in place
  std::size_t direct_have_ = 0;
  bool direct_more_ = false;

  std::string control_;  // greeting and commands waiting to go out
  std::string out_;
  std::size_t run_start_ = 0;
  std::size_t batch_bytes_ = 0;  // octets of the frames the batch sends from their messages
  std::vector<Segment> segments_;
  std::vector<boost::asio::const_buffer> buffers_;
  std::vector<Message> inflight_;
  bool writing_ = false;
};

}  // namespace bossa::socket
