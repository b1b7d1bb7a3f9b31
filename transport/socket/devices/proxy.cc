#include "transport/socket/devices/proxy.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/poller.h"

namespace bossa::socket {
namespace {

// Messages moved in one direction before the other direction and the control socket get a turn.
constexpr int kBurst = 256;

std::uint64_t bytes_of(const Message& message) {
  std::uint64_t bytes = 0;
  for (const Frame& frame : message) bytes += frame.size();
  return bytes;
}

// One direction of the proxy: what `from` receives goes out of `to`.
struct Direction {
  Socket& from;
  Socket& to;
  ProxySideStats& from_stats;
  ProxySideStats& to_stats;
  std::optional<Message> pending;  // received, and `to` could not take it yet

  // Moves up to kBurst messages; OK when it stopped because a side would block. A socket that
  // cannot receive (PUSH, PUB) is never readable, so it is never read.
  absl::Status pump(Socket* capture) {
    if (!pending && !from.readable()) return absl::OkStatus();
    for (int moved = 0; moved < kBurst; ++moved) {
      if (!pending) {
        absl::StatusOr<Message> message = from.recv(Flags::kDontwait);
        if (absl::IsUnavailable(message.status())) return absl::OkStatus();
        if (!message.ok()) return message.status();
        from_stats.messages_received += message->size();
        from_stats.bytes_received += bytes_of(*message);
        if (capture != nullptr) {
          if (absl::Status copied = capture->send(Message(*message)); !copied.ok()) return copied;
        }
        pending = *std::move(message);
      }
      const std::uint64_t parts = pending->size();
      const std::uint64_t bytes = bytes_of(*pending);
      absl::Status sent = to.send(std::move(*pending), Flags::kDontwait);
      if (absl::IsUnavailable(sent)) return absl::OkStatus();  // `pending` is left as it was
      if (!sent.ok()) return sent;
      pending.reset();
      to_stats.messages_sent += parts;
      to_stats.bytes_sent += bytes;
    }
    return absl::OkStatus();
  }

  // What the poller waits for on this direction's behalf: room in `to` for what is pending, or
  // something to read from `from`.
  int wanted_on_from() const { return pending ? 0 : Poller::kReadable; }
  int wanted_on_to() const { return pending ? Poller::kWritable : 0; }
};

enum class Steering { kGoOn, kTerminate };

// Handles what the control socket received.
absl::StatusOr<Steering> steer(Socket& control, bool& paused, const ProxySideStats& frontend,
                               const ProxySideStats& backend) {
  absl::StatusOr<Message> command = control.recv(Flags::kDontwait);
  if (absl::IsUnavailable(command.status())) return Steering::kGoOn;
  if (!command.ok()) return command.status();
  const std::string_view name = command->empty() ? std::string_view() : (*command)[0].view();
  const bool answers_always = control.type() == SocketType::kRep;
  Message reply;
  Steering steering = Steering::kGoOn;
  if (name == "PAUSE" || name == "RESUME" || name == "TERMINATE") {
    if (name == "PAUSE") paused = true;
    if (name == "RESUME") paused = false;
    if (name == "TERMINATE") steering = Steering::kTerminate;
    if (!answers_always) return steering;
    reply.push_back(std::string_view());
  } else if (name == "STATISTICS") {
    for (const ProxySideStats& side : {frontend, backend}) {
      for (std::uint64_t value :
           {side.messages_received, side.bytes_received, side.messages_sent, side.bytes_sent}) {
        reply.push_back(Frame(&value, sizeof value));
      }
    }
  } else {
    reply.push_back(
        absl::StrCat("ERROR: the proxy takes PAUSE, RESUME, TERMINATE and STATISTICS, "
                     "not '",
                     std::string(name.substr(0, 64)), "'"));
  }
  if (absl::Status sent = control.send(std::move(reply)); !sent.ok()) return sent;
  return steering;
}

}  // namespace

absl::Status proxy(Socket& frontend, Socket& backend, Socket* capture) {
  return proxy_steerable(frontend, backend, capture, nullptr);
}

absl::Status proxy_steerable(Socket& frontend, Socket& backend, Socket* capture, Socket* control) {
  ProxySideStats frontend_stats;
  ProxySideStats backend_stats;
  // One socket for both sides moves its messages back to itself: one direction.
  const bool one_socket = &frontend == &backend;
  std::array<Direction, 2> directions{
      Direction{frontend, backend, frontend_stats, backend_stats, std::nullopt},
      Direction{backend, frontend, backend_stats, frontend_stats, std::nullopt}};
  const size_t used = one_socket ? 1 : 2;
  Poller poller;
  bool paused = false;
  while (true) {
    int on_frontend = 0;
    int on_backend = 0;
    if (!paused) {
      on_frontend = directions[0].wanted_on_from() | directions[1].wanted_on_to();
      on_backend = directions[0].wanted_on_to() | directions[1].wanted_on_from();
    }
    poller.add(frontend, one_socket ? (on_frontend | on_backend) : on_frontend);
    if (!one_socket) poller.add(backend, on_backend);
    if (control != nullptr) poller.add(*control, Poller::kReadable);
    poller.wait(std::chrono::milliseconds(-1));

    if (control != nullptr) {
      absl::StatusOr<Steering> steering = steer(*control, paused, frontend_stats, backend_stats);
      if (!steering.ok()) return steering.status();
      if (*steering == Steering::kTerminate) return absl::OkStatus();
    }
    if (paused) continue;
    for (size_t i = 0; i < used; ++i) {
      if (absl::Status pumped = directions[i].pump(capture); !pumped.ok()) return pumped;
    }
  }
}

}  // namespace bossa::socket
