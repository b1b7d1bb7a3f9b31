// ReceiveLoop: the thread that reads a node's PULL socket, and keeps the node's time.
//
// Every message a node receives arrives on the one PULL socket bound at its listen endpoint. The
// loop reads what has arrived (polling for up to busy_wait before it sleeps in recv, and up to
// kMaxDrain messages or kMaxDrainTime at a time, so that a flood does not hold heartbeats back),
// then runs Liveness's round when one is due and has Membership greet the seeds. The socket reads
// a peer's data and control connections in turn. A Hello or HelloReply goes to Membership; a
// frame from a member counts as a sign of life, and then a kData batch's envelopes, or a
// kControlEnvelope, go to the TransportHandler (on_envelope for each, on_batch_end after them)
// and a Bye drops its sender. Envelopes received are counted per member (Liveness), and the
// acks in heartbeats and Byes go to Membership. A frame that does not decode, or one
// from a node that is not a member, is rejected (on_rejected), unless it comes from a peer
// declared down, which Membership reminds of it.
//
// Ownership: the loop owns the socket and the thread; Membership, Liveness, the handler and the
// running flag outlive it. Thread-safety: bind(), start(), join() and close() from the thread that
// owns the transport, in that order; the rest runs on the loop's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "transport/native/liveness.h"
#include "transport/native/membership.h"
#include "transport/native/sender_binding.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/transport.h"

namespace bossa::transport {

class ReceiveLoop {
 public:
  ReceiveLoop(socket::Context& sockets, Membership& membership, Liveness& liveness);

  // Binds the PULL socket at config.listen with the config's limits on what it admits; the
  // endpoint bound, its port resolved.
  absl::StatusOr<std::string> bind(const TransportConfig& config);
  // The listening socket's counters; any thread.
  socket::SocketStats socket_stats() const { return pull_.stats(); }
  // Starts the thread, which runs until `running` turns false.
  void start(TransportHandler& handler, absl::Duration busy_wait, const std::atomic<bool>& running);
  // Waits for the thread to end, once `running` turned false.
  void join();
  void close();

 private:
  void run(std::chrono::nanoseconds busy_wait);
  void handle(socket::Message message);
  // The ack in a heartbeat's or Bye's `body`, to Membership.
  void take_ack(uint32_t sender, std::string_view body);
  void tick(std::chrono::steady_clock::time_point now);

  Membership& membership_;
  Liveness& liveness_;
  socket::Socket pull_;
  // The receive thread's own, like pull_ once started.
  SenderBinding senders_;
  std::chrono::steady_clock::time_point next_sweep_{};
  // Constant after start().
  TransportHandler* handler_ = nullptr;
  const std::atomic<bool>* running_ = nullptr;
  std::thread thread_;
};

}  // namespace bossa::transport
