// RawEngine: one connection of a STREAM socket, raw octets over a tcp or ipc stream, on its I/O
// thread. No greeting, no handshake, no framing: what the peer sends is cut into messages of at
// most kReadChunk octets as it arrives, and what the socket queues is written as it is.
//
// The engine makes its own pipe as it starts and puts in it, in order: an empty message (the
// connection opened; with stream_notify), one message per read, and, when the peer closes or the
// stream fails, an empty message again (with stream_notify) before the end. The STREAM protocol
// (protocols/stream.cc) puts the routing id in front. A message from the socket is written frame
// after frame; once the socket closes the pipe (the application sent [id][], disconnected, or
// closed the socket), the engine writes what is left within the linger and closes the stream.
// Bounds: reading stops while the pipe holds rcvhwm messages, so a peer that sends forever is
// held back by tcp's flow control, and what waits for the application is at most rcvhwm x
// kReadChunk octets (plus the closing message).
// Dialers: a connection the peer ended is redialled, as libzmq redials it; one the socket closed
// is not (as libzmq ends the session of a raw connection the application closed). Monitor
// events: HANDSHAKE_SUCCEEDED as it starts (there is no handshake), DISCONNECTED when the peer
// ends it; messages left in the pipe when both sides are done count as dropped (pipe_closed).
// Thread-safety: every member runs on the engine's io_context thread. Lifetime: shared_ptr, kept
// alive by its pending operations and its pipe's waker.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "transport/socket/transports/stream_engine.h"

namespace bossa::socket {

template <typename Stream>
class RawEngine final : public Engine, public std::enable_shared_from_this<RawEngine<Stream>> {
 public:
  static constexpr std::size_t kReadChunk = 8 * 1024;  // as libzmq's in_batch_size
  static constexpr std::size_t kWriteBatch = 1024 * 1024;

  RawEngine(Stream stream, EngineConfig cfg);
  void start() override;
  // Closes only an engine that has not started yet.
  void abort_handshake() override;
  void on_pipe_ready() override;

 private:
  enum class State { kNew, kActive, kClosed };

  void read_more();
  void on_read(boost::system::error_code ec, std::size_t n);
  void pump_out();
  void on_written(boost::system::error_code ec);
  void start_linger();
  // The peer closed or the stream failed: the application hears of it after the data.
  void peer_gone();
  // `local`: this side ended the connection (the dialer, if any, does not redial). `notify`: the
  // pipe ends with an empty message.
  void shutdown(bool local, bool notify = false);

  Stream stream_;
  EngineConfig cfg_;
  State state_ = State::kNew;
  std::shared_ptr<PipeLink> link_;
  std::shared_ptr<IoWaker> waker_;
  std::uint64_t pipe_id_ = 0;
  boost::asio::steady_timer linger_timer_;
  bool lingering_ = false;
  bool established_ = false;  // the socket took the pipe
  InboundCount inbound_;      // an accepted connection's places in the listener's counts
  bool reading_ = false;
  bool writing_ = false;
  std::array<char, kReadChunk> in_buf_;
  std::vector<Message> inflight_;
  std::vector<boost::asio::const_buffer> buffers_;
};

extern template class RawEngine<TcpStream>;
extern template class RawEngine<IpcStream>;

// The engine a socket's connection runs: raw for STREAM sockets, ZMTP for every other type.
template <typename Stream>
std::shared_ptr<Engine> make_engine(Stream stream, EngineConfig cfg) {
  if (cfg.core->type() == SocketType::kStream) {
    return std::make_shared<RawEngine<Stream>>(std::move(stream), std::move(cfg));
  }
  return std::make_shared<StreamEngine<Stream>>(std::move(stream), std::move(cfg));
}

}  // namespace bossa::socket
