// bench_socket_libzmq: the socket benchmark cases (bench/common/socket_bench_main.h) over libzmq's
// C API, the baseline bossa's socket engine is compared with.
#include <zmq.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "bench/common/socket_bench_driver.h"
#include "bench/common/socket_bench_main.h"

namespace bossa::bench {
namespace {

[[noreturn]] void throw_zmq_error(std::string_view call) {
  throw std::runtime_error(std::string(call) + ": " + zmq_strerror(zmq_errno()));
}

int zmq_type(Pattern pattern) {
  switch (pattern) {
    case Pattern::kPush:
      return ZMQ_PUSH;
    case Pattern::kPull:
      return ZMQ_PULL;
    case Pattern::kReq:
      return ZMQ_REQ;
    case Pattern::kRep:
      return ZMQ_REP;
  }
  throw std::logic_error("unknown pattern");
}

// Owns one zmq socket; closing it lets the context flush what is queued (linger: forever).
class ZmqSocket : public BenchSocket {
 public:
  ZmqSocket(void* context, Pattern pattern) : socket_(zmq_socket(context, zmq_type(pattern))) {
    if (socket_ == nullptr) throw_zmq_error("zmq_socket");
  }
  ZmqSocket(const ZmqSocket&) = delete;
  ZmqSocket& operator=(const ZmqSocket&) = delete;
  ~ZmqSocket() override { zmq_close(socket_); }

  void* handle() const { return socket_; }

  void send(std::span<const std::byte> data) override {
    while (zmq_send(socket_, data.data(), data.size(), 0) < 0) {
      if (zmq_errno() != EINTR) throw_zmq_error("zmq_send");
    }
  }

  std::size_t receive(std::span<std::byte> buffer) override {
    int n;
    while ((n = zmq_recv(socket_, buffer.data(), buffer.size(), 0)) < 0) {
      if (zmq_errno() != EINTR) throw_zmq_error("zmq_recv");
    }
    // zmq_recv truncates and returns the full size of a message larger than the buffer.
    if (static_cast<std::size_t>(n) > buffer.size()) {
      throw std::runtime_error("zmq_recv: message of " + std::to_string(n) +
                               " bytes exceeds the buffer of " + std::to_string(buffer.size()));
    }
    return static_cast<std::size_t>(n);
  }

 private:
  void* socket_;
};

// libzmq's streamer: zmq_proxy_steerable on a thread of its own, ended by TERMINATE.
class Streamer : public BenchDevice {
 public:
  Streamer(void* context, const std::string& backend)
      : frontend_socket_(context, Pattern::kPull),
        backend_socket_(context, Pattern::kPush),
        control_(zmq_socket(context, ZMQ_PAIR)),
        steer_(zmq_socket(context, ZMQ_PAIR)) {
    const std::string control_endpoint =
        "inproc://bench-streamer-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    if (zmq_bind(frontend_socket_.handle(), "tcp://127.0.0.1:*") != 0) throw_zmq_error("zmq_bind");
    if (zmq_connect(backend_socket_.handle(), backend.c_str()) != 0) {
      throw_zmq_error("zmq_connect");
    }
    if (zmq_bind(control_, control_endpoint.c_str()) != 0) throw_zmq_error("zmq_bind control");
    if (zmq_connect(steer_, control_endpoint.c_str()) != 0) throw_zmq_error("zmq_connect control");
    char resolved[256];
    std::size_t length = sizeof resolved;
    if (zmq_getsockopt(frontend_socket_.handle(), ZMQ_LAST_ENDPOINT, resolved, &length) != 0) {
      throw_zmq_error("zmq_getsockopt(ZMQ_LAST_ENDPOINT)");
    }
    frontend_ = resolved;
    thread_ = std::thread([this] {
      zmq_proxy_steerable(frontend_socket_.handle(), backend_socket_.handle(), nullptr, control_);
    });
  }
  ~Streamer() override {
    zmq_send(steer_, "TERMINATE", 9, 0);
    thread_.join();
    zmq_close(control_);
    zmq_close(steer_);
  }
  const std::string& frontend() const override { return frontend_; }

 private:
  ZmqSocket frontend_socket_;
  ZmqSocket backend_socket_;
  void* control_;
  void* steer_;
  std::string frontend_;
  std::thread thread_;
};

class ZmqDriver : public SocketBenchDriver {
 public:
  ZmqDriver() : context_(zmq_ctx_new()) {
    if (context_ == nullptr) throw_zmq_error("zmq_ctx_new");
  }
  ZmqDriver(const ZmqDriver&) = delete;
  ZmqDriver& operator=(const ZmqDriver&) = delete;
  ~ZmqDriver() override { zmq_ctx_term(context_); }

  std::string_view impl() const override { return "libzmq"; }

  BoundSocket bind(Pattern pattern, const std::string& endpoint, const CurveKeys* curve) override {
    auto socket = std::make_unique<ZmqSocket>(context_, pattern);
    if (curve != nullptr) {
      // Without a ZAP handler libzmq's CURVE server takes any client; the handshake is not timed.
      set(*socket, ZMQ_CURVE_SERVER, 1);
      set(*socket, ZMQ_CURVE_SECRETKEY, curve->server_secret);
    }
    if (zmq_bind(socket->handle(), endpoint.c_str()) != 0) {
      throw_zmq_error("zmq_bind(" + endpoint + ")");
    }
    char resolved[256];
    std::size_t length = sizeof resolved;
    if (zmq_getsockopt(socket->handle(), ZMQ_LAST_ENDPOINT, resolved, &length) != 0) {
      throw_zmq_error("zmq_getsockopt(ZMQ_LAST_ENDPOINT)");
    }
    return {std::move(socket), resolved};
  }

  std::unique_ptr<BenchSocket> connect(Pattern pattern, const std::string& endpoint,
                                       const CurveKeys* curve) override {
    auto socket = std::make_unique<ZmqSocket>(context_, pattern);
    if (curve != nullptr) {
      set(*socket, ZMQ_CURVE_SERVERKEY, curve->server_public);
      set(*socket, ZMQ_CURVE_PUBLICKEY, curve->client_public);
      set(*socket, ZMQ_CURVE_SECRETKEY, curve->client_secret);
    }
    if (zmq_connect(socket->handle(), endpoint.c_str()) != 0) {
      throw_zmq_error("zmq_connect(" + endpoint + ")");
    }
    return socket;
  }

  std::unique_ptr<BenchDevice> start_streamer(const std::string& backend) override {
    return std::make_unique<Streamer>(context_, backend);
  }

  std::pair<std::string, std::string> curve_keypair() override {
    char public_key[41];
    char secret_key[41];
    if (zmq_curve_keypair(public_key, secret_key) != 0) throw_zmq_error("zmq_curve_keypair");
    return {public_key, secret_key};
  }

 private:
  static void set(ZmqSocket& socket, int option, int value) {
    if (zmq_setsockopt(socket.handle(), option, &value, sizeof value) != 0) {
      throw_zmq_error("zmq_setsockopt");
    }
  }
  // A Z85 key: 40 characters and the terminating NUL, as libzmq takes them.
  static void set(ZmqSocket& socket, int option, const std::string& key) {
    if (zmq_setsockopt(socket.handle(), option, key.c_str(), key.size() + 1) != 0) {
      throw_zmq_error("zmq_setsockopt");
    }
  }

  void* context_;
};

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  bossa::bench::ZmqDriver driver;
  return bossa::bench::socket_bench_main(argc, argv, driver);
}
