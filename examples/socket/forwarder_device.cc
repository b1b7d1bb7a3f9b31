// The forwarder device: publishers connect to an XSUB frontend, subscribers to an XPUB backend;
// proxy_steerable carries subscriptions up and the matching messages down, and a capture socket
// sees both. A STATISTICS command then says what went through.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>

#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/devices/proxy.h"

namespace bs = bossa::socket;

int main() {
  bs::Context context(1);
  bs::Socket frontend(context, bs::SocketType::kXsub);
  bs::Socket backend(context, bs::SocketType::kXpub);
  bs::Socket capture(context, bs::SocketType::kPush);
  bs::Socket control(context, bs::SocketType::kRep);
  bs::Socket captured(context, bs::SocketType::kPull);
  if (!frontend.bind("tcp://127.0.0.1:*").ok() || !backend.bind("tcp://127.0.0.1:*").ok() ||
      !captured.bind("inproc://capture").ok() || !capture.connect("inproc://capture").ok() ||
      !control.bind("inproc://forwarder-control").ok()) {
    return 1;
  }
  const std::string publishers_connect_to = frontend.last_endpoint();
  const std::string subscribers_connect_to = backend.last_endpoint();
  std::future<absl::Status> device = std::async(std::launch::async, [&] {
    return bs::proxy_steerable(frontend, backend, &capture, &control);
  });

  bs::Socket publisher(context, bs::SocketType::kPub);
  bs::Socket subscriber(context, bs::SocketType::kSub);
  (void)subscriber.set(bs::Option::kSubscribe, "weather");
  (void)subscriber.set(bs::Option::kRcvtimeo, 20);
  if (!publisher.connect(publishers_connect_to).ok() ||
      !subscriber.connect(subscribers_connect_to).ok()) {
    return 1;
  }
  // Until the subscription has travelled through the device to the publisher, the publisher
  // drops what it publishes (PUB sends only what someone subscribed to): publish until it lands.
  int received = 0;
  for (int round = 0; round < 500 && received < 3; ++round) {
    (void)publisher.send("sports: 3-1");
    (void)publisher.send("weather: sunny");
    if (absl::StatusOr<bs::Message> m = subscriber.recv(); m.ok()) {
      std::printf("subscriber got '%s'\n", (*m)[0].to_string().c_str());
      ++received;
    }
  }
  (void)captured.set(bs::Option::kRcvtimeo, 0);
  int copies = 0;
  while (captured.recv().ok()) ++copies;
  std::printf("the capture socket saw %d messages, subscriptions included\n", copies);

  bs::Socket steer(context, bs::SocketType::kReq);
  if (!steer.connect("inproc://forwarder-control").ok() || !steer.send("STATISTICS").ok()) {
    return 1;
  }
  absl::StatusOr<bs::Message> statistics = steer.recv();
  if (!statistics.ok() || statistics->size() != 8) return 1;
  const char* const names[] = {"frontend received",  "frontend bytes in", "frontend sent",
                               "frontend bytes out", "backend received",  "backend bytes in",
                               "backend sent",       "backend bytes out"};
  for (int i = 0; i < 8; ++i) {
    std::uint64_t value = 0;
    std::memcpy(&value, (*statistics)[i].data(), sizeof value);
    std::printf("%-20s %llu\n", names[i], static_cast<unsigned long long>(value));
  }
  if (!steer.send("TERMINATE").ok()) return 1;
  (void)steer.recv();
  return device.get().ok() && received == 3 ? 0 : 1;
}
