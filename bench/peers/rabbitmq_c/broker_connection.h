// What the rabbitmq-c benchmarks share: a logged-in connection to the broker at
// $BOSSA_BENCH_AMQP_URL (bench/common/amqp_bench.h) with channel 1 open, which each benchmark
// extends with the operations it uses through state_, and check_reply for rabbitmq-c's replies.
//
//   class Connection : public BrokerConnection { ... amqp_basic_publish(state_, 1, ...) ... };
//
// Errors throw std::runtime_error saying what failed. One thread uses a connection at a time.
#pragma once

#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <stdexcept>
#include <string>

#include "bench/common/amqp_bench.h"

namespace bossa::bench {

inline void check_reply(amqp_rpc_reply_t reply, const char* what) {
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    throw std::runtime_error(std::string(what) + " failed (reply type " +
                             std::to_string(reply.reply_type) + ")");
  }
}

class BrokerConnection {
 public:
  BrokerConnection() : state_(amqp_new_connection()) {
    std::string url = amqp_bench_url();
    amqp_connection_info info;
    if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK) {
      throw std::runtime_error("cannot parse BOSSA_BENCH_AMQP_URL");
    }
    amqp_socket_t* socket = amqp_tcp_socket_new(state_);
    if (amqp_socket_open(socket, info.host, info.port) != AMQP_STATUS_OK) {
      throw std::runtime_error("cannot reach the broker");
    }
    const char* vhost = *info.vhost == '\0' ? "/" : info.vhost;
    check_reply(
        amqp_login(state_, vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password),
        "login");
    amqp_channel_open(state_, 1);
    check_reply(amqp_get_rpc_reply(state_), "channel.open");
  }
  ~BrokerConnection() {
    amqp_channel_close(state_, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(state_);
  }
  BrokerConnection(const BrokerConnection&) = delete;
  BrokerConnection& operator=(const BrokerConnection&) = delete;

 protected:
  amqp_connection_state_t state_;
};

}  // namespace bossa::bench
