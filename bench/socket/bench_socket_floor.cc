// bench_socket_floor: the round trip of one small message between two processes over a loopback
// TCP connection with nothing between the code and the socket (no framing, no queue, no thread
// but the caller's), the floor under every *_lat_tcp and remote_lat figure measured on the same
// machine. 16 bytes each way, TCP_NODELAY; metric round_trip_us, impl "posix":
//
//   tcp_floor_lat_16        both sides wait for data in a blocking recv (the thread sleeps)
//   tcp_floor_lat_16_poll   both sides poll with non-blocking recv until data comes, yielding
//                           the CPU between tries (the thread never sleeps: what a runtime that
//                           polls before it sleeps can reach)
//
// The measuring side listens on 127.0.0.1 with an ephemeral port, forks its peer (which connects
// and echoes), and times 20,000 round trips after 1,000 untimed ones. Command line: `[filter]`
// runs the cases whose name contains the filter; BOSSA_BENCH_PIN places the two processes
// (placement.h). A failed call or a short read prints why and returns 1.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "bench/common/placement.h"
#include "bench/common/result_line.h"
#include "bench/common/stopwatch.h"

namespace bossa::bench {
namespace {

constexpr std::string_view kBlockingCase = "tcp_floor_lat_16";
constexpr std::string_view kPollingCase = "tcp_floor_lat_16_poll";
constexpr size_t kMessageBytes = 16;
constexpr int kWarmUp = 1'000;
constexpr int kTimed = 20'000;

int check(int result, const char* what) {
  if (result < 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
  return result;
}

// Closes the descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

void set_no_delay(int fd) {
  const int on = 1;
  check(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), "setsockopt(TCP_NODELAY)");
}

void send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    check(static_cast<int>(sent), "send");
    data += sent;
    size -= static_cast<size_t>(sent);
  }
}

// False when the peer closed the connection before `size` bytes came. With `poll`, asks again
// while nothing has come, yielding the CPU in between, instead of sleeping in recv.
bool recv_all(int fd, char* data, size_t size, bool poll) {
  while (size > 0) {
    const ssize_t got = recv(fd, data, size, poll ? MSG_DONTWAIT : 0);
    if (got < 0 && errno == EAGAIN) {
      sched_yield();
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    check(static_cast<int>(got), "recv");
    if (got == 0) return false;
    data += got;
    size -= static_cast<size_t>(got);
  }
  return true;
}

// The peer: connects to `port` and sends back every message until the measuring side closes.
int echo(uint16_t port, bool poll) {
  pin_process(PinSide::kPeer);
  Fd fd(check(socket(AF_INET, SOCK_STREAM, 0), "socket"));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  check(connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), "connect");
  set_no_delay(fd.get());
  std::array<char, kMessageBytes> message{};
  while (recv_all(fd.get(), message.data(), message.size(), poll)) {
    send_all(fd.get(), message.data(), message.size());
  }
  return 0;
}

double round_trip_us(int fd, int count, bool poll) {
  std::array<char, kMessageBytes> message{};
  const Stopwatch stopwatch;
  for (int i = 0; i < count; ++i) {
    send_all(fd, message.data(), message.size());
    if (!recv_all(fd, message.data(), message.size(), poll)) {
      throw std::runtime_error("the peer closed the connection");
    }
  }
  return stopwatch.seconds() * 1e6 / count;
}

void measure(std::string_view name, bool poll) {
  Fd listener(check(socket(AF_INET, SOCK_STREAM, 0), "socket"));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), "bind");
  check(listen(listener.get(), 1), "listen");
  socklen_t length = sizeof address;
  check(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length), "getsockname");
  const pid_t peer = check(fork(), "fork");
  if (peer == 0) {
    try {
      _exit(echo(ntohs(address.sin_port), poll));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_socket_floor peer: %s\n", e.what());
      _exit(1);
    }
  }
  double us = 0;
  {
    Fd connection(check(accept(listener.get(), nullptr, nullptr), "accept"));
    set_no_delay(connection.get());
    round_trip_us(connection.get(), kWarmUp, poll);
    us = round_trip_us(connection.get(), kTimed, poll);
  }
  int status = 0;
  check(waitpid(peer, &status, 0), "waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("the peer failed");
  }
  print_result(name, "posix", "round_trip_us", us);
}

}  // namespace
}  // namespace bossa::bench

int main(int argc, char** argv) {
  namespace bench = bossa::bench;
  const std::string_view filter = argc > 1 ? argv[1] : "";
  try {
    bench::pin_process(bench::PinSide::kMeasuring);
    for (const auto& [name, poll] :
         {std::pair{bench::kBlockingCase, false}, std::pair{bench::kPollingCase, true}}) {
      if (name.find(filter) != std::string_view::npos) bench::measure(name, poll);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_socket_floor: %s\n", e.what());
    return 1;
  }
}
