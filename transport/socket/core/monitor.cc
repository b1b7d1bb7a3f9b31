#include "transport/socket/core/monitor.h"

#include <cstring>

#include "absl/status/status.h"

namespace bossa::socket {

std::string_view monitor_event_name(std::uint32_t event) {
  switch (event) {
    case kEventConnected:
      return "CONNECTED";
    case kEventConnectDelayed:
      return "CONNECT_DELAYED";
    case kEventConnectRetried:
      return "CONNECT_RETRIED";
    case kEventListening:
      return "LISTENING";
    case kEventBindFailed:
      return "BIND_FAILED";
    case kEventAccepted:
      return "ACCEPTED";
    case kEventAcceptFailed:
      return "ACCEPT_FAILED";
    case kEventClosed:
      return "CLOSED";
    case kEventCloseFailed:
      return "CLOSE_FAILED";
    case kEventDisconnected:
      return "DISCONNECTED";
    case kEventMonitorStopped:
      return "MONITOR_STOPPED";
    case kEventHandshakeFailedNoDetail:
      return "HANDSHAKE_FAILED_NO_DETAIL";
    case kEventHandshakeSucceeded:
      return "HANDSHAKE_SUCCEEDED";
    case kEventHandshakeFailedProtocol:
      return "HANDSHAKE_FAILED_PROTOCOL";
    case kEventHandshakeFailedAuth:
      return "HANDSHAKE_FAILED_AUTH";
    case kEventMessageDropped:
      return "MESSAGE_DROPPED";
    default:
      return "UNKNOWN";
  }
}

std::string_view drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::kHwm:
      return "hwm";
    case DropReason::kUnroutable:
      return "unroutable";
    case DropReason::kConflated:
      return "conflated";
    case DropReason::kPipeClosed:
      return "pipe_closed";
    case DropReason::kUnexpected:
      return "unexpected";
  }
  return "?";
}

std::uint64_t DropCounts::of(DropReason reason) const {
  switch (reason) {
    case DropReason::kHwm:
      return hwm;
    case DropReason::kUnroutable:
      return unroutable;
    case DropReason::kConflated:
      return conflated;
    case DropReason::kPipeClosed:
      return pipe_closed;
    case DropReason::kUnexpected:
      return unexpected;
  }
  return 0;
}

Message encode_monitor_event(const MonitorEvent& event) {
  // Host byte order, unaligned, as libzmq memcpy's them.
  const auto number = static_cast<std::uint16_t>(event.event);
  Frame head(sizeof number + sizeof event.value);
  std::memcpy(head.data(), &number, sizeof number);
  std::memcpy(head.data() + sizeof number, &event.value, sizeof event.value);
  Message m(std::move(head));
  m.push_back(Frame(std::string_view(event.endpoint)));
  return m;
}

absl::StatusOr<MonitorEvent> decode_monitor_event(const Message& m) {
  if (m.size() != 2 || m[0].size() != 6) {
    return absl::InvalidArgumentError(
        "a monitor event is two frames, the first of 6 octets (event number and value)");
  }
  std::uint16_t number = 0;
  MonitorEvent event;
  std::memcpy(&number, m[0].data(), sizeof number);
  std::memcpy(&event.value, m[0].data() + sizeof number, sizeof event.value);
  event.event = number;
  event.endpoint = m[1].to_string();
  return event;
}

}  // namespace bossa::socket
