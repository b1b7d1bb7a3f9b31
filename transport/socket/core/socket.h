// Socket: a ZeroMQ-style socket of one SocketType, over tcp and ipc (ZMTP 3.1) and inproc.
//
//   Socket pull(ctx, SocketType::kPull);
//   pull.bind("tcp://127.0.0.1:*");          // pull.last_endpoint() has the port
//   Socket push(ctx, SocketType::kPush);
//   push.connect(pull.last_endpoint());      // connect may also come before bind
//   push.send(Message("hello"));             // queues and returns; the I/O threads deliver
//   absl::StatusOr<Message> m = pull.recv();  // or co_await pull.async_recv(use_awaitable)
//
// Messages are multipart and arrive whole or not at all. Blocking calls return DeadlineExceeded
// after sndtimeo/rcvtimeo, Unavailable with Flags::kDontwait; an operation the type lacks returns
// Unimplemented, an out-of-turn REQ/REP call FailedPrecondition. Thread-safety: as a libzmq socket,
// one thread at a time (async completions, run on their token's executor, included); stats() from
// any thread. Destroy sockets before their Context.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/message.h"
#include "transport/socket/core/options.h"
#include "transport/socket/core/socket_core.h"

namespace bossa::socket {

enum class Flags { kNone = 0, kDontwait = 1 };

class SocketImpl;

class Socket {
 public:
  Socket(Context& context, SocketType type);
  Socket(Socket&&) noexcept;
  Socket& operator=(Socket&&) noexcept;
  // Closes (see close()).
  ~Socket();

  SocketType type() const;

  // Endpoints: inproc://name, ipc:///path, tcp://host:port (tcp://*:port, tcp://127.0.0.1:*,
  // tcp://[::1]:port). Errors name the endpoint and the cause (bad syntax, address in use, no I/O
  // threads for tcp/ipc).
  absl::Status bind(std::string_view endpoint);
  absl::Status connect(std::string_view endpoint);
  absl::Status unbind(std::string_view endpoint);
  absl::Status disconnect(std::string_view endpoint);

  // Queues `m` by the type's rule. On Unavailable / DeadlineExceeded `m` is left as it was.
  absl::Status send(Message&& m, Flags flags = Flags::kNone);
  absl::Status send(std::string_view single_frame, Flags flags = Flags::kNone) {
    return send(Message(single_frame), flags);
  }
  absl::StatusOr<Message> recv(Flags flags = Flags::kNone);

  absl::Status set(Option option, std::int64_t value);
  absl::Status set(Option option, int value) { return set(option, std::int64_t{value}); }
  absl::Status set(Option option, std::string_view value);
  absl::Status set(Option option, const char* value) {
    return set(option, std::string_view(value));
  }
  absl::StatusOr<std::int64_t> get_int(Option option) const;
  absl::StatusOr<std::string> get_string(Option option) const;
  std::string last_endpoint() const;
  SocketStats stats() const;
  // Where the connection that a received message's pipe_id() names stands: open; closed with
  // messages it delivered still to be read (closing); or gone, also for an id this socket never
  // gave.
  enum class ConnectionState { kOpen, kClosing, kGone };
  ConnectionState connection_state(std::uint64_t pipe_id);
  // A property of the connection a received message came on, as libzmq's zmq_msg_gets: "User-Id"
  // (on a PLAIN or CURVE server, who the authenticator said the client is: its user name, its
  // CURVE key in Z85, or the ZAP handler's user id), "Peer-Address" (tcp), "Socket-Type",
  // "Identity". Also for a message whose connection has closed since, while it is one of the
  // socket's last 64 connections to go. NotFound when the connection has no such property, or
  // went longer ago.
  absl::StatusOr<std::string> message_property(const Message& m, std::string_view name);

  // ---- monitor events and drop accounting (docs/socket-engine.md, "Monitor events") ----
  // Reports the events in the `events` mask (monitor.h) as two-frame messages on a PAIR socket
  // bound at `endpoint`, as zmq_socket_monitor does: inproc only (InvalidArgument otherwise),
  // linger 0, sent without blocking (an event that finds no reader, or its reader's queue full,
  // is counted in stats().monitor_events_lost). A second call replaces the first monitor, an
  // empty endpoint stops it; either sends MONITOR_STOPPED to the old one if its mask asked for
  // it, as close() does. InvalidArgument for mask bits above 0xFFFF; the bind's error otherwise.
  absl::Status monitor(std::string_view endpoint, std::uint32_t events = kEventAll);
  // Calls `callback` with each event in `events` (an empty function removes it), on the thread
  // where the event happened: an I/O thread, or the thread calling this socket. It must not
  // block nor call this socket. Independent of monitor().
  void set_monitor_callback(std::function<void(const MonitorEvent&)> callback,
                            std::uint32_t events = kEventAll);
  // The messages this socket discarded, per reason (monitor.h's DropReason); safe from any
  // thread.
  DropCounts drop_counts() const;

  // Whether recv / send would succeed now (for pollers).
  bool readable();
  bool writable();

  // Stops every listener and dialer and releases the pipes; queued outbound messages keep draining
  // for `linger`. Idempotent; later calls fail with FailedPrecondition.
  void close();

  template <typename CompletionToken>
  auto async_recv(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(absl::StatusOr<Message>)>(
        [this](auto handler) {
          using Handler = decltype(handler);
          auto h = std::make_shared<Handler>(std::move(handler));
          auto ex = boost::asio::get_associated_executor(*h, boost::asio::system_executor());
          async_op(/*is_send=*/false,
                   [h, ex](absl::Status s, Message m) {
                     boost::asio::post(ex, [h, s = std::move(s), m = std::move(m)]() mutable {
                       if (s.ok()) {
                         (*h)(absl::StatusOr<Message>(std::move(m)));
                       } else {
                         (*h)(absl::StatusOr<Message>(std::move(s)));
                       }
                     });
                   },
                   [ex](std::function<void()> retry) { boost::asio::post(ex, std::move(retry)); },
                   Message());
        },
        token);
  }

  template <typename CompletionToken>
  auto async_send(Message m, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(absl::Status)>(
        [this](auto handler, Message msg) {
          using Handler = decltype(handler);
          auto h = std::make_shared<Handler>(std::move(handler));
          auto ex = boost::asio::get_associated_executor(*h, boost::asio::system_executor());
          async_op(/*is_send=*/true,
                   [h, ex](absl::Status s, Message) {
                     boost::asio::post(ex, [h, s = std::move(s)]() mutable { (*h)(std::move(s)); });
                   },
                   [ex](std::function<void()> retry) { boost::asio::post(ex, std::move(retry)); },
                   std::move(msg));
        },
        token, std::move(m));
  }

  // For Poller.
  SocketCore& core();

 private:
  // Tries the send or recv now; while it would block, retries (through `reschedule`) after each
  // wake-up; then calls `done` once with the status and the message. A socket destroyed meanwhile
  // completes the operation with Cancelled.
  void async_op(bool is_send, std::function<void(absl::Status, Message)> done,
                std::function<void(std::function<void()>)> reschedule, Message m);

  std::unique_ptr<SocketImpl> impl_;
};

}  // namespace bossa::socket
