// bench_amqp_rpc_rt: RPC round trips of a rabbitmq-c client through the broker at
// $BOSSA_BENCH_AMQP_URL (bench/common/amqp_bench.h) to a bossa echo actor on an amqp node, side by
// side with the same client against a plain rabbitmq-c RPC server on the same broker.
//
//   bench_amqp_rpc_rt [seconds] [busy_wait]   (default 3 per implementation; the node's
//                                             [node] busy_wait, default "200us")
//
// The client consumes amq.rabbitmq.reply-to (direct reply-to, no acknowledgements) and publishes
// "ping" (text/plain) with reply_to and a correlation_id, then waits for the answer: to the
// node's names exchange, routing key "echo" (impl "bossa"), or through the default exchange to
// the plain server's queue (impl "rabbitmq-c"), which consumes without acknowledgements and
// publishes the body back to reply_to with the correlation_id and a bossa-status header, as the
// node does. Transient messages, no confirms. Node and server run in this process, both at once:
// the client alternates between them, ten slices each, so that both see the same load. Prints
// round_trips_per_s and the median and 99th percentile round trip (round_trip_p50_us,
// round_trip_p99_us) per impl (bench/common/result_line.h).
#include <amqp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/common/amqp_bench.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/peers/rabbitmq_c/broker_connection.h"
#include "cluster/node.h"
#include "runtime/evented_actor.h"

