// Push/pull pipeline: a ventilator PUSHes tasks to three workers (load-balanced), each worker
// PUSHes its result to a sink that PULLs them all (fair-queued). Over tcp, one process.
//
//   pipeline [tasks]     (default 30)
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace bs = bossa::socket;

int main(int argc, char** argv) {
  int tasks = 30;
  if (argc > 1 && !absl::SimpleAtoi(argv[1], &tasks)) {
    std::fprintf(stderr, "usage: %s [tasks]\n", argv[0]);
    return 2;
  }
  bs::Context ctx(1);
  bs::Socket ventilator(ctx, bs::SocketType::kPush);
  bs::Socket sink(ctx, bs::SocketType::kPull);
  if (!ventilator.bind("tcp://127.0.0.1:*").ok() || !sink.bind("tcp://127.0.0.1:*").ok()) {
    std::fprintf(stderr, "bind failed\n");
    return 1;
  }
  const std::string tasks_at = ventilator.last_endpoint();
  const std::string results_at = sink.last_endpoint();

  constexpr int kWorkers = 3;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      bs::Socket in(ctx, bs::SocketType::kPull);
      bs::Socket out(ctx, bs::SocketType::kPush);
      if (!in.connect(tasks_at).ok() || !out.connect(results_at).ok()) return;
      while (true) {
        absl::StatusOr<bs::Message> task = in.recv();
        if (!task.ok() || (*task)[0] == "stop") return;
        int n = 0;
        (void)absl::SimpleAtoi((*task)[0].to_string(), &n);
        (void)out.send(absl::StrCat("worker ", w, ": ", n, " squared is ", n * n));
      }
    });
  }

  for (int i = 1; i <= tasks; ++i) (void)ventilator.send(absl::StrCat(i));
  for (int i = 0; i < tasks; ++i) {
    absl::StatusOr<bs::Message> r = sink.recv();
    if (!r.ok()) return 1;
    std::printf("%s\n", (*r)[0].to_string().c_str());
  }
  for (int w = 0; w < kWorkers; ++w) (void)ventilator.send("stop");
  for (auto& t : workers) t.join();
  return 0;
}
