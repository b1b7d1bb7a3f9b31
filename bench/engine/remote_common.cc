// The helpers engine_remote.h declares for both cases and both roles.
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "bench/engine/engine_remote.h"

namespace bossa::bench::engine_remote {

void fail(std::string_view call, const absl::Status& status) {
  throw std::runtime_error(std::string(call) + ": " + status.ToString());
}

socket::Message encode(std::uint64_t n) {
  return socket::Message(socket::Frame(&n, sizeof n));
}

std::uint64_t decode(const socket::Message& m) {
  if (m.size() != 1 || m[0].size() != sizeof(std::uint64_t)) {
    throw std::runtime_error("expected one 8-byte frame, got a message of " +
                             std::to_string(m.size()) + " frame(s), " + std::to_string(m.bytes()) +
                             " bytes");
  }
  std::uint64_t n;
  std::memcpy(&n, m[0].data(), sizeof n);
  return n;
}

void set_wait_slice(socket::Socket& socket) {
  const auto slice = static_cast<std::int64_t>(kWaitSlice.count());
  if (absl::Status s = socket.set(socket::Option::kSndtimeo, slice); !s.ok()) fail("sndtimeo", s);
  if (absl::Status s = socket.set(socket::Option::kRcvtimeo, slice); !s.ok()) fail("rcvtimeo", s);
}

void send(socket::Socket& socket, socket::Message m, PeerProcess& peer,
          std::string_view waiting_for) {
  for (;;) {
    absl::Status s = socket.send(std::move(m));
    if (s.ok()) return;
    if (!absl::IsDeadlineExceeded(s)) fail("send", s);
    peer.check_running(waiting_for);
  }
}

socket::Message receive(socket::Socket& socket, PeerProcess& peer, std::string_view waiting_for) {
  for (;;) {
    absl::StatusOr<socket::Message> m = socket.recv();
    if (m.ok()) return *std::move(m);
    if (!absl::IsDeadlineExceeded(m.status())) fail("recv", m.status());
    peer.check_running(waiting_for);
  }
}

std::string port_of(std::string_view endpoint) {
  std::size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) {
    throw std::runtime_error("no port in the endpoint '" + std::string(endpoint) + "'");
  }
  return std::string(endpoint.substr(colon + 1));
}

}  // namespace bossa::bench::engine_remote
