// libFuzzer target over a whole stream engine: each input is one connection, from its first octet
// to its end, as a peer on the network would send it.
//
//   input[0]    bits 0-2 pick the socket under test: PULL, SUB, REP, ROUTER, DEALER, PAIR, XPUB
//               (7 is PULL again); bits 3-6 pick the size of the first 16 writes (kPieces), each
//               read by the engine before the next is written, so that every state can be entered
//               with a partial greeting, header or body; bit 7 set picks tcp on loopback, else ipc
//   input[1]    bits 0-1 pick its security: NULL, PLAIN server, CURVE server (3 is NULL again)
//   input[2..3] big-endian, the octets of a first write the engine reads whole before anything
//               more is written (0: none): a client's greeting and the commands up to the one the
//               authenticator answers, which a client waits on before it sends more (over tcp
//               the engine may still read it with what follows, as from a client that does not)
//   input[4..]  what a raw client writes to that socket's endpoint before it half-closes
//
// The octets take the real path: the listener's accept, the engine's asio reads (large bodies read
// in place), the greeting, the NULL, PLAIN or CURVE handshake with the context's authenticator,
// frames and commands (CURVE's inside MESSAGE boxes), and whole messages into the pipe the socket
// reads; the target drains the socket with non-blocking recv (REP replies) all along. The PLAIN
// server allows "user" with "password", the CURVE server has fuzz_config's fixed key pair and
// allows its client key. libsodium's randomness is a counter rewound before each input
// (fuzz_handshake_support.h), so a seed's INITIATE and MESSAGE boxes, made against the server's
// short-term key and cookie (make_fuzz_stream_engine_seeds), open in the engine. An input is done
// when the engine has closed the connection, which the client sees as the end of the stream; one
// not done within 10 s is a hang, and aborts. One Context and one socket of each type serve every
// input. BOSSA_FUZZ_LOG=1 in the environment shows the engine's log lines (why it closed a
// connection) and what each input delivered.
//
// Run it with libFuzzer's defaults (-rss_limit_mb=2048, -malloc_limit_mb the same), so that an
// allocation sized by what a peer announces, not by what arrived, is a crash it reports. Seeds,
// valid connections for each socket type: fuzz_stream_engine_corpus/ (NULL and PLAIN:
// make_fuzz_seeds.py; CURVE: make_fuzz_stream_engine_seeds).
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "transport/socket/core/authenticator.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/endpoint.h"
#include "transport/socket/core/socket.h"
#include "transport/socket/zmtp/fuzz_handshake_support.h"

namespace bossa::socket {
namespace {

constexpr SocketType kTypes[] = {SocketType::kPull,   SocketType::kSub,    SocketType::kRep,
                                 SocketType::kRouter, SocketType::kDealer, SocketType::kPair,
                                 SocketType::kXpub};
// The sizes of the paced writes; 0: the whole input in one go.
constexpr std::size_t kPieces[16] = {0,    1,    2,    3,    7,    11,   64,    255,
                                     1000, 4095, 4096, 4097, 8192, 9000, 16384, 32768};
constexpr int kPacedWrites = 16;
// input[1]: the security of the socket under test.
enum SecurityPick { kNull, kPlainServer, kCurveServer, kSecurityPicks };
constexpr auto kHangAfter = std::chrono::seconds(10);

[[noreturn]] void fatal(const std::string& what) {
  std::fprintf(stderr, "fuzz_stream_engine: %s\n", what.c_str());
  std::abort();
}

void check(const absl::Status& st) {
  if (!st.ok()) fatal(st.ToString());
}

// Binds `s` to `endpoint` and returns where it listens.
Endpoint bind(Socket& s, const std::string& endpoint) {
  check(s.bind(endpoint));
  absl::StatusOr<Endpoint> ep = parse_endpoint(s.last_endpoint());
  if (!ep.ok()) fatal(ep.status().ToString());
  return *ep;
}

// A socket under test with `mechanism`, listening on tcp and ipc.
struct Listener {
  Listener(Context& ctx, SocketType type, int mechanism) : socket(ctx, type) {
    if (type == SocketType::kSub) (void)socket.set(Option::kSubscribe, "");
    if (mechanism == kPlainServer) check(socket.set(Option::kPlainServer, 1));
    if (mechanism == kCurveServer) {
      check(socket.set(Option::kCurveServer, 1));
      check(socket.set(Option::kCurveSecretkey, zmtp::fuzz::fuzz_config(true).curve_secretkey));
    }
    tcp = bind(socket, "tcp://127.0.0.1:*");
    ipc = bind(socket, "ipc://*");
  }

