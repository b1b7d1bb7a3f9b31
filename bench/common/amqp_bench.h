// What the amqp benchmarks (bench_bossa_amqp, bench_rabbitmq_c) share: the broker they measure
// through and how many messages amqp_thr sends.
//
//   BOSSA_BENCH_AMQP_URL       the broker (`./run bench` starts one and sets it); required
//   BOSSA_BENCH_AMQP_MESSAGES  amqp_thr's message count (default kDefaultAmqpMessages)
//
// Both throw std::runtime_error saying what is wrong; no shared state.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "bench/common/remote_bench_main.h"

namespace bossa::bench {

// Fewer than remote_thr's: a broker moves tens of thousands of messages a second, not millions.
inline constexpr std::uint64_t kDefaultAmqpMessages = 200'000;

inline std::string amqp_bench_url() {
  const char* url = std::getenv("BOSSA_BENCH_AMQP_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "BOSSA_BENCH_AMQP_URL is not set: `./run bench` starts a broker and sets it; by hand, "
        "tools/local_rabbitmq start DIR prints one");
  }
  return url;
}

inline std::uint64_t amqp_bench_messages() {
  return message_count("BOSSA_BENCH_AMQP_MESSAGES", kDefaultAmqpMessages);
}

}  // namespace bossa::bench
