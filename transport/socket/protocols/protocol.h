// Protocol: the behaviour of one socket type (nng's "protocol"), seen through pipes only.
//
// The socket calls a protocol from the one thread operating the socket; a protocol never blocks and
// never sees a file descriptor. send and recv return Unavailable when they would block (the socket
// then waits for a wake-up and retries); other errors are final for that call.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "transport/socket/core/message.h"
#include "transport/socket/core/options.h"
#include "transport/socket/core/pipe.h"

namespace bossa::socket {

class SocketCore;

// What a protocol may ask of its socket.
class ProtocolHost {
 public:
  virtual ~ProtocolHost() = default;
  virtual const Options& options() const = 0;
  virtual SocketCore& core() = 0;
  // Closes a pipe the protocol refuses (a second PAIR peer, a duplicate ROUTER identity).
  virtual void refuse_pipe(Pipe* pipe) = 0;
};

class Protocol {
 public:
  virtual ~Protocol() = default;

  // A new pipe. When pipe->ready(), its peer() is filled (the handshake is done).
  virtual void attach(Pipe* pipe) = 0;
  // An attached pipe's peer completed a handshake (the first for a pipe attached before its
  // connection, or a later one after a reconnect); peer() is up to date.
  virtual void ready(Pipe* pipe) { (void)pipe; }
  // The peer went away: write no more to `pipe`; it stays readable until drained.
  virtual void terminating(Pipe* pipe) = 0;
  // Forget `pipe` entirely (drained and gone, or the socket is closing).
  virtual void detach(Pipe* pipe) = 0;

  // `m` is left untouched when the result is Unavailable.
  virtual absl::Status send(Message& m) = 0;
  virtual absl::Status recv(Message& m) = 0;
  virtual bool readable() = 0;
  virtual bool writable() = 0;

  // SUB / XSUB only.
  virtual absl::Status subscribe(bool on, std::string_view topic);
};

std::unique_ptr<Protocol> make_protocol(SocketType type, ProtocolHost& host);

// The result of a send or recv that would block.
inline absl::Status would_block() {
  return absl::UnavailableError("operation would block");
}
absl::Status not_supported(SocketType type, std::string_view what);

// Each family's factory (protocols/<family>.cc).
std::unique_ptr<Protocol> make_pair(ProtocolHost& host);
std::unique_ptr<Protocol> make_push(ProtocolHost& host);
std::unique_ptr<Protocol> make_pull(ProtocolHost& host);
std::unique_ptr<Protocol> make_req(ProtocolHost& host);
std::unique_ptr<Protocol> make_rep(ProtocolHost& host);
std::unique_ptr<Protocol> make_dealer(ProtocolHost& host);
std::unique_ptr<Protocol> make_router(ProtocolHost& host);
std::unique_ptr<Protocol> make_pub(ProtocolHost& host, bool xpub);
std::unique_ptr<Protocol> make_sub(ProtocolHost& host, bool xsub);
std::unique_ptr<Protocol> make_stream(ProtocolHost& host);

}  // namespace bossa::socket
