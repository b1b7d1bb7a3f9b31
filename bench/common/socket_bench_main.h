// The socket benchmark harness: one main() that runs the standard throughput and latency cases
// over a SocketBenchDriver and prints a result line (result_line.h) for each.
//
//   socket_thr_<tcp|ipc|inproc>_<size>  PUSH -> PULL; metric msgs_per_s
//   socket_lat_<tcp|ipc|inproc>_<size>  REQ <-> REP; metric round_trip_us
// for size in 16, 256, 4096 and 65536 bytes, then the same over tcp with CURVE (the bound side the
// server, its authenticator letting in the client's key):
//   socket_thr_tcp_curve_<size>         for size in 16, 256 and 4096
//   socket_lat_tcp_curve_16
// and through a streamer device (the library's own proxy, on a thread of the measuring process,
// between the producer's process and the measuring PULL):
//   socket_proxy_thr_tcp_16             metric msgs_per_s
// (run_all.py matches rows with peers' by these names).
//
//   int main(int argc, char** argv) {
//     MyDriver driver;  // a SocketBenchDriver (socket_bench_driver.h)
//     return bossa::bench::socket_bench_main(argc, argv, driver);
//   }
//
// Command line: `[filter]` runs the cases whose name contains it (`--role ...`: the peer side, with
// the case's CURVE keys after its other arguments when it has them). BOSSA_BENCH_PIN places the
// two sides on CPUs (placement.h); for inproc the peer thread takes the peer's CPU. A
// failure or a hung case prints the case and why and returns 1; docs/benchmarks.md tells more.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "bench/common/placement.h"
#include "bench/common/result_line.h"
#include "bench/common/socket_bench_driver.h"
#include "bench/common/stopwatch.h"

extern char** environ;

namespace bossa::bench {

enum class SocketTransport { kTcp, kIpc, kInproc };

struct SocketCase {
  bool throughput;  // PUSH -> PULL if true, REQ <-> REP otherwise
  SocketTransport transport;
  std::size_t size;      // bytes per message
  std::size_t count;     // messages (throughput) or timed round trips (latency)
  bool curve = false;    // CURVE between the two sides
  bool proxied = false;  // through a streamer device

