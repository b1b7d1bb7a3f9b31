// AmqpConnection: one connection to a RabbitMQ broker through rabbitmq-c, opened, logged in and
// with channel 1 open, and the AMQP operations bossa uses on it, each answering with a Status.
//
// rabbitmq-c has no thread of its own: a connection reads (and answers heartbeats) only while
// its owner reads frames, and it must never be used from two threads at once. So an
// AmqpConnection belongs to one thread at a time; the owner polls fd() for input and calls
// next_frame / next_delivery, which also send heartbeats when they are due.
//
// Errors: a failed operation returns Unavailable with what failed and the broker's reply
// ("declare queue 'bossa.node.a.1': NOT_FOUND - no exchange 'x'"), after which the connection is
// broken: close it and open another (AMQP closes a channel on any such error).
#pragma once

#include <amqp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "transport/amqp/amqp_url.h"

namespace bossa::transport {

class AmqpConnection {
 public:
  struct Options {
    AmqpUrl url;
    std::string name;          // shown as the connection's name in the broker
    absl::Duration heartbeat;  // AMQP heartbeat; whole seconds, 0 turns it off
    absl::Duration timeout;    // for connecting, logging in and each operation
    std::string ca_file;       // amqps: CA certificates; empty: the system's
  };
  struct QueueOptions {
    bool durable = false;
    bool exclusive = false;
    bool auto_delete = false;
    absl::Duration expires = absl::ZeroDuration();  // x-expires: deleted after unused this long
  };
  // What next_delivery found.
  enum class Ready { kNothing, kDelivery, kOtherFrame };

  // Unavailable naming the URL (password hidden) if the broker cannot be reached, refuses the
  // login, or does not answer within options.timeout.
  static absl::StatusOr<std::unique_ptr<AmqpConnection>> open(const Options& options);
  ~AmqpConnection();
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  int fd() const;
  // True if frames or bytes wait inside rabbitmq-c: read them before polling fd().
  bool has_buffered_input() const;

  absl::Status declare_exchange(std::string_view name, std::string_view type, bool durable);
  absl::Status declare_queue(std::string_view name, const QueueOptions& options);
  absl::Status delete_queue(std::string_view name);
  absl::Status bind(std::string_view queue, std::string_view exchange, std::string_view key);
  absl::Status unbind(std::string_view queue, std::string_view exchange, std::string_view key);
  absl::Status set_prefetch(uint16_t count);
  absl::Status consume(std::string_view queue, bool no_ack);
  absl::Status select_confirms();
  absl::Status publish(std::string_view exchange, std::string_view key, bool mandatory,
                       const amqp_basic_properties_t& properties, std::string_view body);
  absl::Status ack(uint64_t delivery_tag, bool multiple);

  // Hands the next delivery, if one is ready, to `handle` (the envelope lives during the call).
  // kOtherFrame: a frame that is not a delivery came first (a close, connection.blocked); read
  // it with next_frame.
  absl::StatusOr<Ready> next_delivery(absl::FunctionRef<void(const amqp_envelope_t&)> handle);
  // The next frame if one is ready, without waiting (nullopt if none). Its memory lives until
  // the next read.
  absl::StatusOr<std::optional<amqp_frame_t>> next_frame();
  // The content (header and body) that follows a basic.return or basic.deliver method.
  absl::StatusOr<std::string> read_content(amqp_channel_t channel);

  // Answers a connection.close or channel.close the broker sent, so it sees a clean end.
  void answer_close(const amqp_frame_t& frame);

 private:
  AmqpConnection(amqp_connection_state_t state, std::string display);
  absl::Status check(std::string_view what);

  amqp_connection_state_t state_;
  const std::string display_;  // the broker's URL, password hidden, for errors
  bool healthy_ = true;        // false once an operation failed: no polite close then
};

// Unavailable describing a broker reply: "what: REPLY_TEXT" or the library's error string.
absl::Status amqp_reply_status(const amqp_rpc_reply_t& reply, std::string_view what);

}  // namespace bossa::transport
