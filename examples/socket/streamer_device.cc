// The streamer device: a PUSH producer connects to a PULL frontend, PULL consumers to a PUSH
// backend, and proxy_steerable spreads the work over them. PAUSE holds the stream back while a
// consumer is away; RESUME lets it go on, and nothing sent meanwhile is lost.
#include <cstdio>
#include <future>
#include <string>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/devices/proxy.h"

namespace bs = bossa::socket;

int main() {
  constexpr int kTasks = 10;
  bs::Context context(1);
  bs::Socket frontend(context, bs::SocketType::kPull);
  bs::Socket backend(context, bs::SocketType::kPush);
  bs::Socket control(context, bs::SocketType::kRep);
  if (!frontend.bind("tcp://127.0.0.1:*").ok() || !backend.bind("tcp://127.0.0.1:*").ok() ||
      !control.bind("inproc://streamer-control").ok()) {
    return 1;
  }
  bs::Socket steer(context, bs::SocketType::kReq);
  if (!steer.connect("inproc://streamer-control").ok()) return 1;
  auto command = [&](const char* name) { return steer.send(name).ok() && steer.recv().ok(); };
  std::future<absl::Status> device = std::async(std::launch::async, [&] {
    return bs::proxy_steerable(frontend, backend, nullptr, &control);
  });

  bs::Socket producer(context, bs::SocketType::kPush);
  bs::Socket consumer(context, bs::SocketType::kPull);
  (void)consumer.set(bs::Option::kRcvtimeo, 5000);
  if (!producer.connect(frontend.last_endpoint()).ok() ||
      !consumer.connect(backend.last_endpoint()).ok() || !command("PAUSE")) {
    return 1;
  }
  for (int task = 0; task < kTasks; ++task) (void)producer.send(absl::StrCat("task ", task));
  std::printf("paused: %d tasks sent, none forwarded yet\n", kTasks);
  if (!command("RESUME")) return 1;
  int done = 0;
  for (; done < kTasks; ++done) {
    absl::StatusOr<bs::Message> task = consumer.recv();
    if (!task.ok()) break;
    std::printf("consumer took '%s'\n", (*task)[0].to_string().c_str());
  }
  if (!command("TERMINATE")) return 1;
  return device.get().ok() && done == kTasks ? 0 : 1;
}
