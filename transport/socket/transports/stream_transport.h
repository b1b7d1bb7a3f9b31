// Listener and dialer for stream transports, generic over the Asio protocol (ip::tcp or
// local::stream_protocol). tcp.cc and ipc.cc supply the address handling.
//
// Thread-safety: constructed on the socket's thread; from then on every member runs on the
// io_context thread (close() posts there; a listener's close() waits for it).
#pragma once

#include <cerrno>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket_core.h"
#include "transport/socket/transports/raw_engine.h"
#include "transport/socket/transports/transport.h"

namespace bossa::socket {

// Reports BIND_FAILED with `error` (an errno), naming the address as libzmq does: the endpoint
// without its scheme ("127.0.0.1:5555").
inline void bind_failed(const Endpoint& ep, const TransportArgs& args, int error) {
  std::string_view address = ep.text;
  if (const std::size_t at = address.find("://"); at != std::string_view::npos) {
    address.remove_prefix(at + 3);
  }
  args.core->event(kEventBindFailed, static_cast<std::uint64_t>(error), address);
}

// Per-protocol hooks: socket options after connect/accept, and how to reach the peer.
template <typename Protocol>
struct StreamTraits;

template <typename Protocol>
class StreamListener final : public Listener,
                             public std::enable_shared_from_this<StreamListener<Protocol>> {
 public:
  using Acceptor = typename Protocol::acceptor;
  using Socket = typename Protocol::socket;

  StreamListener(TransportArgs args, Acceptor acceptor, std::string endpoint,
                 std::function<void()> on_close)
      : args_(std::move(args)),
        acceptor_(std::move(acceptor)),
        retry_timer_(acceptor_.get_executor()),
        endpoint_(std::move(endpoint)),
        on_close_(std::move(on_close)) {}

  void start() {
    args_.core->event(kEventListening, static_cast<std::uint64_t>(acceptor_.native_handle()),
                      endpoint_);
    boost::asio::post(acceptor_.get_executor(),
                      [self = this->shared_from_this()] { self->accept_next(); });
  }

  std::string endpoint() const override { return endpoint_; }

  // Waits until the acceptor is closed (unless called on its own I/O thread), so that the address
  // can be bound again at once.
  void close() override {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> closed = done->get_future();
    const bool on_io_thread = args_.io.get_executor().running_in_this_thread();
    boost::asio::post(acceptor_.get_executor(), [self = this->shared_from_this(), done] {
      self->close_now();
      done->set_value();
    });
    if (!on_io_thread) closed.wait();
  }

 private:
  void close_now() {
    if (closing_) return;
    closing_ = true;
    boost::system::error_code ignored;
    retry_timer_.cancel();
    const auto handle = acceptor_.native_handle();
    acceptor_.close(ignored);
    args_.core->event(kEventClosed, static_cast<std::uint64_t>(handle), endpoint_);
    for (auto& weak : engines_) {
      if (auto e = weak.lock()) e->abort_handshake();
    }
    engines_.clear();
    if (on_close_) on_close_();
  }

  void accept_next() {
    if (closing_) return;
    boost::asio::io_context* io = args_.core->context().next_io();
    acceptor_.async_accept(
        *io, [self = this->shared_from_this()](boost::system::error_code ec, Socket peer) {
          self->on_accept(ec, std::move(peer));
        });
  }

  void on_accept(boost::system::error_code ec, Socket peer) {
    if (closing_) return;
    if (ec) {
      if (ec == boost::asio::error::operation_aborted) return;
      args_.core->event(kEventAcceptFailed, static_cast<std::uint64_t>(ec.value()), endpoint_);
      // Out of file descriptors, say: the connection stays in the backlog, so accepting again at
      // once would spin. Wait a little, and log the 1st, 2nd, 4th... failure in a row.
      ++accept_failures_;
      if ((accept_failures_ & (accept_failures_ - 1)) == 0) {
        args_.core->log(absl::StrCat("bossa socket: accept on ", endpoint_, ": ", ec.message(),
                                     " (", accept_failures_, " in a row; retrying every ",
                                     kAcceptRetry.count(), " ms)"));
      }
      retry_timer_.expires_after(kAcceptRetry);
      retry_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code e) {
        if (!e) self->accept_next();
      });
      return;
    }
    accept_failures_ = 0;
    args_.core->connections_accepted.fetch_add(1, std::memory_order_relaxed);
    if (!args_.core->admit_inbound(endpoint_, args_.options.max_connections,
                                   args_.options.max_handshakes)) {
      boost::system::error_code ignored;
      peer.close(ignored);
      accept_next();
      return;
    }
    args_.core->event(kEventAccepted, static_cast<std::uint64_t>(peer.native_handle()), endpoint_);
    StreamTraits<Protocol>::configure(peer);
    std::string peer_name = StreamTraits<Protocol>::describe(peer, endpoint_);
    EngineConfig cfg{args_.core, args_.options, std::move(peer_name), {}, {}, nullptr, endpoint_};
    auto ex = peer.get_executor();
    std::shared_ptr<Engine> engine = make_engine(std::move(peer), std::move(cfg));
    std::erase_if(engines_, [](const auto& w) { return w.expired(); });
    engines_.push_back(engine);
    boost::asio::post(ex, [engine] { engine->start(); });
    accept_next();
  }

  static constexpr std::chrono::milliseconds kAcceptRetry{100};

  TransportArgs args_;
  Acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  const std::string endpoint_;
  std::function<void()> on_close_;
  bool closing_ = false;
  std::uint64_t accept_failures_ = 0;  // in a row
  std::vector<std::weak_ptr<Engine>> engines_;
};

