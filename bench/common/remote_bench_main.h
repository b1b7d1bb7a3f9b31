// The two-process harness of the remote benchmarks (bench_engine_remote, bench_caf_remote): one
// main() that runs each case in the measuring process against a peer process it starts itself.
//
//   remote_thr  msgs_per_s: the peer sends remote_messages() 64-bit sequence numbers, checked
//   remote_lat  round_trip_us: one 64-bit integer bounced off the peer, the mean round trip
//
//   constexpr RemoteCase kCases[] = {{"remote_thr", run_thr}, {"remote_lat", run_lat}};
//   constexpr RemoteRole kRoles[] = {{"thr-sender", 2, send_sequence}, {"lat-echo", 2, echo}};
//   int main(int argc, char** argv) { return remote_bench_main(argc, argv, kCases, kRoles); }
//
// A case function creates a PeerProcess, waits in bounded steps calling check_running(), then
// finish()es the peer and prints its result line; a role function calls await_release() before
// closing what the measuring side still reads from. docs/benchmarks.md ("How the two-process
// benchmarks run") gives the command line and failures; BOSSA_BENCH_PIN places the two processes
// on CPUs (placement.h). Thread-safety: all on the main thread.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "bench/common/placement.h"

extern char** environ;

namespace bossa::bench {

// remote_thr's message count unless BOSSA_BENCH_REMOTE_MESSAGES says otherwise.
inline constexpr std::uint64_t kDefaultRemoteMessages = 1'000'000;
// remote_lat's round trips: untimed first, then timed.
inline constexpr std::uint64_t kWarmupRoundTrips = 1'000;
inline constexpr std::uint64_t kTimedRoundTrips = 20'000;
// A case (or a peer process) that takes longer than this is taken to hang.
inline constexpr unsigned kRemoteCaseTimeoutSeconds = 300;

// `text` as a decimal T; throws std::runtime_error naming `what` unless all of it is one.
template <typename T>
T parse_number(std::string_view text, std::string_view what) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::runtime_error(std::string(what) + ": '" + std::string(text) +
                             "' is not a number in range");
  }
  return value;
}

// A throughput case's message count: environment variable `variable` if set, else `fallback`.
// Throws if the variable is not a number of at least 2 (a rate needs a first and a last message).
inline std::uint64_t message_count(const char* variable, std::uint64_t fallback) {
  const char* text = std::getenv(variable);
  if (text == nullptr) return fallback;
  auto messages = parse_number<std::uint64_t>(text, variable);
  if (messages < 2) throw std::runtime_error(std::string(variable) + " must be at least 2");
  return messages;
}

// remote_thr's message count: BOSSA_BENCH_REMOTE_MESSAGES if set, else kDefaultRemoteMessages.
inline std::uint64_t remote_messages() {
  return message_count("BOSSA_BENCH_REMOTE_MESSAGES", kDefaultRemoteMessages);
}

namespace detail {

// The running peer process, for the watchdog; -1 when there is none.
inline std::atomic<pid_t> watched_peer{-1};
static_assert(std::atomic<pid_t>::is_always_lock_free, "read from a signal handler");

inline void on_remote_watchdog(int) {
  static constexpr char kMessage[] = "remote bench: timed out, giving up\n";
  [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  if (pid_t peer = watched_peer.load(); peer > 0) {
    kill(peer, SIGKILL);
    waitpid(peer, nullptr, 0);
  }
  _exit(1);
}

// (Re)arms the watchdog: kRemoteCaseTimeoutSeconds from now the process kills and reaps its peer,
// if any, and exits with status 1.
inline void arm_remote_watchdog() {
  signal(SIGALRM, on_remote_watchdog);
  alarm(kRemoteCaseTimeoutSeconds);
}

inline std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

}  // namespace detail

// The peer of one case: this program re-executed with `--role <role> <args...>`, its stdin the
// read end of a pipe whose write end this object holds, its stdout redirected to its stderr.
// Destroying it before finish() (the case failed) kills and reaps the process.
class PeerProcess {
 public:
  // Starts the peer; throws std::runtime_error if it cannot.
  PeerProcess(std::string_view role, const std::vector<std::string>& role_args) : role_(role) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 for the peer failed: " + std::string(strerror(errno)));
    }
    release_fd_ = fds[1];
    std::vector<std::string> args = {"/proc/self/exe", "--role", role_};
    args.insert(args.end(), role_args.begin(), role_args.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    if (rc != 0) {
      pid_ = -1;
      close(release_fd_);
      throw std::runtime_error("posix_spawn of the peer (--role " + role_ +
                               ") failed: " + strerror(rc));
    }
    detail::watched_peer.store(pid_);
  }

  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  ~PeerProcess() {
    release();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      detail::watched_peer.store(-1);
    }
  }

  // Throws if the peer has exited (it must run until released); `waiting_for` says what the
  // measuring side was waiting for.
  void check_running(std::string_view waiting_for) {
    std::optional<int> status = reap(WNOHANG);
    if (!status) return;
    throw std::runtime_error("the peer (--role " + role_ + ") exited (" +
                             detail::describe_wait_status(*status) + ") while waiting for " +
                             std::string(waiting_for));
  }

  // Releases the peer and waits for it to exit; throws unless it exits with status 0.
  void finish() {
    release();
    int status = *reap(0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("the peer (--role " + role_ + ") failed (" +
                               detail::describe_wait_status(status) + ")");
    }
  }

 private:
  void release() {
    if (release_fd_ >= 0) {
      close(release_fd_);
      release_fd_ = -1;
    }
  }

  // waitpid with `options`: nothing while the peer still runs (WNOHANG), else its wait status,
  // after which the pid is forgotten. Throws if waitpid fails or the peer was reaped before.
  std::optional<int> reap(int options) {
    if (pid_ <= 0) throw std::logic_error("the peer (--role " + role_ + ") was reaped before");
    int status = 0;
    pid_t rc;
    do {
      rc = waitpid(pid_, &status, options);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return std::nullopt;
    if (rc < 0) {
      throw std::runtime_error("waitpid on the peer failed: " + std::string(strerror(errno)));
    }
    detail::watched_peer.store(-1);
    pid_ = -1;
    return status;
  }

  std::string role_;
  pid_t pid_ = -1;
  int release_fd_ = -1;
};

