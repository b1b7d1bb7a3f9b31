#include "transport/amqp/amqp_connection.h"

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <sys/time.h>

#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"
#include "transport/amqp/amqp_bytes.h"

namespace bossa::transport {
namespace {

constexpr amqp_channel_t kChannel = 1;

timeval to_timeval(absl::Duration duration) {
  return absl::ToTimeval(duration);
}

}  // namespace

absl::Status amqp_reply_status(const amqp_rpc_reply_t& reply, std::string_view what) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return absl::OkStatus();
    case AMQP_RESPONSE_NONE:
      return absl::UnavailableError(absl::StrCat(as_absl(what), ": the broker sent no reply"));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return absl::UnavailableError(
          absl::StrCat(as_absl(what), ": ", amqp_error_string2(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
        return absl::UnavailableError(absl::StrCat(
            as_absl(what),
            ": the broker closed the connection: ", as_absl(view_of(close->reply_text))));
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
        return absl::UnavailableError(
            absl::StrCat(as_absl(what), ": ", as_absl(view_of(close->reply_text))));
      }
      return absl::UnavailableError(
          absl::StrCat(as_absl(what), ": the broker answered method ", absl::Hex(reply.reply.id)));
  }
  return absl::UnavailableError(absl::StrCat(as_absl(what), ": unknown reply"));
}

absl::StatusOr<std::unique_ptr<AmqpConnection>> AmqpConnection::open(const Options& options) {
  const AmqpUrl& url = options.url;
  amqp_connection_state_t state = amqp_new_connection();
  if (state == nullptr) return absl::ResourceExhaustedError("out of memory for an AMQP connection");
  std::unique_ptr<AmqpConnection> connection(new AmqpConnection(state, url.display));
  auto failed = [&](std::string_view what) {
    connection->healthy_ = false;
    return absl::UnavailableError(
        absl::StrCat("cannot reach the AMQP broker at ", url.display, ": ", as_absl(what)));
  };

  amqp_socket_t* socket = nullptr;
  if (url.tls) {
    socket = amqp_ssl_socket_new(state);
    if (socket == nullptr) return failed("cannot make a TLS socket");
    amqp_ssl_socket_set_verify_peer(socket, 1);
    amqp_ssl_socket_set_verify_hostname(socket, 1);
    if (!options.ca_file.empty()) {
      if (amqp_ssl_socket_set_cacert(socket, options.ca_file.c_str()) != AMQP_STATUS_OK) {
        return failed(absl::StrCat("cannot read the CA file '", options.ca_file, "'"));
      }
    } else {
      auto* context = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
      if (context == nullptr || SSL_CTX_set_default_verify_paths(context) != 1) {
        return failed("cannot load the system's CA certificates");
      }
    }
  } else {
    socket = amqp_tcp_socket_new(state);
    if (socket == nullptr) return failed("cannot make a socket");
  }

  timeval timeout = to_timeval(options.timeout);
  if (const int opened = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &timeout);
      opened != AMQP_STATUS_OK) {
    return failed(amqp_error_string2(opened));
  }
  amqp_set_handshake_timeout(state, &timeout);
  amqp_set_rpc_timeout(state, &timeout);

  // What this client can do: hear connection.blocked, and be told why a login failed.
  std::array<amqp_table_entry_t, 3> capabilities{};
  capabilities[0].key = amqp_cstring_bytes("connection.blocked");
  capabilities[0].value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capabilities[0].value.value.boolean = 1;
  capabilities[1].key = amqp_cstring_bytes("authentication_failure_close");
  capabilities[1].value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capabilities[1].value.value.boolean = 1;
  capabilities[2].key = amqp_cstring_bytes("consumer_cancel_notify");
  capabilities[2].value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capabilities[2].value.value.boolean = 1;
  std::array<amqp_table_entry_t, 2> properties{};
  properties[0].key = amqp_cstring_bytes("capabilities");
  properties[0].value.kind = AMQP_FIELD_KIND_TABLE;
  properties[0].value.value.table =
      amqp_table_t{static_cast<int>(capabilities.size()), capabilities.data()};
  properties[1].key = amqp_cstring_bytes("connection_name");
  properties[1].value.kind = AMQP_FIELD_KIND_UTF8;
  properties[1].value.value.bytes = bytes_of(options.name);
  const amqp_table_t table{static_cast<int>(properties.size()), properties.data()};

