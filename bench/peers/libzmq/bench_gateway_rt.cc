// bench_gateway_rt: round trips of a libzmq REQ client through a bossa node's gateway to an echo
// actor, side by side with the same client against a plain libzmq REP echo server.
//
//   bench_gateway_rt [seconds]        (default 3 per implementation)
//
// Both servers run in this process and are reached over tcp on loopback; the client sends
// [echo] [text/plain] [ping] (the gateway's format; the REP server echoes the body) and waits
// for each answer. The gateway runs with security = "none", as the REP server has none. Prints
// round_trips_per_s and the median and 99th percentile round trip (round_trip_p50_us,
// round_trip_p99_us) for impl "bossa" and "libzmq" (bench/common/result_line.h).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.h>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "cluster/node.h"
#include "runtime/evented_actor.h"

namespace {

constexpr char kBench[] = "gateway_rt";

// One REQ client's round trips to `endpoint` for `seconds`, after a short warm-up.
void measure(const char* impl, void* context, const std::string& endpoint, double seconds) {
  void* req = zmq_socket(context, ZMQ_REQ);
  int linger = 0;
  zmq_setsockopt(req, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_connect(req, endpoint.c_str()) != 0) {
    std::fprintf(stderr, "%s: cannot connect to %s\n", impl, endpoint.c_str());
    std::exit(1);
  }
  const std::array<std::string, 3> request = {"echo", "text/plain", "ping"};
  auto round_trip = [&] {
    for (size_t i = 0; i < request.size(); ++i) {
      zmq_send(req, request[i].data(), request[i].size(), i + 1 < request.size() ? ZMQ_SNDMORE : 0);
    }
    int more = 1;
    size_t more_size = sizeof more;
    char buffer[256];
    while (more != 0) {
      if (zmq_recv(req, buffer, sizeof buffer, 0) < 0) {
        std::fprintf(stderr, "%s: recv failed: %s\n", impl, zmq_strerror(zmq_errno()));
        std::exit(1);
      }
      zmq_getsockopt(req, ZMQ_RCVMORE, &more, &more_size);
    }
  };
  for (int i = 0; i < 2000; ++i) round_trip();  // connection made, caches warm
  std::vector<double> micros;
  micros.reserve(1 << 20);
  bossa::bench::Stopwatch total;
  while (total.seconds() < seconds) {
    bossa::bench::Stopwatch one;
    round_trip();
    micros.push_back(std::chrono::duration<double, std::micro>(one.elapsed()).count());
  }
  const double elapsed = total.seconds();
  zmq_close(req);
  std::sort(micros.begin(), micros.end());
  bossa::bench::print_result(kBench, impl, "round_trips_per_s", micros.size() / elapsed);
  bossa::bench::print_result(kBench, impl, "round_trip_p50_us", micros[micros.size() / 2]);
  bossa::bench::print_result(kBench, impl, "round_trip_p99_us", micros[micros.size() * 99 / 100]);
}

void run_bossa(void* context, double seconds) {
  absl::StatusOr<bossa::NodeConfig> config = bossa::parse_node_config(
      "[node]\nname = \"gateway-bench\"\nworkers = 2\n"
      "[transport]\nlisten = \"tcp://127.0.0.1:*\"\nsecurity = \"none\"\n"
      "[gateway]\nlisten = \"tcp://127.0.0.1:*\"\nsecurity = \"none\"\n",
      "bench_gateway_rt");
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    std::exit(1);
  }
  absl::StatusOr<std::unique_ptr<bossa::Node>> node = bossa::Node::create(*std::move(config));
  if (!node.ok()) std::exit(1);
  (*node)->log().set_level(bossa::LogLevel::kError);
  const bossa::Pid echo = (*node)->runtime().spawn([](bossa::EventedActor&) -> bossa::Behavior {
    return {[](std::string text) { return text; }};
  });
  if (!(*node)->register_global("echo", echo).ok() || !(*node)->start().ok()) std::exit(1);
  measure("bossa", context, (*node)->gateway_endpoint(), seconds);
  (*node)->stop();
}

void run_libzmq(void* context, double seconds) {
  void* rep = zmq_socket(context, ZMQ_REP);
  int linger = 0;
  zmq_setsockopt(rep, ZMQ_LINGER, &linger, sizeof linger);
  zmq_bind(rep, "tcp://127.0.0.1:*");
  char endpoint[256];
  size_t size = sizeof endpoint;
  zmq_getsockopt(rep, ZMQ_LAST_ENDPOINT, endpoint, &size);
  // Echoes the body (the last frame) of each request, after a status and a content type, as
  // the gateway answers; a zero-length message from the main thread (on "stop") ends it.
  std::thread server([rep] {
    char frames[3][256];
    for (;;) {
      int lengths[3] = {0, 0, 0};
      int more = 1;
      size_t more_size = sizeof more;
      int count = 0;
      while (more != 0) {
        const int n = zmq_recv(rep, frames[std::min(count, 2)], 256, 0);
        if (n < 0) return;  // the context is terminating
        lengths[std::min(count, 2)] = n;
        ++count;
        zmq_getsockopt(rep, ZMQ_RCVMORE, &more, &more_size);
      }
      if (count == 1 && lengths[0] == 0) return;
      zmq_send(rep, "OK", 2, ZMQ_SNDMORE);
      zmq_send(rep, "text/plain", 10, ZMQ_SNDMORE);
      zmq_send(rep, frames[2], static_cast<size_t>(std::min(lengths[2], 256)), 0);
    }
  });
  measure("libzmq", context, endpoint, seconds);
  void* stopper = zmq_socket(context, ZMQ_REQ);
  zmq_setsockopt(stopper, ZMQ_LINGER, &linger, sizeof linger);
  zmq_connect(stopper, endpoint);
  zmq_send(stopper, "", 0, 0);
  server.join();
  zmq_close(stopper);
  zmq_close(rep);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  void* context = zmq_ctx_new();
  run_bossa(context, seconds);
  run_libzmq(context, seconds);
  zmq_ctx_term(context);
  return 0;
}
