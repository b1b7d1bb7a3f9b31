// ReceiveLoop: the thread that reads a node's PULL socket, and keeps the node's time.
//
// Every message a node receives arrives on the one PULL socket bound at its listen endpoint. The
// loop reads what has arrived (polling for up to busy_wait before it sleeps in recv, and up to
// kMaxDrain messages or kMaxDrainTime at a time, so that a flood does not hold the membership
// protocol back), then lets Membership keep the time (the protocol's probes and timeouts, acks,
// idle links). It sleeps until a message comes or Membership's next deadline passes, never to
// look: the bindings of closed connections are forgotten on the ticks that come anyway, at least
// one a protocol period; only while frames are held does it wake every 50 ms to see whether they
// may go. The socket reads a
// peer's data and control connections in turn. A membership message (kSwim) goes to Membership;
// from a member, a kData batch's envelopes, or a kControlEnvelope, go to the TransportHandler
// (on_envelope for each, on_batch_end after them), counted for the ack, the acks in heartbeats
// and Byes go to Membership, and a Bye ends the member. A frame from a node that is not a member
// waits a moment for it to come up, and a frame on a connection that cannot speak for its node
// yet waits for the node's old connections to close or fall quiet (frame_hold.h). A frame that
// does not decode, one on a connection that speaks for another node, or one that waited in vain
// is rejected (on_rejected).
//
// Ownership: the loop owns the socket and the thread; Membership, the handler and the running
// flag outlive it. Thread-safety: bind(), start(), join() and close() from the thread that owns
// the transport, in that order; the rest runs on the loop's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "transport/native/frame_hold.h"
#include "transport/native/membership.h"
#include "transport/native/sender_binding.h"
#include "transport/native/trusted_keys.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/transport.h"

namespace bossa::transport {

class ReceiveLoop {
 public:
  // A connection of a node that carried nothing for `quiet_limit` gives way to a new one of the
  // node's (sender_binding.h). `trusted` (null without security) is refreshed on the loop's
  // ticks; it outlives the loop.
  ReceiveLoop(socket::Context& sockets, Membership& membership,
              std::chrono::nanoseconds quiet_limit, TrustedKeys* trusted);

  // Binds the PULL socket at config.listen with the config's limits on what it admits, as a
  // CURVE server with the config's key pair unless its security is none; the endpoint bound, its
  // port resolved.
  absl::StatusOr<std::string> bind(const TransportConfig& config);
  // The listening socket's counters; any thread.
  socket::SocketStats socket_stats() const { return pull_.stats(); }
  // Starts the thread, which runs until `running` turns false.
  void start(TransportHandler& handler, absl::Duration busy_wait, const std::atomic<bool>& running);
  // Wakes the thread and waits for it to end, once `running` turned false.
  void join();
  void close();

 private:
  void run(std::chrono::nanoseconds busy_wait);
  void handle(socket::Message message, std::chrono::steady_clock::time_point now);
  // A frame its connection may carry for its sender, who is `speaker` to Membership; `key` is
  // what the connection authenticated with.
  void dispatch(const NativeHeader& header, Membership::Speaker speaker, std::string_view key,
                socket::Message& message, std::chrono::steady_clock::time_point now);
  // A frame from a member, past every check.
  void take(const NativeHeader& header, const socket::Message& message);
  // Hand over the held frames (of connections, of strangers) that may be taken now; drop those
  // that waited too long.
  void release_held(std::chrono::steady_clock::time_point now);
  void release_strangers(std::chrono::steady_clock::time_point now);
  // The key the connection `message` came on authenticated with (32 octets), empty without
  // security or for a connection that is gone.
  std::string_view connection_key(const socket::Message& message);
  // A held frame of a node that was a stranger, once it is a member: the frame's connection is
  // checked again.
  void take_stranger(socket::Message message);
  // The ack in a heartbeat's or Bye's `body`, to Membership.
  void take_ack(uint32_t sender, std::string_view body);
  void tick(std::chrono::steady_clock::time_point now);

  Membership& membership_;
  TrustedKeys* const trusted_;
  socket::Socket pull_;
  // The receive thread's own, like pull_ once started.
  SenderBinding senders_;
  FrameHold strangers_;  // by node: frames of nodes that are not members yet
  FrameHold unbound_;    // by connection: frames its node's older connections keep out for now
  std::chrono::steady_clock::time_point next_sweep_{};
  // With security: the key each connection authenticated with, forgotten with its binding.
  absl::flat_hash_map<uint64_t, std::string> keys_of_pipes_;
  // Constant after start().
  TransportHandler* handler_ = nullptr;
  const std::atomic<bool>* running_ = nullptr;
  std::thread thread_;
};

}  // namespace bossa::transport
