// bench_socket_bossa: the socket benchmark cases (bench/common/socket_bench_main.h) over bossa's
// own socket engine, measured by the same loops as bench_socket_libzmq, plus
//   socket_idle_tcp/bytes_per_connection: resident memory per idle tcp connection, both ends
//   counted (a ROUTER and a DEALER in this process joined by kIdleConnections connections).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "bench/common/peak_rss.h"
#include "bench/common/result_line.h"
#include "bench/common/socket_bench_driver.h"
#include "bench/common/socket_bench_main.h"
#include "transport/socket/core/authenticator.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/keys.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/devices/proxy.h"

namespace bossa::bench {
namespace {

namespace bs = bossa::socket;

[[noreturn]] void Throw(std::string_view call, const absl::Status& status) {
  throw std::runtime_error(std::string(call) + ": " + status.ToString());
}

bs::SocketType TypeOf(Pattern pattern) {
  switch (pattern) {
    case Pattern::kPush:
      return bs::SocketType::kPush;
    case Pattern::kPull:
      return bs::SocketType::kPull;
    case Pattern::kReq:
      return bs::SocketType::kReq;
    case Pattern::kRep:
      return bs::SocketType::kRep;
  }
  throw std::logic_error("unknown pattern");
}

class BossaSocket : public BenchSocket {
 public:
  BossaSocket(bs::Context& context, Pattern pattern) : socket_(context, TypeOf(pattern)) {}

  bs::Socket& socket() { return socket_; }

  void send(std::span<const std::byte> data) override {
    absl::Status s = socket_.send(bs::Message(bs::Frame(data.data(), data.size())));
    if (!s.ok()) Throw("send", s);
  }

  std::size_t receive(std::span<std::byte> buffer) override {
    absl::StatusOr<bs::Message> m = socket_.recv();
    if (!m.ok()) Throw("recv", m.status());
    if (m->size() != 1) throw std::runtime_error("recv: expected a one-frame message");
    const bs::Frame& f = (*m)[0];
    if (f.size() > buffer.size()) {
      throw std::runtime_error("recv: message of " + std::to_string(f.size()) +
                               " bytes exceeds the buffer of " + std::to_string(buffer.size()));
    }
    std::memcpy(buffer.data(), f.data(), f.size());
    return f.size();
  }

 private:
  bs::Socket socket_;
};

// bossa's streamer: proxy_steerable on a thread of its own, ended by TERMINATE on its control.
class Streamer : public BenchDevice {
 public:
  Streamer(bs::Context& context, const std::string& backend)
      : frontend_socket_(context, bs::SocketType::kPull),
        backend_socket_(context, bs::SocketType::kPush),
        control_(context, bs::SocketType::kPair),
        steer_(context, bs::SocketType::kPair) {
    const std::string control_endpoint =
        "inproc://bench-streamer-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    if (absl::Status s = frontend_socket_.bind("tcp://127.0.0.1:*"); !s.ok()) Throw("bind", s);
    if (absl::Status s = backend_socket_.connect(backend); !s.ok()) Throw("connect", s);
    if (absl::Status s = control_.bind(control_endpoint); !s.ok()) Throw("bind", s);
    if (absl::Status s = steer_.connect(control_endpoint); !s.ok()) Throw("connect", s);
    frontend_ = frontend_socket_.last_endpoint();
    thread_ = std::thread([this] {
      (void)bs::proxy_steerable(frontend_socket_, backend_socket_, nullptr, &control_);
    });
  }
  ~Streamer() override {
    (void)steer_.send("TERMINATE");
    thread_.join();
  }
  const std::string& frontend() const override { return frontend_; }

 private:
  bs::Socket frontend_socket_;
  bs::Socket backend_socket_;
  bs::Socket control_;
  bs::Socket steer_;
  std::string frontend_;
  std::thread thread_;
};

class BossaDriver : public SocketBenchDriver {
 public:
  std::string_view impl() const override { return "bossa"; }

