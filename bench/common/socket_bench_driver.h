// The interface a socket library implements to be measured by the socket benchmark harness
// (socket_bench_main.h): open a PUSH/PULL/REQ/REP socket by binding or connecting, plain or with
// CURVE, then send and receive whole messages, blocking.
//
// The harness runs the same cases over every driver, so bossa's engine and libzmq are measured by
// the same loops and clocks; a driver only translates these calls to its library.
//
// Errors: a driver throws std::runtime_error whose message says which call failed and why (the
// harness reports it on stderr and exits non-zero). Benchmarks have no caller to hand a Status to.
//
// Thread-safety: one driver object exists per process and owns the library's context, if any.
// bind() and connect() may be called concurrently from two threads (the inproc cases run the peer
// on a second thread of the same process and must share the driver); each BenchSocket is used by
// one thread only. Every BenchSocket is destroyed before its driver.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace bossa::bench {

// The socket patterns the cases use: PUSH -> PULL for throughput, REQ <-> REP for latency.
enum class Pattern { kPush, kPull, kReq, kRep };

// One open socket.
class BenchSocket {
 public:
  virtual ~BenchSocket() = default;

  // Sends one message holding a copy of `data`; blocks while the socket cannot queue it.
  virtual void send(std::span<const std::byte> data) = 0;

  // Blocks until one message arrives, copies it into `buffer` and returns its size. Throws if the
  // message is larger than `buffer`.
  virtual std::size_t receive(std::span<std::byte> buffer) = 0;
};

// The CURVE keys of a case, each 40 characters of Z85: the bound side is the server and allows the
// client's key, the connecting side is the client.
struct CurveKeys {
  std::string server_public;
  std::string server_secret;
  std::string client_public;
  std::string client_secret;
};

// A streamer device (a PULL frontend, a PUSH backend, the library's own proxy between them)
// running on a thread of its own until destroyed.
class BenchDevice {
 public:
  virtual ~BenchDevice() = default;
  // Where producers connect: the frontend's resolved endpoint.
  virtual const std::string& frontend() const = 0;
};

// A socket bound to a local endpoint, with the endpoint peers should connect to.
struct BoundSocket {
  std::unique_ptr<BenchSocket> socket;
  // The resolved endpoint: for "tcp://127.0.0.1:*" it names the ephemeral port chosen.
  std::string endpoint;
};

class SocketBenchDriver {
 public:
  virtual ~SocketBenchDriver() = default;

  // The "impl" field of the result lines: "bossa", "libzmq".
  virtual std::string_view impl() const = 0;

  // Opens a socket of `pattern` bound to `endpoint` (tcp://127.0.0.1:*, ipc://<path> or
  // inproc://<name>); it accepts peers once this returns. With `curve`, a CURVE server that lets
  // in the client's key alone.
  virtual BoundSocket bind(Pattern pattern, const std::string& endpoint,
                           const CurveKeys* curve) = 0;

  // Opens a socket of `pattern` connected (or connecting in the background) to `endpoint`; with
  // `curve`, as a CURVE client.
  virtual std::unique_ptr<BenchSocket> connect(Pattern pattern, const std::string& endpoint,
                                               const CurveKeys* curve) = 0;

  // Starts a streamer device whose frontend binds to tcp://127.0.0.1:* and whose backend
  // connects to `backend`.
  virtual std::unique_ptr<BenchDevice> start_streamer(const std::string& backend) = 0;

  // A fresh CURVE key pair: public and secret key, Z85.
  virtual std::pair<std::string, std::string> curve_keypair() = 0;
};

}  // namespace bossa::bench
