// Socket monitor events and drop accounting: libzmq's event set, numbers and two-frame format, and
// bossa's MESSAGE_DROPPED extension.
//
// A monitored socket reports what happens to its connections (Socket::monitor to an inproc PAIR
// endpoint, Socket::set_monitor_callback to a function). On the PAIR endpoint each event is one
// two-frame message, as zmq_socket_monitor (event version 1) sends it:
//
//   frame 1 (6 octets): event number (uint16), value (uint32), both in host byte order
//   frame 2:            the endpoint the event concerns (empty for MONITOR_STOPPED)
//
// MESSAGE_DROPPED (0x8000, bossa's): the value is how many messages one drop site discarded at
// once and frame 2 names the reason ("hwm", "unroutable", "conflated", "pipe_closed",
// "unexpected"). docs/socket-engine.md ("Monitor events and drop accounting") lists the value of
// every event. Pure functions and plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "transport/socket/core/message.h"

namespace bossa::socket {

// Event numbers: libzmq's (zmq.h, 4.3), never to change; a mask is their bitwise or.
inline constexpr std::uint32_t kEventConnected = 0x0001;
inline constexpr std::uint32_t kEventConnectDelayed = 0x0002;
inline constexpr std::uint32_t kEventConnectRetried = 0x0004;
inline constexpr std::uint32_t kEventListening = 0x0008;
inline constexpr std::uint32_t kEventBindFailed = 0x0010;
inline constexpr std::uint32_t kEventAccepted = 0x0020;
inline constexpr std::uint32_t kEventAcceptFailed = 0x0040;
inline constexpr std::uint32_t kEventClosed = 0x0080;
inline constexpr std::uint32_t kEventCloseFailed = 0x0100;
inline constexpr std::uint32_t kEventDisconnected = 0x0200;
inline constexpr std::uint32_t kEventMonitorStopped = 0x0400;
inline constexpr std::uint32_t kEventHandshakeFailedNoDetail = 0x0800;
inline constexpr std::uint32_t kEventHandshakeSucceeded = 0x1000;
inline constexpr std::uint32_t kEventHandshakeFailedProtocol = 0x2000;
inline constexpr std::uint32_t kEventHandshakeFailedAuth = 0x4000;
// bossa's: the one bit of the 16-bit event field that libzmq 4.3 leaves free (its draft
// PIPES_STATS is 0x10000, which the two-frame format cannot carry).
inline constexpr std::uint32_t kEventMessageDropped = 0x8000;
// Every event, as libzmq's ZMQ_EVENT_ALL (0xFFFF), MESSAGE_DROPPED included.
inline constexpr std::uint32_t kEventAll = 0xFFFF;

// ZMQ_PROTOCOL_ERROR_* values of HANDSHAKE_FAILED_PROTOCOL that the engine tells apart.
inline constexpr std::uint32_t kProtocolErrorZmtpUnspecified = 0x10000000;
inline constexpr std::uint32_t kProtocolErrorZmtpUnexpectedCommand = 0x10000001;
inline constexpr std::uint32_t kProtocolErrorZmtpMalformedCommand = 0x10000011;
inline constexpr std::uint32_t kProtocolErrorZmtpInvalidMetadata = 0x10000018;
inline constexpr std::uint32_t kProtocolErrorZmtpCryptographic = 0x11000001;
inline constexpr std::uint32_t kProtocolErrorZmtpMechanismMismatch = 0x11000002;

// libzmq's name without its ZMQ_EVENT_ prefix ("CONNECTED", ..., "MESSAGE_DROPPED"); "UNKNOWN"
// for anything else.
std::string_view monitor_event_name(std::uint32_t event);

// Why a socket discarded a user message.
enum class DropReason {
  kHwm,         // the peer's queue was at its high-water mark (PUB, XPUB, ROUTER, REP, XSUB)
  kUnroutable,  // no peer to send to: a ROUTER routing id nobody has, a REP requester gone
  kConflated,   // conflate: a newer message replaced it
  kPipeClosed,  // still queued when its connection ended, or when the socket closed
  kUnexpected,  // an inbound message the type has no use for (a REQ reply without an envelope
                // or not for the last request, a REP request without an envelope, data to a PUB)
};
inline constexpr int kDropReasons = 5;

// "hwm", "unroutable", "conflated", "pipe_closed", "unexpected".
std::string_view drop_reason_name(DropReason reason);

// How many messages a socket dropped, per reason.
struct DropCounts {
  std::uint64_t hwm = 0;
  std::uint64_t unroutable = 0;
  std::uint64_t conflated = 0;
  std::uint64_t pipe_closed = 0;
  std::uint64_t unexpected = 0;

  std::uint64_t total() const { return hwm + unroutable + conflated + pipe_closed + unexpected; }
  std::uint64_t of(DropReason reason) const;
};

// One event as the monitor callback receives it.
struct MonitorEvent {
  std::uint32_t event = 0;
  std::uint32_t value = 0;
  std::string endpoint;  // for MESSAGE_DROPPED, the reason's name
};

// The two frames described above.
Message encode_monitor_event(const MonitorEvent& event);
// InvalidArgument unless `m` is two frames, the first of 6 octets.
absl::StatusOr<MonitorEvent> decode_monitor_event(const Message& m);

}  // namespace bossa::socket