  Socket socket;
  Endpoint tcp;
  Endpoint ipc;
};

// Reads every message the socket has, as its user would; REP answers each request. Returns how
// many it read.
int drain(Socket& s) {
  int n = 0;
  for (; s.recv(Flags::kDontwait).ok(); ++n) {
    if (s.type() == SocketType::kRep) (void)s.send("reply", Flags::kDontwait);
  }
  return n;
}

// A connected, non-blocking client socket; -1 when connecting failed.
int connect_to(const Endpoint& ep) {
  const bool tcp = ep.kind == Endpoint::Kind::kTcp;
  const int fd = ::socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int rc;
  if (tcp) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(ep.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    // Closing with a reset leaves no TIME_WAIT behind, whatever the number of inputs; no Nagle
    // delay holds a piece back.
    const linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, ep.address.data(), ep.address.size());
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The raw client of one connection, serving the socket under test while it waits.
class Client {
 public:
  Client(int fd, bool tcp, Socket& s) : fd_(fd), tcp_(tcp), socket_(s) {}
  ~Client() { ::close(fd_); }

  // Writes all of `bytes` unless the engine closes the connection first.
  void write(std::string_view bytes) {
    while (!bytes.empty() && writable_) {
      if ((step(POLLOUT, 1) & (POLLOUT | POLLERR | POLLHUP)) == 0) continue;
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) bytes.remove_prefix(static_cast<std::size_t>(n));
      if (n < 0 && errno != EAGAIN) writable_ = false;  // the engine has closed the connection
    }
  }

  // Waits until the engine has read all that was written: nothing left in the client's send queue.
  // Over tcp only until the kernel has sent it: the unacknowledged rest would wait for a delayed
  // ACK.
  void wait_read() {
    const unsigned long request = tcp_ ? SIOCOUTQNSD : SIOCOUTQ;
    int queued = 0;
    while (writable_ && !closed_ && ::ioctl(fd_, request, &queued) == 0 && queued > 0) {
      step(0, 0);
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }

  // Half-closes and waits until the engine closes. Returns the messages the socket received.
  int finish() {
    ::shutdown(fd_, SHUT_WR);
    while (!closed_) step(0, 1);
    return received_ + drain(socket_);
  }

 private:
  // Drains the socket, then waits up to `timeout_ms` for the stream and reads what the engine sent
  // (dropped). Returns the poll events.
  short step(short events, int timeout_ms) {
    if (std::chrono::steady_clock::now() > deadline_) {
      fatal("the engine kept the connection open " + std::to_string(kHangAfter.count()) + " s");
    }
    received_ += drain(socket_);
    pollfd p{fd_, static_cast<short>(POLLIN | events), 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return 0;
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      char buf[16 * 1024];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN)) closed_ = true;
    }
    return p.revents;
  }

  const int fd_;
  const bool tcp_;
  Socket& socket_;
  const std::chrono::steady_clock::time_point deadline_ =
      std::chrono::steady_clock::now() + kHangAfter;
  bool writable_ = true;
  bool closed_ = false;
  int received_ = 0;
};

class Harness {
 public:
  Harness() {
    std::signal(SIGPIPE, SIG_IGN);
    // Every bad input logs a line; shown only on request, to see what an input did.
    verbose_ = std::getenv("BOSSA_FUZZ_LOG") != nullptr;
    if (!verbose_) ctx_.set_log_sink({});
    const zmtp::SecurityConfig client = zmtp::fuzz::fuzz_config(false);
    auto auth = std::make_shared<Authenticator>();
    auth->allow_plain("", client.plain_username, client.plain_password);
    check(auth->allow_curve("", client.curve_publickey));
    ctx_.set_authenticator(auth);
    for (int mechanism = 0; mechanism < kSecurityPicks; ++mechanism) {
      for (SocketType type : kTypes) {
        listeners_[mechanism].push_back(std::make_unique<Listener>(ctx_, type, mechanism));
      }
    }
  }

  void run(std::uint8_t selector, std::uint8_t security, std::size_t first,
           std::string_view input) {
    const int mechanism = (security & 3) % kSecurityPicks;
    Listener& l = *listeners_[mechanism][(selector & 7) % listeners_[mechanism].size()];
    const bool tcp = (selector & 0x80) != 0;
    // The engine's CURVE server draws its short-term key, cookie key and nonces from here.
    zmtp::fuzz::reset_fuzz_random();
    const int fd = connect_to(tcp ? l.tcp : l.ipc);
    if (fd < 0) fatal(std::string("connect: ") + std::strerror(errno));
    Client client(fd, tcp, l.socket);
    if (first != 0) {
      client.write(input.substr(0, first));
      input.remove_prefix(std::min(first, input.size()));
      client.wait_read();
    }
    const std::size_t piece = kPieces[(selector >> 3) & 15];
    for (int i = 0; i < kPacedWrites && piece != 0 && !input.empty(); ++i) {
      client.write(input.substr(0, piece));
      input.remove_prefix(std::min(piece, input.size()));
      client.wait_read();
    }
    client.write(input);
    const int received = client.finish();
    if (verbose_) std::fprintf(stderr, "fuzz_stream_engine: %d messages received\n", received);
  }

  // Closes the sockets (their listeners remove the ipc files); the Context lives on until exit.
  void close() {
    for (auto& set : listeners_) {
      for (auto& l : set) l->socket.close();
    }
  }

 private:
  bool verbose_ = false;
  Context ctx_{1};
  std::vector<std::unique_ptr<Listener>> listeners_[kSecurityPicks];
};

Harness* harness = nullptr;

}  // namespace
}  // namespace bossa::socket

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  bossa::zmtp::fuzz::install_fuzz_random();  // before anything initialises libsodium
  bossa::socket::harness = new bossa::socket::Harness();
  std::atexit([] { bossa::socket::harness->close(); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::size_t first = (std::size_t{data[2]} << 8) | data[3];
  bossa::socket::harness->run(data[0], data[1], first,
                              std::string_view(reinterpret_cast<const char*>(data + 4), size - 4));
  return 0;
}