template <typename Protocol>
class StreamDialer final : public Dialer,
                           public std::enable_shared_from_this<StreamDialer<Protocol>> {
 public:
  using Socket = typename Protocol::socket;

  StreamDialer(TransportArgs args, Endpoint ep, LinkedPipe persistent)
      : args_(std::move(args)),
        ep_(std::move(ep)),
        persistent_(std::move(persistent)),
        socket_(args_.io),
        timer_(args_.io),
        linger_timer_(args_.io),
        resolver_(StreamTraits<Protocol>::make_resolver(args_.io)),
        ivl_(args_.options.reconnect_ivl) {}

  void start() {
    boost::asio::post(args_.io, [self = this->shared_from_this()] { self->attempt(); });
  }

  void close() override {
    boost::asio::post(args_.io, [self = this->shared_from_this()] {
      if (self->closing_ || self->lingering_) return;
      if (self->holds_unsent()) {
        self->linger();
      } else {
        self->stop();
      }
    });
  }

 private:
  // True while the persistent pipe holds messages its socket, now closed, asked to linger.
  bool holds_unsent() {
    return persistent_.pipe && persistent_.link->from_socket->writer_closed() &&
           !persistent_.link->from_socket->closed() &&
           persistent_.link->linger_ms.load(std::memory_order_relaxed) != 0;
  }

  // Keeps dialling after close until the pipe is drained or the linger deadline passes. An engine
  // that connects meanwhile gets the remaining linger as its own.
  void linger() {
    lingering_ = true;
    const std::int64_t ms = persistent_.link->linger_ms.load(std::memory_order_relaxed);
    if (ms < 0) return;
    linger_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    linger_timer_.expires_at(*linger_deadline_);
    linger_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->stop();
    });
  }

  void stop() {
    if (closing_) return;
    closing_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    linger_timer_.cancel();
    StreamTraits<Protocol>::cancel(resolver_);
    socket_.close(ignored);
    if (auto e = engine_.lock()) e->abort_handshake();
    // The other side of the persistent pipe lets go (PipeLink::finish_side).
    if (persistent_.link) {
      if (const std::uint64_t n = persistent_.link->finish_side()) {
        args_.core->drop(DropReason::kPipeClosed, n);
      }
    }
  }

  void attempt() {
    if (closing_) return;
    socket_ = Socket(args_.io);
    // libzmq reports a tcp connect that did not complete at once; Asio does not say, and over tcp
    // it practically never does.
    if constexpr (StreamTraits<Protocol>::kConnectDelays) {
      args_.core->event(kEventConnectDelayed, EINPROGRESS, ep_.text);
    }
    StreamTraits<Protocol>::connect(
        resolver_, socket_, ep_,
        [self = this->shared_from_this()](boost::system::error_code ec) { self->on_connect(ec); });
  }

  void on_connect(boost::system::error_code ec) {
    if (closing_) return;
    if (ec) {
      args_.core->connect_failures.fetch_add(1, std::memory_order_relaxed);
      // As libzmq, which closes the descriptor it tried with.
      if (socket_.is_open()) {
        const auto handle = socket_.native_handle();
        boost::system::error_code ignored;
        socket_.close(ignored);
        args_.core->event(kEventClosed, static_cast<std::uint64_t>(handle), ep_.text);
      }
      schedule();
      return;
    }
    args_.core->event(kEventConnected, static_cast<std::uint64_t>(socket_.native_handle()),
                      ep_.text);
    StreamTraits<Protocol>::configure(socket_);
    if (linger_deadline_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(
          *linger_deadline_ - std::chrono::steady_clock::now());
      persistent_.link->linger_ms.store(std::max<std::int64_t>(1, left.count()),
                                        std::memory_order_relaxed);
    }
    std::weak_ptr<StreamDialer> weak = this->shared_from_this();
    EngineConfig cfg{args_.core,
                     args_.options,
                     ep_.text,
                     ep_.text,
                     persistent_,
                     [weak](bool was_established, bool local) {
                       if (auto self = weak.lock()) self->on_engine_closed(was_established, local);
                     },
                     ep_.text};
    std::shared_ptr<Engine> engine = make_engine(std::move(socket_), std::move(cfg));
    engine_ = engine;
    engine->start();
  }

  void on_engine_closed(bool was_established, bool local) {
    engine_.reset();
    // Its socket ended the connection (closed, disconnected): no redial, unless messages are
    // left to linger. Also before this dialer's own close() arrives, so that no
    // CONNECT_RETRIED goes out for a socket that is closing.
    if ((lingering_ || local) && !holds_unsent()) {
      stop();  // everything left, or the connection's linger ran out
      return;
    }
    if (was_established) ivl_ = args_.options.reconnect_ivl;
    schedule();
  }

  void schedule() {
    if (closing_ || args_.options.reconnect_ivl < 0) return;
    const std::int64_t base = std::max<std::int64_t>(ivl_, 1);
    // Jitter spreads reconnect storms: up to a quarter of the interval on top.
    std::uniform_int_distribution<std::int64_t> jitter(0, base / 4);
    const std::int64_t delay = base + jitter(rng_);
    timer_.expires_after(std::chrono::milliseconds(delay));
    args_.core->event(kEventConnectRetried, static_cast<std::uint64_t>(delay), ep_.text);
    timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->attempt();
    });
    const std::int64_t max = args_.options.reconnect_ivl_max;
    if (max > args_.options.reconnect_ivl) ivl_ = std::min(ivl_ * 2, max);
  }

  TransportArgs args_;
  const Endpoint ep_;
  LinkedPipe persistent_;
  Socket socket_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer linger_timer_;
  std::optional<std::chrono::steady_clock::time_point> linger_deadline_;
  typename StreamTraits<Protocol>::Resolver resolver_;
  std::int64_t ivl_;
  std::minstd_rand rng_{std::random_device{}()};
  bool closing_ = false;
  bool lingering_ = false;  // closed with messages left: dialling on until they leave
  std::weak_ptr<Engine> engine_;
};

}  // namespace bossa::socket
