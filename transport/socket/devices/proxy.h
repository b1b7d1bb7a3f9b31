// proxy: moves messages between two sockets in the calling thread (zmq_proxy's and
// zmq_proxy_steerable's job), the heart of the queue (ROUTER/DEALER), forwarder (XSUB/XPUB) and
// streamer (PULL/PUSH) devices.
//
// What the frontend receives goes out of the backend and back, whole (every part of a multipart
// message), in the order received. A side is read only while the other can take what is read, so
// a slow consumer slows its producers down and nothing is dropped here. A capture socket, if
// given, is sent a copy of every message in both directions, as libzmq does (blocking: a PUB
// capture never slows the proxy, a PUSH one may). The control socket takes PAUSE, RESUME,
// TERMINATE (a REP control is answered with an empty message) and STATISTICS (answered with eight
// uint64 frames in host byte order: messages and bytes received and sent by the frontend, then by
// the backend, counting message parts as libzmq does); anything else is answered with one frame,
// "ERROR: ...", naming it and the four commands.
//
// Returns OK on TERMINATE; otherwise runs until a socket fails, and returns that failure.
// Thread-safety: the sockets are the proxy's while it runs; frontend and backend may be one socket.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "transport/socket/core/socket.h"

namespace bossa::socket {

// What one side of a proxy moved, as STATISTICS reports it.
struct ProxySideStats {
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
};

absl::Status proxy(Socket& frontend, Socket& backend, Socket* capture = nullptr);
absl::Status proxy_steerable(Socket& frontend, Socket& backend, Socket* capture, Socket* control);

}  // namespace bossa::socket
