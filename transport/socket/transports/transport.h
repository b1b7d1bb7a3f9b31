// Stream transports (tcp, ipc) as the socket sees them: listeners and dialers (nng's split).
//
// A Listener accepts connections and runs a ZMTP engine on each; a Dialer connects, and redials
// with backoff (reconnect_ivl doubling up to reconnect_ivl_max, plus jitter) after failures and
// disconnects. Each connection gets its own pipe, except a dialer's persistent pipe (immediate
// off), which exists from connect() on and carries messages across reconnects.
//
// Thread-safety: Listen*/Dial* are called from the socket's thread; close() from any thread, once.
// The objects live on their io_context thread; close() posts there and returns at once.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "absl/status/statusor.h"
#include "transport/socket/core/endpoint.h"
#include "transport/socket/core/options.h"
#include "transport/socket/core/pipe.h"

namespace bossa::socket {

class SocketCore;
class IoWaker;

class Listener {
 public:
  virtual ~Listener() = default;
  // The bound endpoint with the ephemeral port resolved, e.g. "tcp://127.0.0.1:40123".
  virtual std::string endpoint() const = 0;
  virtual void close() = 0;
};

class Dialer {
 public:
  virtual ~Dialer() = default;
  // Stops dialling; returns at once. A persistent pipe that its socket closed (Pipe::close) while
  // it still held messages keeps being dialled until they have left or its linger ran out (linger
  // 0: dropped at once; -1: no limit), so that messages queued before any connection existed are
  // delivered, as libzmq delivers them. Close the persistent pipe first.
  virtual void close() = 0;
};

// A socket-side pipe whose other end an engine on `io` will serve (a dialer's persistent pipe).
struct LinkedPipe {
  std::shared_ptr<Pipe> pipe;
  std::shared_ptr<PipeLink> link;
  std::shared_ptr<IoWaker> waker;
};
LinkedPipe make_linked_pipe(boost::asio::io_context& io, const std::shared_ptr<SocketCore>& core,
                            const Options& options);

struct TransportArgs {
  boost::asio::io_context& io;
  std::shared_ptr<SocketCore> core;
  Options options;
};

// Binds and listens at once (errors such as "address in use" come back here); accepts on `io`.
absl::StatusOr<std::shared_ptr<Listener>> listen_tcp(const Endpoint& ep, TransportArgs args);
absl::StatusOr<std::shared_ptr<Listener>> listen_ipc(const Endpoint& ep, TransportArgs args);

// Starts dialling; `persistent` is empty when each connection should bring its own pipe.
std::shared_ptr<Dialer> dial_tcp(const Endpoint& ep, TransportArgs args, LinkedPipe persistent);
std::shared_ptr<Dialer> dial_ipc(const Endpoint& ep, TransportArgs args, LinkedPipe persistent);

}  // namespace bossa::socket
