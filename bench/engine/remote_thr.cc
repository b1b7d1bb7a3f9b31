// remote_thr over the engine: a PUSH socket in the peer process sends the sequence 0 .. N-1 to a
// PULL socket here over tcp loopback; the rate from the first to the last message received.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"
#include "bench/engine/engine_remote.h"
#include "transport/socket/core/context.h"

namespace bossa::bench::engine_remote {
namespace {

// Throws unless `m` holds `expected`: the engine must deliver every message, in order.
void check_sequence(const socket::Message& m, std::uint64_t expected) {
  std::uint64_t got = decode(m);
  if (got != expected) {
    throw std::runtime_error("message " + std::to_string(got) + " arrived where " +
                             std::to_string(expected) + " was due");
  }
}

}  // namespace

void run_thr() {
  const std::uint64_t messages = remote_messages();
  socket::Context context(1);
  socket::Socket pull(context, socket::SocketType::kPull);
  set_wait_slice(pull);
  if (absl::Status s = pull.bind("tcp://127.0.0.1:*"); !s.ok()) fail("bind", s);
  PeerProcess peer("thr-sender", {port_of(pull.last_endpoint()), std::to_string(messages)});
  check_sequence(receive(pull, peer, "the first message"), 0);
  Stopwatch first_to_last;
  for (std::uint64_t i = 1; i < messages; ++i) {
    check_sequence(receive(pull, peer, "the next message"), i);
  }
  const double seconds = first_to_last.seconds();
  peer.finish();
  print_result("remote_thr", "engine", "msgs_per_s", static_cast<double>(messages - 1) / seconds);
}

void send_sequence(const std::vector<std::string>& args) {
  const auto port = parse_number<std::uint16_t>(args[0], "port");
  const auto count = parse_number<std::uint64_t>(args[1], "count");
  socket::Context context(1);
  socket::Socket push(context, socket::SocketType::kPush);
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(port);
  if (absl::Status s = push.connect(endpoint); !s.ok()) fail("connect " + endpoint, s);
  for (std::uint64_t i = 0; i < count; ++i) {
    if (absl::Status s = push.send(encode(i)); !s.ok()) fail("send", s);
  }
  await_release();
}

}  // namespace bossa::bench::engine_remote