  BoundSocket bind(Pattern pattern, const std::string& endpoint, const CurveKeys* curve) override {
    auto socket = std::make_unique<BossaSocket>(context_, pattern);
    if (curve != nullptr) {
      // A CURVE server takes no client without an authenticator: this one lets in the case's.
      if (absl::Status s = authenticator_->allow_curve("", curve->client_public); !s.ok()) {
        Throw("allow_curve", s);
      }
      Set(socket->socket(), bs::Option::kCurveServer, 1);
      Set(socket->socket(), bs::Option::kCurveSecretkey, curve->server_secret);
    }
    if (absl::Status s = socket->socket().bind(endpoint); !s.ok()) Throw("bind " + endpoint, s);
    std::string resolved = socket->socket().last_endpoint();
    return {std::move(socket), std::move(resolved)};
  }

  std::unique_ptr<BenchSocket> connect(Pattern pattern, const std::string& endpoint,
                                       const CurveKeys* curve) override {
    auto socket = std::make_unique<BossaSocket>(context_, pattern);
    if (curve != nullptr) {
      Set(socket->socket(), bs::Option::kCurveServerkey, curve->server_public);
      Set(socket->socket(), bs::Option::kCurvePublickey, curve->client_public);
      Set(socket->socket(), bs::Option::kCurveSecretkey, curve->client_secret);
    }
    if (absl::Status s = socket->socket().connect(endpoint); !s.ok()) {
      Throw("connect " + endpoint, s);
    }
    return socket;
  }

  std::unique_ptr<BenchDevice> start_streamer(const std::string& backend) override {
    return std::make_unique<Streamer>(context_, backend);
  }

  std::pair<std::string, std::string> curve_keypair() override {
    bs::CurveKeyPair pair = bs::curve_keypair();
    return {pair.public_key, pair.secret_key};
  }

 private:
  template <typename Value>
  static void Set(bs::Socket& socket, bs::Option option, const Value& value) {
    if (absl::Status s = socket.set(option, value); !s.ok()) Throw("set", s);
  }

  bs::Context context_{1};
  std::shared_ptr<bs::Authenticator> authenticator_ = [this] {
    auto authenticator = std::make_shared<bs::Authenticator>();
    context_.set_authenticator(authenticator);
    return authenticator;
  }();
};

constexpr int kIdleConnections = 1000;

// Opens kIdleConnections idle tcp connections and reports the growth of the peak RSS per
// connection. Runs before any other case, so nothing else inflates the figure.
void MeasureIdleConnections() {
  bs::Context context(1);
  bs::Socket router(context, bs::SocketType::kRouter);
  bs::Socket dealer(context, bs::SocketType::kDealer);
  if (!router.bind("tcp://127.0.0.1:*").ok()) throw std::runtime_error("idle: bind failed");
  const std::uint64_t before = peak_rss_bytes();
  for (int i = 0; i < kIdleConnections; ++i) {
    if (!dealer.connect(router.last_endpoint()).ok()) throw std::runtime_error("idle: connect");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (router.stats().connections_established < kIdleConnections) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("idle: timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Let every connection settle into its idle state (pipes attached on both sides).
  (void)router.recv(bs::Flags::kDontwait);
  (void)dealer.recv(bs::Flags::kDontwait);
  const std::uint64_t after = peak_rss_bytes();
  print_result("socket_idle_tcp", "bossa", "bytes_per_connection",
               static_cast<double>(after - before) / kIdleConnections);
}

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  const bool peer_role = argc > 1 && std::string_view(argv[1]) == "--role";
  const std::string_view filter = argc > 1 ? argv[1] : "";
  if (!peer_role && std::string_view("socket_idle_tcp").find(filter) != std::string_view::npos) {
    try {
      bossa::bench::MeasureIdleConnections();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "socket_idle_tcp: %s\n", e.what());
      return 1;
    }
  }
  bossa::bench::BossaDriver driver;
  return bossa::bench::socket_bench_main(argc, argv, driver);
}
