// StreamEngine: one ZMTP 3.1 connection over a byte stream (tcp or ipc socket), on its I/O thread.
//
// It sends the greeting, runs the mechanism handshake (NULL) and checks the peer's socket type,
// then moves whole messages between the stream and its pipe: it reads big chunks and decodes every
// frame in them (large bodies straight into their Frame, which grows as its octets arrive), stops
// reading while the pipe is at rcvhwm, and writes everything queued in one gather write. It
// answers and sends heartbeats, closes a silent connection, and turns SUBSCRIBE/CANCEL into
// subscription messages and back. docs/socket-engine.md ("Wire notes", "Limits", "Performance
// design") gives the sizes and the rules.
//
// Bad input (wrong greeting, mechanism, flags, sizes, commands) closes this connection only,
// counted in the socket's protocol_errors with a logged reason. Monitor events:
// HANDSHAKE_SUCCEEDED, HANDSHAKE_FAILED_* and DISCONNECTED (unless its own socket ended the
// connection). Thread-safety: every member runs on the engine's io_context thread. Lifetime:
// shared_ptr, kept alive by its pending operations; it ends after the stream closes. The members
// are defined in stream_engine.cc, stream_engine_read.cc (input) and stream_engine_write.cc
// (output).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "absl/status/status.h"
#include "transport/socket/core/socket_core.h"
#include "transport/socket/transports/inbound_count.h"
#include "transport/socket/transports/io_waker.h"
#include "transport/socket/transports/transport.h"
#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/mechanism.h"

namespace bossa::socket {

struct EngineConfig {
  std::shared_ptr<SocketCore> core;
  Options options;
  std::string endpoint;   // for log lines
  std::string origin;     // the dialer's endpoint; empty for accepted connections
  LinkedPipe persistent;  // empty: the engine makes its own pipe when the handshake completes
  // Runs once, on the I/O thread; `local`: this side's socket ended the connection.
  std::function<void(bool was_established, bool local)> on_closed;
  // The endpoint monitor events name: the listener's for an accepted connection, the dialed one
  // otherwise (as libzmq names them).
  std::string monitor_endpoint;
};

// What listeners and dialers need of an engine, whatever its stream type.
class Engine : public EngineHook {
 public:
  virtual void start() = 0;
  // Closes at once unless the handshake is done (listener or dialer shutting down).
  virtual void abort_handshake() = 0;
};

// The stream types the engine is instantiated for.
using TcpStream = boost::asio::ip::tcp::socket;
using IpcStream = boost::asio::local::stream_protocol::socket;

// A peer's IP address as authenticators and log lines see it: an IPv4 client of a dual-stack
// listener (ipv6) arrives as ::ffff:a.b.c.d and is named a.b.c.d, so that address rules written
// for IPv4 hold whatever the listener's family.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

// The ZMQ_PROTOCOL_ERROR_* (monitor.h) that best names a mechanism's handshake error.
std::uint32_t protocol_error_of(const absl::Status& status);
// The status code at the start of a refusal's reason ("400 ..."), as a libzmq server sends it in
// ERROR; 0 when there is none.
std::uint32_t zap_status_of(std::string_view reason);
// libzmq's errno for a stream error: EPIPE for an orderly close by the peer.
int errno_of(const boost::system::error_code& ec);

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
  // What each frame of a multipart message after the first costs beside its octets, counted
  // against maxmsgsize.
  static constexpr std::size_t kFrameOverhead = 128;
  // The most of what a connection has received that counts as credit for allocating a large
  // body at once (beyond it, the body doubles as it arrives).
  static constexpr std::uint64_t kMaxCredit = 16 * 1024 * 1024;

  // An accepted connection's engine holds the places its listener admitted it to
  // (SocketCore::admit_inbound) and gives them back.
  StreamEngine(Stream stream, EngineConfig cfg);
  void start() override;
  void abort_handshake() override;
  void on_pipe_ready() override;

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

  using Clock = std::chrono::steady_clock;

  SocketType type() const { return cfg_.core->type(); }

  // ---- handshake ----

  bool on_greeting();
  bool on_handshake_done();
  // Asks the context's authenticator about the request the mechanism made; its reply comes back
  // on this engine's thread (on_auth_reply).
  void start_auth(zmtp::AuthRequest request);
  void on_auth_reply(const zmtp::AuthReply& reply);
  std::string peer_address();

  // ---- reading ----

