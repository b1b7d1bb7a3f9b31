// Shared pieces of bench_engine_remote, the raw-engine baseline of bossa's remote actor
// benchmarks: bossa's socket engine (transport/socket) moving the same payload as the actors do,
// one 64-bit integer per message, between two processes over tcp loopback. The cases and peer
// roles follow bench/common/remote_bench_main.h; results are printed with impl "engine".
//
// Every message is one 8-byte frame holding a std::uint64_t in host byte order (both processes
// run on one host). Sockets use the engine's default options, except that the measuring side's
// send and receive timeouts are kWaitSlice so that it can check on its peer while it waits.
//
// Errors: every function throws std::runtime_error saying what failed (the harness reports it).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "bench/common/remote_bench_main.h"
#include "transport/socket/core/message.h"
#include "transport/socket/core/socket.h"

namespace bossa::bench::engine_remote {

// How long the measuring side blocks in one send or receive before it checks that its peer still
// runs.
inline constexpr std::chrono::milliseconds kWaitSlice{1000};

// Throws std::runtime_error("<call>: <status>").
[[noreturn]] void fail(std::string_view call, const absl::Status& status);

// The one-frame message holding `n`.
socket::Message encode(std::uint64_t n);

// The number `m` holds; throws unless `m` is one 8-byte frame.
std::uint64_t decode(const socket::Message& m);

// Sets the send and receive timeouts of a measuring-side socket to kWaitSlice.
void set_wait_slice(socket::Socket& socket);

// Blocks until `socket` (set up with set_wait_slice) queues `m`, checking between slices that
// `peer` still runs; `waiting_for` names the wait in errors.
void send(socket::Socket& socket, socket::Message m, PeerProcess& peer,
          std::string_view waiting_for);

// Blocks until a message arrives on `socket` (set up with set_wait_slice), checking between
// slices that `peer` still runs; `waiting_for` names the wait in errors.
socket::Message receive(socket::Socket& socket, PeerProcess& peer, std::string_view waiting_for);

// The port of a tcp endpoint such as "tcp://127.0.0.1:40123", as the peer's argument.
std::string port_of(std::string_view endpoint);

// Cases: remote_thr (PUSH -> PULL) and remote_lat (PAIR <-> PAIR).
void run_thr();
void run_lat();

// Peer roles. args: {port, count}. thr-sender connects a PUSH socket and sends the sequence
// 0 .. count-1; lat-echo connects a PAIR socket and sends back each of `count` messages.
void send_sequence(const std::vector<std::string>& args);
void echo(const std::vector<std::string>& args);

}  // namespace bossa::bench::engine_remote
