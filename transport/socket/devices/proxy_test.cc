#include "transport/socket/devices/proxy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using testing::bind_endpoint;
using testing::Transport;

// A streamer (PULL frontend, PUSH backend) between a producer and a consumer, on inproc, run in
// a thread of its own and steered through a REP control socket.
class ProxyTest : public ::testing::Test {
 protected:
  ProxyTest() {
    for (Socket* socket : {&producer_, &frontend_, &backend_, &consumer_, &control_, &steer_}) {
      EXPECT_TRUE(socket->set(Option::kRcvtimeo, 10000).ok());
      EXPECT_TRUE(socket->set(Option::kSndtimeo, 10000).ok());
    }
    const std::string in = bind_endpoint(Transport::kInproc);
    const std::string out = bind_endpoint(Transport::kInproc);
    const std::string steering = bind_endpoint(Transport::kInproc);
    EXPECT_TRUE(frontend_.bind(in).ok());
    EXPECT_TRUE(backend_.bind(out).ok());
    EXPECT_TRUE(control_.bind(steering).ok());
    EXPECT_TRUE(producer_.connect(in).ok());
    EXPECT_TRUE(consumer_.connect(out).ok());
    EXPECT_TRUE(steer_.connect(steering).ok());
  }
  ~ProxyTest() override {
    if (running_.valid()) {
      command("TERMINATE");
      running_.wait();
    }
  }

  void start(Socket* capture = nullptr) {
    running_ = std::async(std::launch::async, [this, capture] {
      return proxy_steerable(frontend_, backend_, capture, &control_);
    });
  }
  // Sends `name` to the proxy's control socket and returns its answer.
  std::vector<std::string> command(std::string_view name) {
    std::vector<std::string> answer;
    if (!steer_.send(name).ok()) return answer;
    absl::StatusOr<Message> reply = steer_.recv();
    if (!reply.ok()) return {"no answer: " + std::string(reply.status().message())};
    for (const Frame& frame : *reply) answer.push_back(frame.to_string());
    return answer;
  }
  std::vector<std::uint64_t> statistics() {
    std::vector<std::uint64_t> values;
    for (const std::string& frame : command("STATISTICS")) {
      std::uint64_t value = 0;
      EXPECT_EQ(frame.size(), sizeof value);
      std::memcpy(&value, frame.data(), std::min(frame.size(), sizeof value));
      values.push_back(value);
    }
    return values;
  }

  Context context_{0};
  Socket producer_{context_, SocketType::kPush};
  Socket frontend_{context_, SocketType::kPull};
  Socket backend_{context_, SocketType::kPush};
  Socket consumer_{context_, SocketType::kPull};
  Socket control_{context_, SocketType::kRep};
  Socket steer_{context_, SocketType::kReq};
  std::future<absl::Status> running_;
};

TEST_F(ProxyTest, MovesEveryPartOfEveryMessageInOrderAndCountsThem) {
  start();
  constexpr int kMessages = 2000;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(producer_.send(Message({absl::StrCat("head ", i), "tail"})).ok());
  }
  for (int i = 0; i < kMessages; ++i) {
    absl::StatusOr<Message> got = consumer_.recv();
    ASSERT_TRUE(got.ok()) << "message " << i << ": " << got.status();
    ASSERT_EQ(got->size(), 2u);
    ASSERT_EQ((*got)[0].view(), absl::StrCat("head ", i));
    ASSERT_EQ((*got)[1].view(), "tail");
  }
  uint64_t bytes = 0;
  for (int i = 0; i < kMessages; ++i) bytes += absl::StrCat("head ", i).size() + 4;
  // Frontend: received, sent; backend: received, sent, in parts and bytes.
  EXPECT_EQ(statistics(),
            (std::vector<std::uint64_t>{2 * kMessages, bytes, 0, 0, 0, 0, 2 * kMessages, bytes}));
  EXPECT_EQ(command("TERMINATE"), std::vector<std::string>{""});
  ASSERT_EQ(running_.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(running_.get().ok());
}

TEST_F(ProxyTest, APausedProxyHoldsMessagesUntilResumed) {
  start();
  EXPECT_EQ(command("PAUSE"), std::vector<std::string>{""});
  ASSERT_TRUE(producer_.send("while paused").ok());
  ASSERT_TRUE(consumer_.set(Option::kRcvtimeo, 200).ok());
  EXPECT_EQ(consumer_.recv().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(statistics()[0], 0u);  // not even read

  EXPECT_EQ(command("RESUME"), std::vector<std::string>{""});
  ASSERT_TRUE(consumer_.set(Option::kRcvtimeo, 10000).ok());
  absl::StatusOr<Message> got = consumer_.recv();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)[0].view(), "while paused");
}

