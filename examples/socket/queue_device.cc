// The queue device: REQ clients connect to a ROUTER frontend, REP workers to a DEALER backend,
// and proxy_steerable carries requests and replies between them until its control socket says
// TERMINATE. (broker.cc writes the same loop by hand with a Poller.)
#include <atomic>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/devices/proxy.h"

namespace bs = bossa::socket;

int main() {
  constexpr int kClients = 3;
  constexpr int kWorkers = 2;
  constexpr int kRequestsPerClient = 4;
  bs::Context context(1);
  bs::Socket frontend(context, bs::SocketType::kRouter);
  bs::Socket backend(context, bs::SocketType::kDealer);
  bs::Socket control(context, bs::SocketType::kRep);
  if (!frontend.bind("tcp://127.0.0.1:*").ok() || !backend.bind("inproc://workers").ok() ||
      !control.bind("inproc://queue-control").ok()) {
    return 1;
  }
  const std::string clients_connect_to = frontend.last_endpoint();
  std::future<absl::Status> device = std::async(std::launch::async, [&] {
    return bs::proxy_steerable(frontend, backend, nullptr, &control);
  });

  std::atomic<bool> done{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      bs::Socket rep(context, bs::SocketType::kRep);
      (void)rep.set(bs::Option::kRcvtimeo, 50);  // to see `done` now and then
      if (!rep.connect("inproc://workers").ok()) return;
      while (!done) {
        absl::StatusOr<bs::Message> request = rep.recv();
        if (!request.ok()) continue;
        (void)rep.send(absl::StrCat((*request)[0].to_string(), " handled by worker ", w));
      }
    });
  }
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      bs::Socket req(context, bs::SocketType::kReq);
      if (!req.connect(clients_connect_to).ok()) return;
      for (int i = 0; i < kRequestsPerClient; ++i) {
        (void)req.send(absl::StrCat("client ", c, " request ", i));
        absl::StatusOr<bs::Message> reply = req.recv();
        if (reply.ok()) std::printf("%s\n", (*reply)[0].to_string().c_str());
      }
    });
  }
  for (std::thread& client : clients) client.join();
  done = true;
  for (std::thread& worker : workers) worker.join();

  bs::Socket steer(context, bs::SocketType::kReq);
  if (!steer.connect("inproc://queue-control").ok() || !steer.send("TERMINATE").ok()) return 1;
  (void)steer.recv();
  const absl::Status ended = device.get();
  std::printf("the device ended: %s\n", ended.ToString().c_str());
  return ended.ok() ? 0 : 1;
}
