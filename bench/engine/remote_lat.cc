// remote_lat over the engine: a PAIR socket here bounces one 64-bit integer off a PAIR socket in
// the peer process over tcp loopback; the mean of kTimedRoundTrips round trips after
// kWarmupRoundTrips untimed ones.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/engine/engine_remote.h"
#include "transport/socket/core/context.h"

namespace bossa::bench::engine_remote {

void run_lat() {
  constexpr std::uint64_t kRoundTrips = kWarmupRoundTrips + kTimedRoundTrips;
  socket::Context context(1);
  socket::Socket pair(context, socket::SocketType::kPair);
  set_wait_slice(pair);
  if (absl::Status s = pair.bind("tcp://127.0.0.1:*"); !s.ok()) fail("bind", s);
  PeerProcess peer("lat-echo", {port_of(pair.last_endpoint()), std::to_string(kRoundTrips)});
  Stopwatch timed;
  for (std::uint64_t i = 0; i < kRoundTrips; ++i) {
    if (i == kWarmupRoundTrips) timed.restart();
    send(pair, encode(i), peer, "the peer to take a message");
    std::uint64_t echoed = decode(receive(pair, peer, "an echo"));
    if (echoed != i) {
      throw std::runtime_error("sent " + std::to_string(i) + ", got back " +
                               std::to_string(echoed));
    }
  }
  const double seconds = timed.seconds();
  peer.finish();
  print_result("remote_lat", "engine", "round_trip_us",
               seconds * 1e6 / static_cast<double>(kTimedRoundTrips));
}

void echo(const std::vector<std::string>& args) {
  const auto port = parse_number<std::uint16_t>(args[0], "port");
  const auto count = parse_number<std::uint64_t>(args[1], "count");
  socket::Context context(1);
  socket::Socket pair(context, socket::SocketType::kPair);
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  if (absl::Status s = pair.connect(endpoint); !s.ok()) fail("connect " + endpoint, s);
  for (std::uint64_t i = 0; i < count; ++i) {
    absl::StatusOr<socket::Message> m = pair.recv();
    if (!m.ok()) fail("recv", m.status());
    if (absl::Status s = pair.send(*std::move(m)); !s.ok()) fail("send", s);
  }
  await_release();
}

}  // namespace bossa::bench::engine_remote
