// Request/reply: a REP server written as a C++20 coroutine on Asio (co_await async_recv /
// async_send) answers "hello N" with "world N" to a plain blocking REQ client.
#include <utility>  // boost/asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace asio = boost::asio;
namespace bs = bossa::socket;

asio::awaitable<void> Serve(bs::Socket& rep, int requests) {
  for (int i = 0; i < requests; ++i) {
    absl::StatusOr<bs::Message> request = co_await rep.async_recv(asio::use_awaitable);
    if (!request.ok()) co_return;
    std::string body = (*request)[0].to_string();
    body.replace(0, 5, "world");
    if (!(co_await rep.async_send(bs::Message(body), asio::use_awaitable)).ok()) co_return;
  }
}

int main() {
  constexpr int kRequests = 5;
  bs::Context ctx(1);
  bs::Socket rep(ctx, bs::SocketType::kRep);
  bs::Socket req(ctx, bs::SocketType::kReq);
  if (!rep.bind("tcp://127.0.0.1:*").ok() || !req.connect(rep.last_endpoint()).ok()) return 1;

  asio::io_context io;
  asio::co_spawn(io, Serve(rep, kRequests), asio::detached);
  std::thread server([&io] { io.run(); });

  for (int i = 0; i < kRequests; ++i) {
    (void)req.send(absl::StrCat("hello ", i));
    absl::StatusOr<bs::Message> reply = req.recv();
    if (!reply.ok()) return 1;
    std::printf("sent hello %d, got %s\n", i, (*reply)[0].to_string().c_str());
  }
  server.join();
  return 0;
}