// In a peer process: blocks until the measuring process closes the pipe on our stdin (or dies).
inline void await_release() {
  for (;;) {
    char byte;
    ssize_t n = read(STDIN_FILENO, &byte, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) return;
  }
}

// The mean round trip, in microseconds, of a case that bounces numbers off its peer with
// `bounce(value)` (which returns once the value came back): kWarmupRoundTrips untimed, then
// kTimedRoundTrips timed.
template <typename Bounce>
double mean_round_trip_us(Bounce&& bounce) {
  for (std::uint64_t i = 0; i < kWarmupRoundTrips; ++i) bounce(static_cast<std::int64_t>(i));
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < kTimedRoundTrips; ++i) bounce(static_cast<std::int64_t>(i));
  const std::chrono::duration<double, std::micro> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(kTimedRoundTrips);
}

// A measuring case: `bench` is its result lines' bench name.
struct RemoteCase {
  std::string_view bench;
  void (*run)();
};

// A peer role: `--role <name>` followed by exactly `arity` arguments, handed to `run`.
struct RemoteRole {
  std::string_view name;
  std::size_t arity;
  void (*run)(const std::vector<std::string>& args);
};

// The whole program (the top of this file, docs/benchmarks.md); returns the process exit code.
inline int remote_bench_main(int argc, char** argv, std::span<const RemoteCase> cases,
                             std::span<const RemoteRole> roles) {
  std::string_view program = argc > 0 ? argv[0] : "remote bench";
  if (argc > 2 && std::string_view(argv[1]) == "--role") {
    for (const RemoteRole& role : roles) {
      if (role.name != argv[2]) continue;
      if (static_cast<std::size_t>(argc) != 3 + role.arity) break;
      // The peer must not outlive a measuring process that died or gave up.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      detail::arm_remote_watchdog();
      try {
        pin_process(PinSide::kPeer);
        role.run(std::vector<std::string>(argv + 3, argv + argc));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s --role %s: %s\n", argv[0], argv[2], e.what());
        return 1;
      }
      return 0;
    }
    std::fprintf(stderr, "%s: bad peer role command line (starting with --role %s)\n", argv[0],
                 argv[2]);
    return 2;
  }
  if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
    std::fprintf(stderr, "usage: %s [filter]\n", argv[0]);
    return 2;
  }
  std::string_view filter = argc == 2 ? argv[1] : "";
  try {
    pin_process(PinSide::kMeasuring);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(), e.what());
    return 1;
  }
  for (const RemoteCase& c : cases) {
    if (c.bench.find(filter) == std::string_view::npos) continue;
    detail::arm_remote_watchdog();
    try {
      c.run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%.*s: %.*s: %s\n", static_cast<int>(program.size()), program.data(),
                   static_cast<int>(c.bench.size()), c.bench.data(), e.what());
      return 1;
    }
  }
  alarm(0);
  return 0;
}

}  // namespace bossa::bench
