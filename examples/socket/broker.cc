// A router/dealer broker: REQ clients connect to a ROUTER frontend, REP workers to a DEALER
// backend, and a poller loop shuttles whole messages (envelopes included) between the two.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/poller.h"
#include "transport/socket/core/socket.h"

namespace bs = bossa::socket;

int main() {
  constexpr int kClients = 3;
  constexpr int kWorkers = 2;
  constexpr int kRequestsPerClient = 4;
  bs::Context ctx(1);
  bs::Socket frontend(ctx, bs::SocketType::kRouter);
  bs::Socket backend(ctx, bs::SocketType::kDealer);
  if (!frontend.bind("tcp://127.0.0.1:*").ok() || !backend.bind("inproc://workers").ok()) {
    return 1;
  }
  const std::string front_at = frontend.last_endpoint();

  std::atomic<bool> done{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      bs::Socket rep(ctx, bs::SocketType::kRep);
      (void)rep.set(bs::Option::kRcvtimeo, 50);
      if (!rep.connect("inproc://workers").ok()) return;
      while (!done) {
        absl::StatusOr<bs::Message> m = rep.recv();
        if (!m.ok()) continue;
        (void)rep.send(absl::StrCat((*m)[0].to_string(), " handled by worker ", w));
      }
    });
  }
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      bs::Socket req(ctx, bs::SocketType::kReq);
      if (!req.connect(front_at).ok()) return;
      for (int i = 0; i < kRequestsPerClient; ++i) {
        (void)req.send(absl::StrCat("client ", c, " request ", i));
        absl::StatusOr<bs::Message> reply = req.recv();
        if (reply.ok()) std::printf("%s\n", (*reply)[0].to_string().c_str());
      }
    });
  }

  bs::Poller poller;
  poller.add(frontend, bs::Poller::kReadable);
  poller.add(backend, bs::Poller::kReadable);
  int replies = 0;
  while (replies < kClients * kRequestsPerClient) {
    for (const auto& ready : poller.wait(std::chrono::milliseconds(1000))) {
      bs::Socket& from = *ready.socket;
      bs::Socket& to = &from == &frontend ? backend : frontend;
      absl::StatusOr<bs::Message> m = from.recv(bs::Flags::kDontwait);
      if (!m.ok()) continue;
      if (&from == &backend) ++replies;
      (void)to.send(*std::move(m));
    }
  }
  for (auto& t : clients) t.join();
  done = true;
  for (auto& t : workers) t.join();
  return 0;
}
