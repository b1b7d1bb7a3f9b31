// A C++ client of the bossa gateway with plain libzmq through cppzmq: it calls the actor
// registered as "echo" with a text body and prints the answer. No bossa code is linked.
//
//   bossa-outside-client ENDPOINT SERVER_KEY CLIENT_PUBLIC_KEY CLIENT_SECRET_KEY [TARGET [TEXT]]
//
// Keys are Z85 (40 characters); the client's pair must be one the node's config admits. Prints
// "<status> <content type>" then the body; exits 1 unless the status is OK, 2 on no answer within
// five seconds. docs/outside-clients.md describes the format.
#include <array>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::fprintf(stderr,
                 "usage: %s ENDPOINT SERVER_KEY CLIENT_PUBLIC_KEY CLIENT_SECRET_KEY "
                 "[TARGET [TEXT]]\n",
                 argv[0]);
    return 2;
  }
  const std::string target = argc > 5 ? argv[5] : "echo";
  const std::string text = argc > 6 ? argv[6] : "hello from C++";
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::curve_serverkey, argv[2]);
  socket.set(zmq::sockopt::curve_publickey, argv[3]);
  socket.set(zmq::sockopt::curve_secretkey, argv[4]);
  socket.set(zmq::sockopt::rcvtimeo, 5000);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(argv[1]);

  std::array<zmq::const_buffer, 3> request = {zmq::buffer(target), zmq::str_buffer("text/plain"),
                                              zmq::buffer(text)};
  if (!zmq::send_multipart(socket, request)) return 2;
  std::vector<zmq::message_t> reply;
  if (!zmq::recv_multipart(socket, std::back_inserter(reply)) || reply.size() != 3) {
    std::fprintf(stderr, "no answer from %s\n", argv[1]);
    return 2;
  }
  const std::string status = reply[0].to_string();
  std::printf("%s %s\n%s\n", status.c_str(), reply[1].to_string().c_str(),
              reply[2].to_string().c_str());
  return status == "OK" ? 0 : 1;
}
