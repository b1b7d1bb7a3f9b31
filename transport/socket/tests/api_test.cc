// The socket API around send/recv: async operations, the poller, endpoints and options.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <string>
#include <thread>

#include "transport/socket/core/context.h"
#include "transport/socket/core/poller.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/tests/test_util.h"

namespace bossa::socket {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST(Context, WithoutIoThreadsServesInprocOnly) {
  Context ctx(0);
  Socket pull(ctx, SocketType::kPull);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(pull.bind("inproc://zero").ok());
  ASSERT_TRUE(push.connect("inproc://zero").ok());
  ASSERT_TRUE(push.send("hi").ok());
  EXPECT_EQ((*pull.recv())[0], "hi");
  EXPECT_EQ(pull.bind("tcp://127.0.0.1:*").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Endpoints, BadEndpointsAreRefusedWithTheReason) {
  Context ctx(1);
  Socket s(ctx, SocketType::kPull);
  absl::Status st = s.bind("udp://x:1");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("udp"), absl::string_view::npos);
  EXPECT_FALSE(s.bind("tcp://127.0.0.1:99999").ok());
  EXPECT_FALSE(s.bind("tcp://nocolon").ok());
  EXPECT_FALSE(s.connect("tcp://127.0.0.1:*").ok());
}

TEST(Endpoints, SecondBindToTheSameAddressFails) {
  Context ctx(1);
  Socket a(ctx, SocketType::kPull);
  Socket b(ctx, SocketType::kPull);
  ASSERT_TRUE(a.bind("tcp://127.0.0.1:*").ok());
  EXPECT_EQ(b.bind(a.last_endpoint()).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(a.bind("inproc://taken").ok());
  EXPECT_EQ(b.bind("inproc://taken").code(), absl::StatusCode::kAlreadyExists);
}

TEST(Endpoints, EphemeralPortIsReportedInLastEndpoint) {
  Context ctx(1);
  Socket s(ctx, SocketType::kPull);
  ASSERT_TRUE(s.bind("tcp://127.0.0.1:*").ok());
  const std::string ep = s.last_endpoint();
  EXPECT_EQ(ep.rfind("tcp://127.0.0.1:", 0), 0u);
  EXPECT_NE(ep.substr(16), "0");
  EXPECT_EQ(s.get_string(Option::kLastEndpoint).value(), ep);
}

TEST(Endpoints, IpcWildcardBindsAUniqueTemporaryPathRemovedOnClose) {
  Context ctx(1);
  Socket a(ctx, SocketType::kPull);
  Socket b(ctx, SocketType::kPull);
  ASSERT_TRUE(a.set(Option::kRcvtimeo, 5000).ok());
  ASSERT_TRUE(a.bind("ipc://*").ok());
  ASSERT_TRUE(b.bind("ipc://*").ok());
  const std::string ep = a.last_endpoint();
  ASSERT_EQ(ep.rfind("ipc:///", 0), 0u) << ep;
  EXPECT_NE(ep, b.last_endpoint());
  const std::string path = ep.substr(6);
  const std::string dir = path.substr(0, path.rfind('/'));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
  EXPECT_TRUE(S_ISSOCK(st.st_mode));

  Socket push(ctx, SocketType::kPush);
  EXPECT_EQ(push.connect("ipc://*").code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(push.connect(ep).ok());
  ASSERT_TRUE(push.send("via wildcard").ok());
  EXPECT_EQ((*a.recv())[0], "via wildcard");

  ASSERT_TRUE(a.unbind(ep).ok());
  EXPECT_NE(::stat(path.c_str(), &st), 0);
  EXPECT_NE(::stat(dir.c_str(), &st), 0) << dir << " should be gone";
}

TEST(Endpoints, Ipv6LoopbackWorks) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  Socket push(ctx, SocketType::kPush);
  absl::Status st = pull.bind("tcp://[::1]:*");
  ASSERT_TRUE(st.ok()) << "IPv6 loopback: " << st;
  EXPECT_EQ(pull.last_endpoint().rfind("tcp://[::1]:", 0), 0u);
  ASSERT_TRUE(push.connect(pull.last_endpoint()).ok());
  ASSERT_TRUE(push.send("v6").ok());
  EXPECT_EQ((*pull.recv())[0], "v6");
}

TEST(Endpoints, UnbindAndDisconnectStopTraffic) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(pull.set(Option::kRcvtimeo, 5000).ok());
  ASSERT_TRUE(pull.bind("inproc://gone").ok());
  ASSERT_TRUE(push.connect("inproc://gone").ok());
  ASSERT_TRUE(push.send("one").ok());
  EXPECT_EQ((*pull.recv())[0], "one");
  ASSERT_TRUE(push.disconnect("inproc://gone").ok());
  EXPECT_EQ(push.send("two", Flags::kDontwait).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(push.disconnect("inproc://gone").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(pull.unbind("inproc://gone").ok());
  EXPECT_EQ(pull.unbind("inproc://gone").code(), absl::StatusCode::kNotFound);
}

TEST(Endpoints, DisconnectEndsImmediateTcpConnections) {
  Context ctx(1);
  Socket pull(ctx, SocketType::kPull);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(push.set(Option::kImmediate, 1).ok());
  ASSERT_TRUE(pull.bind("tcp://127.0.0.1:*").ok());
  ASSERT_TRUE(push.connect(pull.last_endpoint()).ok());
  ASSERT_TRUE(push.set(Option::kSndtimeo, 10000).ok());
  ASSERT_TRUE(push.send("one").ok());  // waits for the connection
  EXPECT_EQ((*pull.recv())[0], "one");
  ASSERT_TRUE(push.disconnect(pull.last_endpoint()).ok());
  EXPECT_EQ(push.send("two", Flags::kDontwait).code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(testing::eventually([&] { return pull.stats().disconnects == 1; }));
}

TEST(Options, AreValidatedAndReadBack) {
  Context ctx(1);
  Socket s(ctx, SocketType::kDealer);
  EXPECT_TRUE(s.set(Option::kSndhwm, 5).ok());
  EXPECT_EQ(s.get_int(Option::kSndhwm).value(), 5);
  EXPECT_FALSE(s.set(Option::kSndhwm, -1).ok());
  EXPECT_FALSE(s.set(Option::kImmediate, 2).ok());
  EXPECT_FALSE(s.set(Option::kRoutingId, "").ok());
  EXPECT_FALSE(s.set(Option::kRoutingId, std::string(256, 'x')).ok());
  EXPECT_TRUE(s.set(Option::kRoutingId, "me").ok());
  EXPECT_EQ(s.get_string(Option::kRoutingId).value(), "me");
  EXPECT_EQ(s.get_int(Option::kType).value(), static_cast<int>(SocketType::kDealer));
  EXPECT_EQ(s.set(Option::kSubscribe, "x").code(), absl::StatusCode::kUnimplemented);
}

TEST(Operations, TypesRefuseWhatTheyCannotDo) {
  Context ctx(0);
  Socket push(ctx, SocketType::kPush);
  Socket pull(ctx, SocketType::kPull);
  Socket pub(ctx, SocketType::kPub);
  EXPECT_EQ(push.recv(Flags::kDontwait).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(pull.send("x").code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(pub.recv(Flags::kDontwait).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(pub.send("nobody listens").ok());  // PUB never blocks
  EXPECT_EQ(push.send(Message()).code(), absl::StatusCode::kInvalidArgument);
  push.close();
  EXPECT_EQ(push.send("x").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Async, CoroutineReceivesAndSends) {
  Context ctx(1);
  Socket rep(ctx, SocketType::kRep);
  Socket req(ctx, SocketType::kReq);
  ASSERT_TRUE(rep.bind("tcp://127.0.0.1:*").ok());
  ASSERT_TRUE(req.connect(rep.last_endpoint()).ok());
  asio::io_context io;
  std::string served;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        absl::StatusOr<Message> m = co_await rep.async_recv(asio::use_awaitable);
        EXPECT_TRUE(m.ok()) << m.status();
        served = (*m)[0].to_string();
        absl::Status s = co_await rep.async_send(Message("pong"), asio::use_awaitable);
        EXPECT_TRUE(s.ok()) << s;
      },
      asio::detached);
  std::thread runner([&] { io.run(); });
  ASSERT_TRUE(req.set(Option::kRcvtimeo, 10000).ok());
  ASSERT_TRUE(req.send("ping").ok());
  absl::StatusOr<Message> reply = req.recv();
  runner.join();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ((*reply)[0], "pong");
  EXPECT_EQ(served, "ping");
}

TEST(Async, FutureCompletesWhenAMessageArrives) {
  Context ctx(0);
  Socket pull(ctx, SocketType::kPull);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(pull.bind("inproc://future").ok());
  ASSERT_TRUE(push.connect("inproc://future").ok());
  std::future<absl::StatusOr<Message>> f = pull.async_recv(asio::use_future);
  EXPECT_EQ(f.wait_for(20ms), std::future_status::timeout);
  ASSERT_TRUE(push.send("later").ok());
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  absl::StatusOr<Message> m = f.get();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[0], "later");
}

TEST(Poller, ReportsTheSocketThatBecameReadable) {
  Context ctx(1);
  Socket a(ctx, SocketType::kPull);
  Socket b(ctx, SocketType::kPull);
  Socket push(ctx, SocketType::kPush);
  ASSERT_TRUE(a.bind("tcp://127.0.0.1:*").ok());
  ASSERT_TRUE(b.bind("inproc://poll-b").ok());
  ASSERT_TRUE(push.connect("inproc://poll-b").ok());
  Poller poller;
  poller.add(a, Poller::kReadable);
  poller.add(b, Poller::kReadable);
  EXPECT_TRUE(poller.wait(10ms).empty());
  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(push.send("to b").ok());
  });
  auto ready = poller.wait(10s);
  sender.join();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].socket, &b);
  EXPECT_EQ((*b.recv())[0], "to b");
  poller.remove(a);
  poller.remove(b);
}

TEST(Message, SmallFramesAreInlineAndLargeOnesShared) {
  Frame small("abc");
  Frame copy = small;
  EXPECT_NE(copy.data(), small.data());
  Frame big(std::string(1000, 'x'));
  Frame shared = big;
  EXPECT_EQ(shared.data(), big.data());
  EXPECT_EQ(shared, big);
  static int freed;  // static: the deleter is a plain function; reset for --gtest_repeat
  freed = 0;
  char* mine = new char[100];
  {
    Frame adopted = Frame::adopt(
        mine, 100,
        [](void* p, void*) {
          delete[] static_cast<char*>(p);
          ++freed;
        },
        nullptr);
    Frame again = adopted;
    EXPECT_EQ(again.data(), reinterpret_cast<std::uint8_t*>(mine));
  }
  EXPECT_EQ(freed, 1);
}

TEST(Message, LargeBodiesTakeTheBlocksOfFreedOnes) {
  const std::uint8_t* first_block = nullptr;
  {
    Frame first(48 * 1024);
    std::memset(first.data(), 0x5a, first.size());
    first_block = first.data();
  }
  // Another size in the kept range takes the block the first one left, and all of it is its own.
  Frame second(64 * 1024);
  std::memset(second.data(), 0xa5, second.size());
  if (Frame::keeps_large_blocks()) {
    EXPECT_EQ(second.data(), first_block);
  }
  EXPECT_EQ(second.view(), std::string(64 * 1024, '\xa5'));
  // Sizes outside the range come from the heap, as before.
  Frame larger(80 * 1024);
  EXPECT_NE(larger.data(), first_block);
}

}  // namespace
}  // namespace bossa::socket
