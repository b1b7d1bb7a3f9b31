// Pub/sub with a subscription filter: a publisher sends weather updates for several cities; the
// subscriber asks only for "paris " and prints what arrives. Filtering happens at the publisher.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace bs = bossa::socket;

int main() {
  bs::Context ctx(1);
  bs::Socket pub(ctx, bs::SocketType::kPub);
  bs::Socket sub(ctx, bs::SocketType::kSub);
  if (!pub.bind("tcp://127.0.0.1:*").ok() || !sub.connect(pub.last_endpoint()).ok() ||
      !sub.set(bs::Option::kSubscribe, "paris ").ok()) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  (void)sub.set(bs::Option::kRcvtimeo, 10);
  const char* cities[] = {"london", "paris", "lisbon"};
  int received = 0;
  for (int round = 0; received < 5 && round < 10000; ++round) {
    for (const char* city : cities) {
      (void)pub.send(absl::StrCat(city, " ", 10 + round % 15, "C"));
    }
    // A subscription takes a moment to reach the publisher: the first updates go nowhere.
    while (true) {
      absl::StatusOr<bs::Message> m = sub.recv();
      if (!m.ok()) break;
      std::printf("update: %s\n", (*m)[0].to_string().c_str());
      ++received;
    }
  }
  return received >= 5 ? 0 : 1;
}
