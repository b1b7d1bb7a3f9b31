// bossa's proxy between libzmq 4.3 peers (through cppzmq), over tcp: the queue (ROUTER/DEALER),
// forwarder (XSUB/XPUB) and streamer (PULL/PUSH) devices, steered by a libzmq REQ socket.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <future>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/devices/proxy.h"

namespace bossa::socket {
namespace {

using namespace std::chrono_literals;

// A bossa device on loopback: its frontend, backend and control sockets bound to ports the kernel
// picks, run in a thread of its own until a libzmq REQ socket tells it TERMINATE.
class Device {
 public:
  Device(SocketType front, SocketType back)
      : frontend_(context_, front), backend_(context_, back), control_(context_, SocketType::kRep) {
    for (Socket* socket : {&frontend_, &backend_, &control_}) {
      EXPECT_TRUE(socket->bind("tcp://127.0.0.1:*").ok());
    }
    running_ = std::async(std::launch::async, [this] {
      return proxy_steerable(frontend_, backend_, nullptr, &control_);
    });
    steer_.set(zmq::sockopt::rcvtimeo, 10000);
    steer_.set(zmq::sockopt::linger, 0);
    steer_.connect(control_.last_endpoint());
  }
  ~Device() {
    command("TERMINATE");
    EXPECT_EQ(running_.wait_for(10s), std::future_status::ready);
    if (running_.valid()) {
      EXPECT_TRUE(running_.get().ok());
    }
  }

  std::string frontend() const { return frontend_.last_endpoint(); }
  std::string backend() const { return backend_.last_endpoint(); }
  zmq::context_t& zmq_context() { return zmq_; }

  // Sends `name` from the libzmq REQ socket; the answer's frames.
  std::vector<std::string> command(const std::string& name) {
    steer_.send(zmq::buffer(name));
    std::vector<std::string> answer;
    do {
      zmq::message_t part;
      if (!steer_.recv(part)) return {"no answer"};
      answer.push_back(part.to_string());
    } while (steer_.get(zmq::sockopt::rcvmore));
    return answer;
  }

 private:
  Context context_{1};
  Socket frontend_;
  Socket backend_;
  Socket control_;
  std::future<absl::Status> running_;
  zmq::context_t zmq_;
  zmq::socket_t steer_{zmq_, zmq::socket_type::req};
};

zmq::socket_t zmq_socket(zmq::context_t& context, zmq::socket_type type,
                         const std::string& endpoint) {
  zmq::socket_t socket(context, type);
  socket.set(zmq::sockopt::rcvtimeo, 10000);
  socket.set(zmq::sockopt::sndtimeo, 10000);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(endpoint);
  return socket;
}

std::string recv_string(zmq::socket_t& socket) {
  zmq::message_t message;
  if (!socket.recv(message)) return "(nothing within 10 s)";
  return message.to_string();
}

TEST(InteropProxy, AStreamerCarriesLibzmqPushToLibzmqPullInOrder) {
  Device device(SocketType::kPull, SocketType::kPush);
  zmq::socket_t producer =
      zmq_socket(device.zmq_context(), zmq::socket_type::push, device.frontend());
  zmq::socket_t consumer =
      zmq_socket(device.zmq_context(), zmq::socket_type::pull, device.backend());
  constexpr int kMessages = 1000;
  for (int i = 0; i < kMessages; ++i) producer.send(zmq::buffer(absl::StrCat("m", i)));
  for (int i = 0; i < kMessages; ++i) ASSERT_EQ(recv_string(consumer), absl::StrCat("m", i));

  const std::vector<std::string> statistics = device.command("STATISTICS");
  ASSERT_EQ(statistics.size(), 8u);
  std::uint64_t frontend_received = 0;
  std::uint64_t backend_sent = 0;
  std::memcpy(&frontend_received, statistics[0].data(), sizeof frontend_received);
  std::memcpy(&backend_sent, statistics[6].data(), sizeof backend_sent);
  EXPECT_EQ(frontend_received, uint64_t{kMessages});
  EXPECT_EQ(backend_sent, uint64_t{kMessages});
}

TEST(InteropProxy, AQueueCarriesLibzmqRequestsToALibzmqWorkerAndTheRepliesBack) {
  Device device(SocketType::kRouter, SocketType::kDealer);
  zmq::socket_t worker = zmq_socket(device.zmq_context(), zmq::socket_type::rep, device.backend());
  std::vector<zmq::socket_t> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(zmq_socket(device.zmq_context(), zmq::socket_type::req, device.frontend()));
  }
  for (int round = 0; round < 20; ++round) {
    for (size_t i = 0; i < clients.size(); ++i) {
      clients[i].send(zmq::buffer(absl::StrCat("client ", i, " round ", round)));
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      const std::string request = recv_string(worker);
      worker.send(zmq::buffer("re: " + request));
    }
    for (size_t i = 0; i < clients.size(); ++i) {
      EXPECT_EQ(recv_string(clients[i]), absl::StrCat("re: client ", i, " round ", round));
    }
  }
}

TEST(InteropProxy, AForwarderCarriesSubscriptionsUpAndOnlyTheirTopicsDown) {
  Device device(SocketType::kXsub, SocketType::kXpub);
  zmq::socket_t publisher =
      zmq_socket(device.zmq_context(), zmq::socket_type::pub, device.frontend());
  zmq::socket_t subscriber =
      zmq_socket(device.zmq_context(), zmq::socket_type::sub, device.backend());
  subscriber.set(zmq::sockopt::subscribe, "weather");
  subscriber.set(zmq::sockopt::rcvtimeo, 20);
  // The subscription travels up through the device to the publisher; until it arrives, what is
  // published is dropped by the publisher, as PUB does.
  std::string got;
  for (int i = 0; i < 500 && got.empty(); ++i) {
    publisher.send(zmq::buffer(std::string("sports: 3-1")));
    publisher.send(zmq::buffer(std::string("weather: sunny")));
    zmq::message_t message;
    if (subscriber.recv(message)) got = message.to_string();
  }
  EXPECT_EQ(got, "weather: sunny");
  publisher.send(zmq::buffer(std::string("sports: 2-2")));
  publisher.send(zmq::buffer(std::string("weather: rain")));
  subscriber.set(zmq::sockopt::rcvtimeo, 10000);
  std::string next;
  do {
    next = recv_string(subscriber);
  } while (next == "weather: sunny");  // copies sent while the subscription travelled
  EXPECT_EQ(next, "weather: rain");
}

}  // namespace
}  // namespace bossa::socket