  std::string name() const {
    static constexpr std::string_view kTransports[] = {"tcp", "ipc", "inproc"};
    return std::string(proxied      ? "socket_proxy_thr_"
                       : throughput ? "socket_thr_"
                                    : "socket_lat_") +
           std::string(kTransports[static_cast<int>(transport)]) + (curve ? "_curve_" : "_") +
           std::to_string(size);
  }
};

// A case that takes longer than this is taken to hang.
inline constexpr unsigned kCaseTimeoutSeconds = 120;

// Timed REQ/REP round trips per latency case.
inline constexpr std::size_t kLatencyRoundTrips = 10'000;

// The standard cases, in the order they run.
inline std::vector<SocketCase> standard_socket_cases() {
  // Messages per throughput case, by size: about a second each at libzmq's rates here.
  struct Scale {
    std::size_t size, throughput_count;
  };
  static constexpr Scale kScales[] = {
      {16, 8'000'000},
      {256, 2'500'000},
      {4096, 250'000},
      {65536, 30'000},
  };
  std::vector<SocketCase> cases;
  for (bool throughput : {true, false}) {
    for (SocketTransport transport :
         {SocketTransport::kTcp, SocketTransport::kIpc, SocketTransport::kInproc}) {
      for (const Scale& scale : kScales) {
        cases.push_back({throughput, transport, scale.size,
                         throughput ? scale.throughput_count : kLatencyRoundTrips});
      }
    }
  }
  // CURVE encrypts and authenticates every message: fewer of them, for about a second each.
  for (const Scale& scale : kScales) {
    if (scale.size > 4096) continue;
    cases.push_back(
        {true, SocketTransport::kTcp, scale.size, scale.throughput_count / 4, /*curve=*/true});
  }
  cases.push_back({false, SocketTransport::kTcp, 16, kLatencyRoundTrips, /*curve=*/true});
  // Two tcp hops and a proxy between them.
  cases.push_back({true, SocketTransport::kTcp, 16, kScales[0].throughput_count / 2,
                   /*curve=*/false, /*proxied=*/true});
  return cases;
}

namespace detail {

inline void on_watchdog(int) {
  static constexpr char kMessage[] = "socket bench: a case hung, giving up\n";
  [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  _exit(1);
}

// (Re)arms the watchdog for one case.
inline void arm_watchdog() {
  signal(SIGALRM, on_watchdog);
  alarm(kCaseTimeoutSeconds);
}

inline void check_size(std::size_t got, std::size_t want) {
  if (got != want) {
    throw std::runtime_error("received a message of " + std::to_string(got) + " bytes, expected " +
                             std::to_string(want));
  }
}

// The connecting side of a case: `push` sends `count` messages; `rep` echoes `count` requests.
// Then it calls `await_release` before closing its socket: the measuring side must have everything
// first, as a receiver may drop what it has not read yet when its peer disconnects (libzmq's bound
// PULL does).
inline void run_peer(SocketBenchDriver& driver, std::string_view role, const std::string& endpoint,
                     std::size_t size, std::size_t count, const CurveKeys* curve,
                     const std::function<void()>& await_release) {
  std::vector<std::byte> buffer(size, std::byte{0x5a});
  if (role == "push") {
    auto socket = driver.connect(Pattern::kPush, endpoint, curve);
    for (std::size_t i = 0; i < count; ++i) socket->send(buffer);
    await_release();
  } else if (role == "rep") {
    auto socket = driver.connect(Pattern::kRep, endpoint, curve);
    for (std::size_t i = 0; i < count; ++i) {
      check_size(socket->receive(buffer), size);
      socket->send(buffer);
    }
    await_release();
  } else {
    throw std::runtime_error("unknown role '" + std::string(role) + "' (expected push or rep)");
  }
}

// In a peer process: blocks until the measuring process closes the pipe on our stdin (or dies).
inline void await_stdin_closed() {
  for (;;) {
    char byte;
    ssize_t n = read(STDIN_FILENO, &byte, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) return;
  }
}

// The peer of one case: a child process for tcp and ipc, a thread for inproc, running run_peer.
// finish() releases it and waits for it, throwing if it failed. Destroying a Peer that was not
// finished (the case failed) kills the peer process, or releases the peer thread and lets it go
// as the process is about to exit.
class Peer {
 public:
  Peer(SocketBenchDriver& driver, const SocketCase& c, std::string_view role,
       const std::string& endpoint, std::size_t count, const CurveKeys* curve) {
    if (c.transport == SocketTransport::kInproc) {
      thread_ = std::thread([&driver, role, endpoint, size = c.size, count, state = thread_state_,
                             curve = curve ? std::optional<CurveKeys>(*curve) : std::nullopt] {
        try {
          pin_thread(PinSide::kPeer);
          run_peer(driver, role, endpoint, size, count, curve ? &*curve : nullptr,
                   [&state] { state->released.wait(); });
        } catch (...) {
          state->error = std::current_exception();
        }
      });
      return;
    }
    // The child's stdin is the read end of a pipe; closing the write end releases it.
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 for the peer failed");
    release_fd_ = fds[1];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    std::vector<std::string> args = {"/proc/self/exe",       "--role",
                                     std::string(role),      endpoint,
                                     std::to_string(c.size), std::to_string(count)};
    if (curve != nullptr) {
      args.insert(args.end(), {curve->server_public, curve->client_public, curve->client_secret});
    }
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("posix_spawn of the peer failed: " + std::string(strerror(rc)));
    }
  }

  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  ~Peer() {
    release();
    if (thread_.joinable()) thread_.detach();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void finish() {
    release();
    if (thread_.joinable()) {
      thread_.join();
      if (thread_state_->error) std::rethrow_exception(thread_state_->error);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) throw std::runtime_error("waitpid on the peer failed");
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("the peer process failed (wait status " + std::to_string(status) +
                               ")");
    }
  }

 private:
  // Shared with the peer thread, which may outlive an unfinished Peer.
  struct ThreadState {
    std::latch released{1};
    std::exception_ptr error;
  };

  void release() {
    if (release_fd_ >= 0) {
      close(release_fd_);
      release_fd_ = -1;
    }
    if (!thread_released_) {
      thread_released_ = true;
      thread_state_->released.count_down();
    }
  }

  std::shared_ptr<ThreadState> thread_state_ = std::make_shared<ThreadState>();
  bool thread_released_ = false;
  std::thread thread_;
  pid_t pid_ = -1;
  int release_fd_ = -1;
};

inline std::string endpoint_for(const SocketCase& c, const std::filesystem::path& ipc_dir) {
  switch (c.transport) {
    case SocketTransport::kTcp:
      return "tcp://127.0.0.1:*";
    case SocketTransport::kIpc:
      return "ipc://" + (ipc_dir / c.name()).string();
    case SocketTransport::kInproc:
      return "inproc://" + c.name();
  }
  throw std::logic_error("unknown transport");
}

// Runs one case on the measuring side and prints its result line.
inline void run_case(SocketBenchDriver& driver, const SocketCase& c,
                     const std::filesystem::path& ipc_dir) {
  std::vector<std::byte> buffer(c.size, std::byte{0xa5});
  std::optional<CurveKeys> keys;
  if (c.curve) {
    keys.emplace();
    std::tie(keys->server_public, keys->server_secret) = driver.curve_keypair();
    std::tie(keys->client_public, keys->client_secret) = driver.curve_keypair();
  }
  const CurveKeys* curve = keys ? &*keys : nullptr;
  if (c.throughput) {
    BoundSocket pull = driver.bind(Pattern::kPull, endpoint_for(c, ipc_dir), curve);
    std::unique_ptr<BenchDevice> device;
    if (c.proxied) device = driver.start_streamer(pull.endpoint);
    Peer peer(driver, c, "push", device ? device->frontend() : pull.endpoint, c.count, curve);
    check_size(pull.socket->receive(buffer), c.size);
    Stopwatch first_to_last;
    for (std::size_t i = 1; i < c.count; ++i) check_size(pull.socket->receive(buffer), c.size);
    double seconds = first_to_last.seconds();
    peer.finish();
    print_result(c.name(), driver.impl(), "msgs_per_s", static_cast<double>(c.count - 1) / seconds);
  } else {
    BoundSocket req = driver.bind(Pattern::kReq, endpoint_for(c, ipc_dir), curve);
    Peer peer(driver, c, "rep", req.endpoint, c.count + 1, curve);
    req.socket->send(buffer);
    check_size(req.socket->receive(buffer), c.size);
    Stopwatch timed;
    for (std::size_t i = 0; i < c.count; ++i) {
      req.socket->send(buffer);
      check_size(req.socket->receive(buffer), c.size);
    }
    double seconds = timed.seconds();
    peer.finish();
    print_result(c.name(), driver.impl(), "round_trip_us",
                 seconds * 1e6 / static_cast<double>(c.count));
  }
}

// A fresh private directory for ipc endpoints, removed when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bossa-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp(" + pattern + ") failed");
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace detail

// The whole bench program: see the top of this file. Returns the process exit code.
inline int socket_bench_main(int argc, char** argv, SocketBenchDriver& driver) {
  std::string_view program = argc > 0 ? argv[0] : "socket bench";
  if (argc > 1 && std::string_view(argv[1]) == "--role") {
    if (argc != 6 && argc != 9) {
      std::fprintf(stderr,
                   "usage: %s --role push|rep <endpoint> <size> <count> "
                   "[<server public key> <client public key> <client secret key>]\n",
                   argv[0]);
      return 2;
    }
    // The peer must not outlive a parent that died or gave up.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    detail::arm_watchdog();
    std::optional<CurveKeys> curve;
    if (argc == 9) curve = CurveKeys{argv[6], "", argv[7], argv[8]};
    try {
      pin_process(PinSide::kPeer);
      detail::run_peer(driver, argv[2], argv[3], std::stoul(argv[4]), std::stoul(argv[5]),
                       curve ? &*curve : nullptr, detail::await_stdin_closed);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s --role %s: %s\n", argv[0], argv[2], e.what());
      return 1;
    }
    return 0;
  }
  if (argc > 2) {
    std::fprintf(stderr, "usage: %s [filter]\n", argv[0]);
    return 2;
  }
  std::string_view filter = argc == 2 ? argv[1] : "";
  std::string current;
  try {
    pin_process(PinSide::kMeasuring);
    detail::TempDir ipc_dir;
    for (const SocketCase& c : standard_socket_cases()) {
      current = c.name();
      if (current.find(filter) == std::string::npos) continue;
      detail::arm_watchdog();
      detail::run_case(driver, c, ipc_dir.path());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%.*s: %s: %s\n", static_cast<int>(program.size()), program.data(),
                 current.c_str(), e.what());
    return 1;
  }
  return 0;
}

}  // namespace bossa::bench
