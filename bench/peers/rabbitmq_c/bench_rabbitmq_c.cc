// bench_rabbitmq_c [filter]: the amqp baselines, plain rabbitmq-c publishers and consumers on the
// broker at $BOSSA_BENCH_AMQP_URL (bench/common/amqp_bench.h), in two processes
// (bench/common/remote_bench_main.h), printed with impl "rabbitmq-c". What bench_bossa_amqp does
// with actors, done with nothing but the library: transient messages, no confirms, consumers
// without acknowledgements.
//
//   amqp_thr  the peer publishes amqp_bench_messages() messages (an 8-byte sequence number each)
//             through the default exchange to a queue the measuring side consumes; it times the
//             first to the last and checks the order.
//   amqp_lat  the measuring side publishes one 8-byte number to the ping queue; the peer consumes
//             it and publishes it to the pong queue, which the measuring side consumes.
#include <amqp.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/amqp_bench.h"
#include "bench/common/remote_bench_main.h"
#include "bench/common/result_line.h"
#include "bench/peers/rabbitmq_c/broker_connection.h"

namespace bossa::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One logged-in connection with channel 1 open.
class Connection : public BrokerConnection {
 public:
  void declare(const std::string& queue) {
    amqp_queue_declare(state_, 1, amqp_cstring_bytes(queue.c_str()), 0, 0, 0, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(state_), "queue.declare");
  }
  void remove(const std::string& queue) {
    amqp_queue_delete(state_, 1, amqp_cstring_bytes(queue.c_str()), 0, 0);
    check_reply(amqp_get_rpc_reply(state_), "queue.delete");
  }
  void consume(const std::string& queue) {
    amqp_basic_consume(state_, 1, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0,
                       /*no_ack=*/1, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(state_), "basic.consume");
  }
  void publish(const std::string& queue, int64_t value) {
    amqp_basic_properties_t properties{};
    properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties.delivery_mode = AMQP_DELIVERY_NONPERSISTENT;
    const amqp_bytes_t body{sizeof value, &value};
    if (amqp_basic_publish(state_, 1, amqp_empty_bytes, amqp_cstring_bytes(queue.c_str()), 0, 0,
                           &properties, body) != AMQP_STATUS_OK) {
      throw std::runtime_error("basic.publish failed");
    }
  }
  // The next delivered number, or nullopt after a second without one.
  std::optional<int64_t> receive() {
    amqp_maybe_release_buffers(state_);
    amqp_envelope_t envelope;
    timeval timeout{1, 0};
    const amqp_rpc_reply_t reply = amqp_consume_message(state_, &envelope, &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_TIMEOUT) {
      return std::nullopt;
    }
    check_reply(reply, "consume");
    int64_t value = -1;
    if (envelope.message.body.len == sizeof value) {
      std::memcpy(&value, envelope.message.body.bytes, sizeof value);
    }
    amqp_destroy_envelope(&envelope);
    return value;
  }
};

std::string queue_name(const char* what) {
  return "bench.rabbitmq-c." + std::string(what) + "." + std::to_string(::getpid());
}

void run_thr() {
  Connection connection;
  const std::string queue = queue_name("thr");
  connection.declare(queue);
  connection.consume(queue);
  PeerProcess peer("thr-publisher", {queue});
  const uint64_t messages = amqp_bench_messages();
  Clock::time_point first;
  for (uint64_t next = 0; next < messages; ++next) {
    std::optional<int64_t> value;
    while (!(value = connection.receive())) peer.check_running("the sequence");
    if (next == 0) first = Clock::now();
    if (*value != static_cast<int64_t>(next)) throw std::runtime_error("messages out of order");
  }
  const std::chrono::duration<double> elapsed = Clock::now() - first;
  peer.finish();
  connection.remove(queue);
  print_result("amqp_thr", "rabbitmq-c", "msgs_per_s",
               static_cast<double>(messages - 1) / elapsed.count());
}

void publish_sequence(const std::vector<std::string>& args) {
  Connection connection;
  const uint64_t messages = amqp_bench_messages();
  for (uint64_t i = 0; i < messages; ++i) connection.publish(args[0], static_cast<int64_t>(i));
  await_release();
}

void run_lat() {
  Connection connection;
  const std::string ping = queue_name("ping");
  const std::string pong = queue_name("pong");
  connection.declare(ping);
  connection.declare(pong);
  connection.consume(pong);
  PeerProcess peer("lat-echo", {ping, pong});
  auto bounce = [&](int64_t value) {
    connection.publish(ping, value);
    std::optional<int64_t> back;
    while (!(back = connection.receive())) peer.check_running("a round trip");
    if (*back != value) throw std::runtime_error("the echo answered another number");
  };
  const double round_trip_us = mean_round_trip_us(bounce);
  peer.finish();
  connection.remove(ping);
  connection.remove(pong);
  print_result("amqp_lat", "rabbitmq-c", "round_trip_us", round_trip_us);
}

void echo(const std::vector<std::string>& args) {
  Connection connection;
  connection.consume(args[0]);
  const uint64_t round_trips = kWarmupRoundTrips + kTimedRoundTrips;
  for (uint64_t i = 0; i < round_trips; ++i) {
    std::optional<int64_t> value;
    while (!(value = connection.receive())) {
    }
    connection.publish(args[1], *value);
  }
  await_release();
}

constexpr RemoteCase kCases[] = {{"amqp_thr", run_thr}, {"amqp_lat", run_lat}};
constexpr RemoteRole kRoles[] = {{"thr-publisher", 1, publish_sequence}, {"lat-echo", 2, echo}};

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  return bossa::bench::remote_bench_main(argc, argv, bossa::bench::kCases, bossa::bench::kRoles);
}
