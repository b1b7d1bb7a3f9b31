// A tiny HTTP responder on a STREAM socket: plain tcp clients (curl, a browser) connect, each
// request is answered with "Hello, World!" and the connection closed by an empty frame.
//
//   socket_http_responder 8080     serves on 127.0.0.1:8080 until killed (curl 127.0.0.1:8080)
//   socket_http_responder          serves three requests from a plain Asio client, then exits
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/socket.h"

namespace asio = boost::asio;
namespace bs = bossa::socket;

constexpr std::size_t kMaxRequest = 16 * 1024;  // a longer request head closes the connection

// Answers `requests` requests (-1: without end). A request may arrive in several chunks, so each
// connection's octets are kept until its head is complete; a connect or disconnect ([id][])
// starts the connection afresh.
void serve(bs::Socket& stream, int requests) {
  absl::flat_hash_map<std::string, std::string> heads;
  while (requests != 0) {
    absl::StatusOr<bs::Message> m = stream.recv();
    if (!m.ok()) return;
    const std::string id = (*m)[0].to_string();
    if ((*m)[1].empty()) {
      heads.erase(id);
      continue;
    }
    std::string& head = heads[id];
    head += (*m)[1].view();
    if (head.find("\r\n\r\n") == std::string::npos) {
      if (head.size() > kMaxRequest) {
        (void)stream.send(bs::Message{id, ""});
        heads.erase(id);
      }
      continue;
    }
    const std::string body = "Hello, World!\n";
    (void)stream.send(bs::Message{id, absl::StrCat("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                                                   "Content-Length: ",
                                                   body.size(), "\r\n\r\n", body)});
    (void)stream.send(bs::Message{id, ""});  // closes the connection after the response
    heads.erase(id);
    if (requests > 0) --requests;
  }
}

// A plain HTTP/1.0 client: one request, the whole response (up to the server's close).
std::string fetch(const std::string& port) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::connect(socket, asio::ip::tcp::resolver(io).resolve("127.0.0.1", port));
  asio::write(socket, asio::buffer(std::string("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")));
  std::string response;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);  // ends with eof
  return response;
}

int main(int argc, char** argv) {
  bs::Context ctx(1);
  bs::Socket stream(ctx, bs::SocketType::kStream);
  const std::string port = argc > 1 ? argv[1] : "*";
  if (!stream.bind(absl::StrCat("tcp://127.0.0.1:", port)).ok()) return 1;
  std::printf("serving HTTP on %s\n", stream.last_endpoint().c_str());
  if (argc > 1) {
    serve(stream, -1);
    return 0;
  }
  constexpr int kRequests = 3;
  std::thread server([&stream] { serve(stream, kRequests); });
  const std::string endpoint = stream.last_endpoint();
  const std::string bound_port = endpoint.substr(endpoint.rfind(':') + 1);
  for (int i = 0; i < kRequests; ++i) {
    std::printf("response %d:\n%s", i, fetch(bound_port).c_str());
  }
  server.join();
  return 0;
}