TEST_F(ProxyTest, ASlowConsumerHoldsTheProducerBackAndNothingIsLost) {
  for (Socket* socket : {&producer_, &frontend_, &backend_, &consumer_}) {
    ASSERT_TRUE(socket->set(Option::kSndhwm, 10).ok());
    ASSERT_TRUE(socket->set(Option::kRcvhwm, 10).ok());
  }
  ASSERT_TRUE(producer_.set(Option::kSndtimeo, 500).ok());
  start();
  // Nobody reads: the queues fill, the proxy stops reading, and the producer is held back.
  int sent = 0;
  while (producer_.send(absl::StrCat(sent)).ok()) {
    ++sent;
    ASSERT_LT(sent, 100000) << "the producer was never held back";
  }
  ASSERT_GT(sent, 0);
  for (int i = 0; i < sent; ++i) {
    absl::StatusOr<Message> got = consumer_.recv();
    ASSERT_TRUE(got.ok()) << "message " << i << " of " << sent << ": " << got.status();
    ASSERT_EQ((*got)[0].view(), absl::StrCat(i));
  }
  ASSERT_TRUE(consumer_.set(Option::kRcvtimeo, 100).ok());
  EXPECT_FALSE(consumer_.recv().ok());  // nothing more than what was sent
}

TEST_F(ProxyTest, ACaptureSocketGetsACopyOfEveryMessage) {
  Socket capture(context_, SocketType::kPush);
  Socket captured(context_, SocketType::kPull);
  ASSERT_TRUE(captured.set(Option::kRcvtimeo, 10000).ok());
  const std::string endpoint = bind_endpoint(Transport::kInproc);
  ASSERT_TRUE(captured.bind(endpoint).ok());
  ASSERT_TRUE(capture.connect(endpoint).ok());
  start(&capture);
  ASSERT_TRUE(producer_.send(Message({"one", "two"})).ok());
  absl::StatusOr<Message> got = consumer_.recv();
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<Message> copy = captured.recv();
  ASSERT_TRUE(copy.ok()) << copy.status();
  ASSERT_EQ(copy->size(), 2u);
  EXPECT_EQ((*copy)[0].view(), "one");
  EXPECT_EQ((*copy)[1].view(), "two");
}

TEST_F(ProxyTest, AnUnknownCommandIsAnsweredWithAnErrorAndChangesNothing) {
  start();
  const std::vector<std::string> answer = command("STOP");
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0],
            "ERROR: the proxy takes PAUSE, RESUME, TERMINATE and STATISTICS, not 'STOP'");
  ASSERT_TRUE(producer_.send("still moving").ok());
  absl::StatusOr<Message> got = consumer_.recv();
  ASSERT_TRUE(got.ok()) << got.status();
}

TEST(ProxyControl, APairControlSocketIsAnsweredOnlyForStatistics) {
  Context context(0);
  Socket frontend(context, SocketType::kPull);
  Socket backend(context, SocketType::kPush);
  Socket control(context, SocketType::kPair);
  Socket steer(context, SocketType::kPair);
  ASSERT_TRUE(steer.set(Option::kRcvtimeo, 10000).ok());
  const std::string endpoint = bind_endpoint(Transport::kInproc);
  ASSERT_TRUE(control.bind(endpoint).ok());
  ASSERT_TRUE(steer.connect(endpoint).ok());
  std::future<absl::Status> running = std::async(
      std::launch::async, [&] { return proxy_steerable(frontend, backend, nullptr, &control); });
  ASSERT_TRUE(steer.send("PAUSE").ok());
  ASSERT_TRUE(steer.send("STATISTICS").ok());
  absl::StatusOr<Message> reply = steer.recv();  // the first answer is the statistics
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->size(), 8u);
  ASSERT_TRUE(steer.send("TERMINATE").ok());
  ASSERT_EQ(running.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(running.get().ok());
  ASSERT_TRUE(steer.set(Option::kRcvtimeo, 100).ok());
  EXPECT_FALSE(steer.recv().ok());  // and TERMINATE was not answered
}

}  // namespace
}  // namespace bossa::socket