namespace bossa::bench {
namespace {

constexpr char kBench[] = "amqp_rpc_rt";
constexpr char kDirectReplyTo[] = "amq.rabbitmq.reply-to";

amqp_bytes_t bytes_of(std::string_view text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

std::string_view view_of(amqp_bytes_t bytes) {
  return std::string_view(static_cast<const char*>(bytes.bytes), bytes.len);
}

// One logged-in connection to the bench's broker with channel 1 open.
class Connection : public BrokerConnection {
 public:
  void declare(const std::string& queue) {
    amqp_queue_declare(state_, 1, bytes_of(queue), 0, 0, 1, 1, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(state_), "queue.declare");
  }
  void consume(std::string_view queue) {
    amqp_basic_consume(state_, 1, bytes_of(queue), amqp_empty_bytes, 0, /*no_ack=*/1, 0,
                       amqp_empty_table);
    check_reply(amqp_get_rpc_reply(state_), "basic.consume");
  }
  void publish(std::string_view exchange, std::string_view key,
               const amqp_basic_properties_t& properties, std::string_view body) {
    if (amqp_basic_publish(state_, 1, bytes_of(exchange), bytes_of(key), 0, 0, &properties,
                           bytes_of(body)) != AMQP_STATUS_OK) {
      throw std::runtime_error("basic.publish failed");
    }
  }
  // Hands the next delivery to `handle`; false after `wait` without one.
  template <class Handle>
  bool receive(std::chrono::microseconds wait, Handle&& handle) {
    amqp_maybe_release_buffers(state_);
    amqp_envelope_t envelope;
    timeval timeout{static_cast<time_t>(wait.count() / 1000000),
                    static_cast<suseconds_t>(wait.count() % 1000000)};
    const amqp_rpc_reply_t reply = amqp_consume_message(state_, &envelope, &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_TIMEOUT) {
      return false;
    }
    check_reply(reply, "consume");
    handle(envelope);
    amqp_destroy_envelope(&envelope);
    return true;
  }
};

// An RPC client on direct reply-to: asks `key` on `exchange` and waits for the answer that
// carries its correlation id.
class Client {
 public:
  Client(std::string exchange, std::string key)
      : exchange_(std::move(exchange)), key_(std::move(key)) {
    connection_.consume(kDirectReplyTo);
  }

  // One round trip; false if no answer came within `wait` (the request may have been dropped).
  bool round_trip(std::chrono::microseconds wait) {
    correlation_ = std::to_string(++asked_);
    amqp_basic_properties_t properties{};
    properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                        AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG;
    properties.content_type = amqp_cstring_bytes("text/plain");
    properties.delivery_mode = AMQP_DELIVERY_NONPERSISTENT;
    properties.reply_to = amqp_cstring_bytes(kDirectReplyTo);
    properties.correlation_id = bytes_of(correlation_);
    connection_.publish(exchange_, key_, properties, "ping");
    bool answered = false;
    while (!answered && connection_.receive(wait, [&](const amqp_envelope_t& envelope) {
      answered = view_of(envelope.message.properties.correlation_id) == correlation_ &&
                 view_of(envelope.message.body) == "ping";
    })) {
    }
    return answered;
  }

 private:
  Connection connection_;
  const std::string exchange_;
  const std::string key_;
  std::string correlation_;
  uint64_t asked_ = 0;
};

// Round trips of one implementation, timed in slices that alternate with the other's.
struct Timing {
  const char* impl;
  Client* client;
  std::vector<double> micros;
  double seconds = 0;
};

// Until 2000 answers came back: the first ones wait for bindings and connections.
void warm_up(const Timing& timing) {
  int answered = 0;
  for (Stopwatch started; answered < 2000;) {
    if (timing.client->round_trip(std::chrono::milliseconds(200))) {
      ++answered;
    } else if (started.seconds() > 10) {
      throw std::runtime_error(std::string(timing.impl) + ": no answer within 10 s");
    }
  }
}

void time_slice(Timing& timing, double seconds) {
  Stopwatch total;
  while (total.seconds() < seconds) {
    Stopwatch one;
    if (!timing.client->round_trip(std::chrono::seconds(5))) {
      throw std::runtime_error(std::string(timing.impl) + ": an answer was lost");
    }
    timing.micros.push_back(std::chrono::duration<double, std::micro>(one.elapsed()).count());
  }
  timing.seconds += total.seconds();
}

void print(Timing& timing) {
  std::vector<double>& micros = timing.micros;
  std::sort(micros.begin(), micros.end());
  print_result(kBench, timing.impl, "round_trips_per_s", micros.size() / timing.seconds);
  print_result(kBench, timing.impl, "round_trip_p50_us", micros[micros.size() / 2]);
  print_result(kBench, timing.impl, "round_trip_p99_us", micros[micros.size() * 99 / 100]);
}

std::unique_ptr<Node> start_node(const std::string& prefix, const std::string& busy_wait) {
  absl::StatusOr<NodeConfig> config = parse_node_config(
      "[node]\nname = \"rpc-bench\"\nworkers = 2\nbusy_wait = \"" + busy_wait + "\"\n" +
          "[transport]\nkind = \"amqp\"\n[transport.amqp]\nurl = \"" + amqp_bench_url() +
          "\"\nexchange = \"" + prefix + "\"\nshared_user = true\n",
      "bench_amqp_rpc_rt");
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  absl::StatusOr<std::unique_ptr<Node>> node = Node::create(*std::move(config));
  if (!node.ok()) throw std::runtime_error(std::string(node.status().message()));
  (*node)->log().set_level(LogLevel::kError);
  const Pid echo = (*node)->runtime().spawn(
      [](EventedActor&) -> Behavior { return {[](std::string text) { return text; }}; });
  if (!(*node)->register_global("echo", echo).ok()) throw std::runtime_error("register echo");
  if (absl::Status started = (*node)->start(); !started.ok()) {
    throw std::runtime_error(std::string(started.message()));
  }
  return *std::move(node);
}

// The plain RPC server: consumes `queue` (exclusive, auto-delete) and answers each request to its
// reply_to, until `stop`.
void serve_plain(const std::string& queue, std::atomic<bool>& ready, std::atomic<bool>& stop) {
  Connection connection;
  connection.declare(queue);
  connection.consume(queue);
  ready.store(true);
  amqp_table_entry_t status{};
  status.key = amqp_cstring_bytes("bossa-status");
  status.value.kind = AMQP_FIELD_KIND_UTF8;
  status.value.value.bytes = amqp_cstring_bytes("OK");
  amqp_basic_properties_t answer{};
  answer._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                  AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG;
  answer.content_type = amqp_cstring_bytes("text/plain");
  answer.delivery_mode = AMQP_DELIVERY_NONPERSISTENT;
  answer.headers = amqp_table_t{1, &status};
  while (!stop.load()) {
    (void)connection.receive(std::chrono::milliseconds(100), [&](const amqp_envelope_t& request) {
      const amqp_basic_properties_t& asked = request.message.properties;
      if (!(asked._flags & AMQP_BASIC_REPLY_TO_FLAG)) return;
      answer.correlation_id = asked.correlation_id;
      connection.publish("", view_of(asked.reply_to), answer, view_of(request.message.body));
    });
  }
}

// Both servers up at once; the client's round trips alternate between them in kSlices slices
// each, so that a machine whose load changes weighs on both alike.
void run(double seconds, const std::string& busy_wait) {
  constexpr int kSlices = 10;
  const std::string prefix = "bench-rpc-" + std::to_string(::getpid());
  const std::string queue = prefix + ".rabbitmq-c";
  std::atomic<bool> ready{false};
  std::atomic<bool> stop{false};
  std::thread server([&] { serve_plain(queue, ready, stop); });
  while (!ready.load()) std::this_thread::yield();
  std::unique_ptr<Node> node = start_node(prefix, busy_wait);
  {
    Client to_bossa(prefix + ".names", "echo");
    Client to_plain("", queue);
    Timing timings[] = {{"bossa", &to_bossa, {}, 0}, {"rabbitmq-c", &to_plain, {}, 0}};
    for (Timing& timing : timings) {
      warm_up(timing);
      timing.micros.reserve(1 << 20);
    }
    for (int slice = 0; slice < kSlices; ++slice) {
      for (Timing& timing : timings) time_slice(timing, seconds / kSlices);
    }
    for (Timing& timing : timings) print(timing);
  }
  node->stop();
  stop.store(true);
  server.join();
}

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  const std::string busy_wait = argc > 2 ? argv[2] : "200us";
  try {
    bossa::bench::run(seconds, busy_wait);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_amqp_rpc_rt: %s\n", error.what());
    return 1;
  }
  return 0;
}