  void read_more();
  // More of a large body arrived in place, and perhaps what follows it, into in_buf_.
  void on_direct_read(boost::system::error_code ec, std::size_t n);
  // At a frame boundary in the active state, takes the input out of the decoder's hands when
  // in_buf_ is the better place for it: a large data frame whose body is not all buffered yet is
  // read straight into its Frame from here on, and an incomplete header is kept at the front of
  // in_buf_ for the next read to complete (so that the frame it opens can still be read in place).
  // True when it did either (the input is consumed).
  bool take_over(std::string_view in);
  // Makes (more) room for the large body being read in place: a body is allocated as its octets
  // arrive (doubling from 64 KiB), never at the size its header announced, unless the connection
  // has received that much already (up to kMaxCredit); then it gets all of it at once. False
  // when there is no memory for it (the connection is closed).
  bool grow_direct();
  // Counts a frame of `size` octets towards the message being received; false (the connection
  // closed) when the message would pass maxmsgsize.
  bool admit_frame(std::uint64_t size);
  void on_read(boost::system::error_code ec, std::size_t n);
  // Consumes buffered input; false when stopped (closed, or paused on a full pipe).
  bool process();
  bool on_frame(const zmtp::DecodedFrame& f);
  void deliver(Message&& m);
  bool on_command(const zmtp::Command& c);

  // ---- writing ----

  void pump_out();
  // Appends `m` to the output; false when the mechanism refused to seal it (the connection
  // failed).
  bool encode(Message& m);
  // encode() for a mechanism that transforms frames (CURVE): each frame becomes one box.
  bool encode_secure(Message& m);
  // Transforms the command frames appended to control_ from `from` on (after the handshake);
  // false as encode().
  bool seal_control(std::size_t from);
  // A received frame, opened by the mechanism.
  bool on_secure_frame(const zmtp::DecodedFrame& f);
  void on_written(boost::system::error_code ec);

  // ---- timers ----

  void arm_heartbeat(Clock::time_point at);
  void on_heartbeat();
  void arm_ttl(std::chrono::milliseconds ttl);
  void start_linger();

  // ---- closing ----

  // Closes for bad input: counted and logged, and during the handshake reported as
  // HANDSHAKE_FAILED_PROTOCOL with `protocol_error` (monitor.h). Returns false for use in
  // `return fail(...)`.
  bool fail(const absl::Status& why, std::uint32_t protocol_error = kProtocolErrorZmtpUnspecified);
  // Closes during the handshake on an error of the stream or a timeout, reported as
  // HANDSHAKE_FAILED_NO_DETAIL with `error` (an errno).
  bool fail_no_detail(const absl::Status& why, int error);
  // As fail, but what control_ holds (the mechanism's ERROR) goes out first; reported as
  // HANDSHAKE_FAILED_AUTH with the ZAP status code (0 when unknown).
  bool refuse(const absl::Status& why, std::uint32_t zap_status);
  // Reports a failed handshake (once, and only before the connection is active).
  void handshake_failed(std::uint32_t event, std::uint32_t value);
  // `local`: this side's socket ended the connection (closed, linger), so no DISCONNECTED.
  void shutdown(bool local = false);

  Stream stream_;
  EngineConfig cfg_;
  State state_ = State::kGreeting;
  std::unique_ptr<zmtp::Mechanism> mechanism_;
  bool transforms_ = false;  // the mechanism transforms frames: set once the handshake is done
  bool refused_ = false;     // closing once control_ is written
  std::string user_id_;
  std::string scratch_;  // a frame of up to kReadChunk octets opened by the mechanism
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
  InboundCount inbound_;             // an accepted connection's places in the listener's counts
  bool handshake_reported_ = false;  // a HANDSHAKE_FAILED_* event went out

  std::vector<char> in_buf_;
  std::size_t in_begin_ = 0;
  std::size_t in_end_ = 0;
  bool reading_ = false;
  bool last_read_filled_ = false;
  std::size_t carry_ = 0;       // octets of an incomplete header kept at the front of in_buf_
  bool after_large_ = false;    // the last input held (the start of) a large frame
  std::uint64_t received_ = 0;  // octets read from the stream so far
  Message partial_;
  std::uint64_t partial_bytes_ = 0;  // of partial_, with kFrameOverhead a frame after the first
  std::optional<Message> blocked_;
  std::optional<Frame> direct_;  // a large body being read in place; its size() is the room so far
  std::size_t direct_size_ = 0;  // the size the body's header announced
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

extern template class StreamEngine<TcpStream>;
extern template class StreamEngine<IpcStream>;

}  // namespace bossa::socket
