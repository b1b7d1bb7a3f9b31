// Context: owns the I/O threads and the inproc namespace that sockets share.
//
// A Context with N I/O threads runs N Boost.Asio io_contexts, one thread each; tcp and ipc
// connections are spread over them. With 0 I/O threads the context serves inproc only (bind/connect
// to tcp or ipc then fail). No globals: two contexts are two separate worlds.
//
// Lifetime: destroy every Socket before its Context. The destructor waits for connections still
// draining queued messages (each socket's linger), then joins the threads.
// Thread-safety: every method is safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"
#include "transport/socket/core/authenticator.h"
#include "transport/socket/core/zap_client.h"
#include "transport/socket/transports/inproc.h"

namespace bossa::socket {

class Context {
 public:
  // Starts `io_threads` I/O threads (0 = inproc only).
  explicit Context(int io_threads = 1);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context();

  int io_threads() const { return static_cast<int>(ios_.size()); }

  // Where log lines go (connections closed for bad input, failed handshakes). The default writes
  // to stderr; an empty function discards them.
  void set_log_sink(std::function<void(std::string_view)> sink);
  void log(std::string_view line);

  // The next io_context, round robin; null when the context has no I/O threads.
  boost::asio::io_context* next_io();

  InprocRegistry& inproc() { return inproc_; }

  // The in-process authenticator of PLAIN and CURVE servers (authenticator.h); null removes it.
  void set_authenticator(std::shared_ptr<Authenticator> authenticator);
  // Decides a handshake: by the authenticator, else by the ZAP handler at
  // inproc://zeromq.zap.01, else refused with "no authenticator"; refused with "the context is
  // shutting down" once its destructor has begun. `done` runs exactly once (at once, or later on
  // an I/O thread), unless the context is destroyed first.
  void authenticate(ZapRequest request, std::function<void(zmtp::AuthReply)> done);
  // How long a ZAP request may wait and how many at once (zap_client.h); applies from the next
  // ZAP client made, i.e. set it before the first handshake that asks a ZAP handler.
  void set_zap_limits(ZapLimits limits);

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  std::vector<std::unique_ptr<boost::asio::io_context>> ios_;
  std::vector<std::optional<Guard>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_io_{0};
  InprocRegistry inproc_;
  Mutex auth_mu_;
  std::shared_ptr<Authenticator> authenticator_ ABSL_GUARDED_BY(auth_mu_);
  std::shared_ptr<ZapClient> zap_ ABSL_GUARDED_BY(auth_mu_);
  ZapLimits zap_limits_ ABSL_GUARDED_BY(auth_mu_);
  bool stopping_ ABSL_GUARDED_BY(auth_mu_) = false;  // the destructor has begun
  Mutex log_mu_;
  std::function<void(std::string_view)> log_sink_ ABSL_GUARDED_BY(log_mu_);
};

}  // namespace bossa::socket
