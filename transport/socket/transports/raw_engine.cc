// RawEngine: a STREAM socket's connection. See raw_engine.h.
#include "transport/socket/transports/raw_engine.h"

#include <chrono>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace bossa::socket {

template <typename Stream>
RawEngine<Stream>::RawEngine(Stream stream, EngineConfig cfg)
    : stream_(std::move(stream)),
      cfg_(std::move(cfg)),
      linger_timer_(stream_.get_executor()),
      inbound_(cfg_.core, cfg_.origin.empty()) {}

template <typename Stream>
void RawEngine<Stream>::start() {
  if (state_ != State::kNew) return;
  state_ = State::kActive;
  inbound_.handshake_over();  // there is no handshake to wait for
  LinkedPipe made =
      make_linked_pipe(static_cast<boost::asio::io_context&>(stream_.get_executor().context()),
                       cfg_.core, cfg_.options);
  made.pipe->origin = cfg_.origin;
  link_ = made.link;
  waker_ = made.waker;
  waker_->set_engine(this->shared_from_this());
  pipe_id_ = made.pipe->id();
  if (cfg_.options.stream_notify) {
    link_->to_socket->push(Message(Frame()));
    link_->to_socket->flush();
  }
  PeerInfo info;
  if (!cfg_.origin.empty()) info.routing_id = cfg_.options.connect_routing_id;
  if constexpr (std::is_same_v<Stream, TcpStream>) {
    boost::system::error_code ec;
    auto remote = stream_.remote_endpoint(ec);
    if (!ec) info.address = unmapped(remote.address()).to_string();
  }
  if (!cfg_.core->post(PipeEvent{PipeEvent::Kind::kAttach,
                                 pipe_id_,
                                 std::move(made.pipe),
                                 std::move(info),
                                 true,
                                 {},
                                 0})) {
    shutdown(/*local=*/true);  // the socket closed meanwhile
    return;
  }
  established_ = true;
  cfg_.core->connections_established.fetch_add(1, std::memory_order_relaxed);
  cfg_.core->event(kEventHandshakeSucceeded, 0, cfg_.monitor_endpoint);  // none to wait for
  read_more();
  pump_out();  // finds the pipe empty, which arms its wake-up for the socket's first send
}

template <typename Stream>
void RawEngine<Stream>::abort_handshake() {
  boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->state_ == State::kNew) self->shutdown(/*local=*/true);
  });
}

template <typename Stream>
void RawEngine<Stream>::on_pipe_ready() {
  if (state_ != State::kActive) return;
  if (link_->from_socket->writer_closed()) start_linger();
  read_more();
  pump_out();
}

template <typename Stream>
void RawEngine<Stream>::read_more() {
  // A full pipe stops reading; the waker calls on_pipe_ready once the socket has made room.
  if (reading_ || state_ != State::kActive || link_->to_socket->full()) return;
  reading_ = true;
  stream_.async_read_some(
      boost::asio::buffer(in_buf_),
      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
        self->on_read(ec, n);
      });
}

template <typename Stream>
void RawEngine<Stream>::on_read(boost::system::error_code ec, std::size_t n) {
  reading_ = false;
  if (state_ != State::kActive) return;
  if (ec) {
    peer_gone();
    return;
  }
  link_->to_socket->push(Message(Frame(in_buf_.data(), n)));
  link_->to_socket->flush();
  read_more();
}

template <typename Stream>
void RawEngine<Stream>::pump_out() {
  if (writing_ || state_ != State::kActive) return;
  MessageQueue& q = *link_->from_socket;
  while (buffers_.empty()) {
    std::size_t bytes = 0;
    Message m;
    while (bytes < kWriteBatch && q.pop(m)) {
      for (const Frame& f : m) bytes += f.size();
      inflight_.push_back(std::move(m));
    }
    q.release_reads();
    if (inflight_.empty()) {
      if (q.closed()) shutdown(/*local=*/true);  // closed by the socket, all written
      return;
    }
    // Only now: a Frame of up to 40 octets lives inside the Message, which the vector moves.
    for (const Message& queued : inflight_) {
      for (const Frame& f : queued) {
        if (!f.empty()) buffers_.emplace_back(f.data(), f.size());
      }
    }
    if (buffers_.empty()) inflight_.clear();  // only empty frames: nothing to write
  }
  writing_ = true;
  boost::asio::async_write(
      stream_, buffers_,
      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
        self->on_written(ec);
      });
}

template <typename Stream>
void RawEngine<Stream>::on_written(boost::system::error_code ec) {
  writing_ = false;
  inflight_.clear();
  buffers_.clear();
  if (state_ != State::kActive) return;
  if (ec) {
    peer_gone();
    return;
  }
  pump_out();
}

template <typename Stream>
void RawEngine<Stream>::start_linger() {
  if (lingering_) return;
  lingering_ = true;
  const std::int64_t linger = link_->linger_ms.load(std::memory_order_relaxed);
  if (linger < 0) return;  // write what is queued for as long as it takes
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
void RawEngine<Stream>::peer_gone() {
  if (state_ != State::kActive) return;
  // A connection the socket closed already has no one to tell, and is not redialled.
  const bool closed_by_socket = link_->from_socket->writer_closed();
  shutdown(/*local=*/closed_by_socket, /*notify=*/cfg_.options.stream_notify && !closed_by_socket);
}

template <typename Stream>
void RawEngine<Stream>::shutdown(bool local, bool notify) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  boost::system::error_code ignored;
  linger_timer_.cancel();
  const auto handle = stream_.is_open() ? stream_.native_handle() : -1;
  stream_.close(ignored);
  if (!local) {
    cfg_.core->event(kEventDisconnected, static_cast<std::uint64_t>(handle), cfg_.monitor_endpoint);
  }
  inbound_.closed();
  // The socket hears of the end before it can read the closing message, so that by the time the
  // application has that message, sending to the id fails.
  if (established_) {
    cfg_.core->disconnects.fetch_add(1, std::memory_order_relaxed);
    cfg_.core->post(PipeEvent{PipeEvent::Kind::kTerminate, pipe_id_, nullptr, {}, false, {}, 0});
  }
  if (link_) {
    waker_->set_engine(nullptr);
    if (notify) link_->to_socket->push(Message(Frame()));  // past rcvhwm if need be: one more
    link_->to_socket->close_writer();
    if (const std::uint64_t n = link_->finish_side()) cfg_.core->drop(DropReason::kPipeClosed, n);
  }
  if (auto on_closed = std::exchange(cfg_.on_closed, nullptr)) on_closed(established_, local);
}

template class RawEngine<TcpStream>;
template class RawEngine<IpcStream>;

}  // namespace bossa::socket
