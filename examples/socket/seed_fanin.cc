// The seed's walkthrough on bossa's socket engine: a PULL socket bound to inproc://test prints
// "Received: hey <i> <c>" while five PUSH clients connect and each sends "hey <i> <c>" with a
// random pause. As in ZeroMQ, a context with 0 I/O threads serves inproc only.
//
//   seed_fanin [--tcp] [--messages N] [--max-pause-ms M]
//
// --tcp runs the same over tcp://127.0.0.1 (with one I/O thread); each client sends N messages
// (default 3) and pauses up to M ms (default 500) between them; the program ends when all arrived.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace bs = bossa::socket;

int main(int argc, char** argv) {
  bool tcp = false;
  int messages = 3;
  int max_pause_ms = 500;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--tcp") {
      tcp = true;
    } else if (arg == "--messages" && i + 1 < argc && absl::SimpleAtoi(argv[i + 1], &messages)) {
      ++i;
    } else if (arg == "--max-pause-ms" && i + 1 < argc &&
               absl::SimpleAtoi(argv[i + 1], &max_pause_ms)) {
      ++i;
    } else {
      std::fprintf(stderr, "usage: %s [--tcp] [--messages N] [--max-pause-ms M]\n", argv[0]);
      return 2;
    }
  }

  bs::Context ctx(tcp ? 1 : 0);
  bs::Socket pull(ctx, bs::SocketType::kPull);
  if (absl::Status s = pull.bind(tcp ? "tcp://127.0.0.1:*" : "inproc://test"); !s.ok()) {
    std::fprintf(stderr, "bind: %s\n", s.ToString().c_str());
    return 1;
  }
  const std::string endpoint = pull.last_endpoint();

  constexpr int kClients = 5;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&ctx, &endpoint, i, messages, max_pause_ms] {
      bs::Socket push(ctx, bs::SocketType::kPush);
      if (absl::Status s = push.connect(endpoint); !s.ok()) {
        std::fprintf(stderr, "connect: %s\n", s.ToString().c_str());
        return;
      }
      std::mt19937 rng(std::random_device{}());
      std::uniform_int_distribution<int> pause(0, max_pause_ms);
      for (int c = 0; c < messages; ++c) {
        if (absl::Status s = push.send(absl::StrCat("hey ", i, " ", c)); !s.ok()) {
          std::fprintf(stderr, "send: %s\n", s.ToString().c_str());
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
      }
    });
  }

  for (int n = 0; n < kClients * messages; ++n) {
    absl::StatusOr<bs::Message> m = pull.recv();
    if (!m.ok()) {
      std::fprintf(stderr, "recv: %s\n", m.status().ToString().c_str());
      return 1;
    }
    std::printf("Received: %s\n", (*m)[0].to_string().c_str());
    std::fflush(stdout);
  }
  for (auto& t : clients) t.join();
  return 0;
}