  const int heartbeat_seconds =
      static_cast<int>(std::ceil(absl::ToDoubleSeconds(options.heartbeat)));
  constexpr int kFrameMax = 131072;
  const amqp_rpc_reply_t login =
      amqp_login_with_properties(state, url.vhost.c_str(), 0, kFrameMax, heartbeat_seconds, &table,
                                 AMQP_SASL_METHOD_PLAIN, url.user.c_str(), url.password.c_str());
  if (absl::Status status = amqp_reply_status(login, "login"); !status.ok()) {
    return failed(
        absl::StrCat(status.message(), " (user '", url.user, "', vhost '", url.vhost, "')"));
  }
  amqp_channel_open(state, kChannel);
  if (absl::Status status = connection->check("open a channel"); !status.ok()) {
    return failed(as_std(status.message()));
  }
  return connection;
}

AmqpConnection::AmqpConnection(amqp_connection_state_t state, std::string display)
    : state_(state), display_(std::move(display)) {}

AmqpConnection::~AmqpConnection() {
  if (healthy_) {
    amqp_channel_close(state_, kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(state_);
}

int AmqpConnection::fd() const {
  return amqp_get_sockfd(state_);
}

bool AmqpConnection::has_buffered_input() const {
  return amqp_frames_enqueued(state_) || amqp_data_in_buffer(state_);
}

absl::Status AmqpConnection::check(std::string_view what) {
  absl::Status status = amqp_reply_status(amqp_get_rpc_reply(state_), what);
  if (!status.ok()) healthy_ = false;
  return status;
}

absl::Status AmqpConnection::declare_exchange(std::string_view name, std::string_view type,
                                              bool durable) {
  amqp_exchange_declare(state_, kChannel, bytes_of(name), bytes_of(type), /*passive=*/0, durable,
                        /*auto_delete=*/0, /*internal=*/0, amqp_empty_table);
  return check(absl::StrCat("declare exchange '", as_absl(name), "'"));
}

absl::Status AmqpConnection::declare_queue(std::string_view name, const QueueOptions& options) {
  amqp_table_entry_t expires{};
  amqp_table_t arguments = amqp_empty_table;
  if (options.expires > absl::ZeroDuration()) {
    expires.key = amqp_cstring_bytes("x-expires");
    expires.value.kind = AMQP_FIELD_KIND_I64;
    expires.value.value.i64 = absl::ToInt64Milliseconds(options.expires);
    arguments = amqp_table_t{1, &expires};
  }
  amqp_queue_declare(state_, kChannel, bytes_of(name), /*passive=*/0, options.durable,
                     options.exclusive, options.auto_delete, arguments);
  return check(absl::StrCat("declare queue '", as_absl(name), "'"));
}

absl::Status AmqpConnection::delete_queue(std::string_view name) {
  amqp_queue_delete(state_, kChannel, bytes_of(name), /*if_unused=*/0, /*if_empty=*/0);
  return check(absl::StrCat("delete queue '", as_absl(name), "'"));
}

absl::Status AmqpConnection::bind(std::string_view queue, std::string_view exchange,
                                  std::string_view key) {
  amqp_queue_bind(state_, kChannel, bytes_of(queue), bytes_of(exchange), bytes_of(key),
                  amqp_empty_table);
  return check(absl::StrCat("bind queue '", as_absl(queue), "' to '", as_absl(exchange),
                            "' with key '", as_absl(key), "'"));
}

absl::Status AmqpConnection::unbind(std::string_view queue, std::string_view exchange,
                                    std::string_view key) {
  amqp_queue_unbind(state_, kChannel, bytes_of(queue), bytes_of(exchange), bytes_of(key),
                    amqp_empty_table);
  return check(absl::StrCat("unbind queue '", as_absl(queue), "' from '", as_absl(exchange),
                            "' with key '", as_absl(key), "'"));
}

absl::Status AmqpConnection::set_prefetch(uint16_t count) {
  amqp_basic_qos(state_, kChannel, 0, count, /*global=*/0);
  return check("set the prefetch count");
}

absl::Status AmqpConnection::consume(std::string_view queue, bool no_ack) {
  amqp_basic_consume(state_, kChannel, bytes_of(queue), amqp_empty_bytes, /*no_local=*/0, no_ack,
                     /*exclusive=*/0, amqp_empty_table);
  return check(absl::StrCat("consume from queue '", as_absl(queue), "'"));
}

absl::Status AmqpConnection::select_confirms() {
  amqp_confirm_select(state_, kChannel);
  return check("turn on publisher confirms");
}

absl::Status AmqpConnection::publish(std::string_view exchange, std::string_view key,
                                     bool mandatory, const amqp_basic_properties_t& properties,
                                     std::string_view body) {
  const int published = amqp_basic_publish(state_, kChannel, bytes_of(exchange), bytes_of(key),
                                           mandatory, /*immediate=*/0, &properties, bytes_of(body));
  if (published == AMQP_STATUS_OK) return absl::OkStatus();
  healthy_ = false;
  return absl::UnavailableError(absl::StrCat("publish to '", as_absl(exchange), "' with key '",
                                             as_absl(key), "': ", amqp_error_string2(published)));
}

absl::Status AmqpConnection::ack(uint64_t delivery_tag, bool multiple) {
  const int acked = amqp_basic_ack(state_, kChannel, delivery_tag, multiple);
  if (acked == AMQP_STATUS_OK) return absl::OkStatus();
  healthy_ = false;
  return absl::UnavailableError(absl::StrCat("acknowledge: ", amqp_error_string2(acked)));
}

absl::StatusOr<AmqpConnection::Ready> AmqpConnection::next_delivery(
    absl::FunctionRef<void(const amqp_envelope_t&)> handle) {
  amqp_maybe_release_buffers(state_);
  amqp_envelope_t envelope;
  timeval now{0, 0};
  const amqp_rpc_reply_t reply = amqp_consume_message(state_, &envelope, &now, 0);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
    handle(envelope);
    amqp_destroy_envelope(&envelope);
    return Ready::kDelivery;
  }
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
    if (reply.library_error == AMQP_STATUS_TIMEOUT) return Ready::kNothing;
    if (reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) return Ready::kOtherFrame;
  }
  healthy_ = false;
  return amqp_reply_status(reply, absl::StrCat("read from ", display_));
}

absl::StatusOr<std::optional<amqp_frame_t>> AmqpConnection::next_frame() {
  // The previous frame's memory (an ack, a returned batch) goes back to rabbitmq-c's pools.
  amqp_maybe_release_buffers(state_);
  amqp_frame_t frame;
  timeval now{0, 0};
  const int read = amqp_simple_wait_frame_noblock(state_, &frame, &now);
  if (read == AMQP_STATUS_OK) return frame;
  if (read == AMQP_STATUS_TIMEOUT) return std::nullopt;
  healthy_ = false;
  return absl::UnavailableError(
      absl::StrCat("read from ", display_, ": ", amqp_error_string2(read)));
}

absl::StatusOr<std::string> AmqpConnection::read_content(amqp_channel_t channel) {
  amqp_message_t message;
  const amqp_rpc_reply_t reply = amqp_read_message(state_, channel, &message, 0);
  if (absl::Status status = amqp_reply_status(reply, "read a message's content"); !status.ok()) {
    healthy_ = false;
    return status;
  }
  std::string body(view_of(message.body));
  amqp_destroy_message(&message);
  return body;
}

void AmqpConnection::answer_close(const amqp_frame_t& frame) {
  if (frame.frame_type != AMQP_FRAME_METHOD) return;
  if (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    amqp_connection_close_ok_t ok{};
    amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
  } else if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
    amqp_channel_close_ok_t ok{};
    amqp_send_method(state_, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  }
  healthy_ = false;
}

}  // namespace bossa::transport
