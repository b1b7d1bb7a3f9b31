#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace bossa {
namespace {

std::string tail_of(const std::string& text) {
  constexpr size_t kShown = 2000;
  if (text.empty()) return "(nothing)";
  return text.size() <= kShown ? text : absl::StrCat("...", text.substr(text.size() - kShown));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::start(
    const std::string& path, const std::vector<std::string>& args, Options options) {
  std::vector<std::string> strings;
  strings.reserve(args.size() + 1);
  strings.push_back(path);
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipes[2][2] = {{-1, -1}, {-1, -1}};
  int stdin_pipe[2] = {-1, -1};
  const bool capture[2] = {options.capture_stdout, options.capture_stderr};
  const int null_fd = options.discard_stdout && !options.capture_stdout
                          ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                          : -1;
  auto fail = [&](const char* what) {
    const int error = errno;
    for (auto& pipe : pipes) {
      for (int fd : pipe) {
        if (fd >= 0) ::close(fd);
      }
    }
    for (int fd : stdin_pipe) {
      if (fd >= 0) ::close(fd);
    }
    if (null_fd >= 0) ::close(null_fd);
    return absl::ErrnoToStatus(error, absl::StrCat("starting ", path, ": ", what));
  };
  for (int s = 0; s < 2; ++s) {
    if (capture[s] && ::pipe2(pipes[s], O_CLOEXEC) != 0) return fail("pipe");
  }
  if (options.pipe_stdin && ::pipe2(stdin_pipe, O_CLOEXEC) != 0) return fail("pipe");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return fail("fork");
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    if (options.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 0; s < 2; ++s) {
      if (capture[s]) ::dup2(pipes[s][1], s + 1);
    }
    if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO);
    if (stdin_pipe[0] >= 0) ::dup2(stdin_pipe[0], STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  if (null_fd >= 0) ::close(null_fd);
  if (stdin_pipe[0] >= 0) {
    ::close(stdin_pipe[0]);
    child->stdin_fd_ = stdin_pipe[1];
  }
  for (int s = 0; s < 2; ++s) {
    if (!capture[s]) continue;
    ::close(pipes[s][1]);
    child->captured_[s].on = true;
    child->captured_[s].fd = pipes[s][0];
  }
  return child;
}

ChildProcess::~ChildProcess() {
  close_stdin();
  if (running()) {
    ::kill(pid_, SIGKILL);
    (void)wait(absl::InfiniteDuration());
  }
  for (Captured& captured : captured_) {
    if (captured.fd >= 0) ::close(captured.fd);
  }
}

bool ChildProcess::read_some(Stream stream, absl::Duration timeout) {
  Captured& captured = captured_[stream];
  if (captured.fd < 0) return false;
  pollfd ready{.fd = captured.fd, .events = POLLIN, .revents = 0};
  const int64_t ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(timeout));
  if (::poll(&ready, 1, static_cast<int>(std::min<int64_t>(ms, 1000))) <= 0) return true;
  char buffer[4096];
  const ssize_t n = ::read(captured.fd, buffer, sizeof buffer);
  if (n > 0) {
    captured.text.append(buffer, static_cast<size_t>(n));
    return true;
  }
  if (n < 0 && errno == EINTR) return true;
  ::close(captured.fd);
  captured.fd = -1;
  return false;
}

absl::StatusOr<std::string> ChildProcess::await_line(Stream stream, std::string_view text,
                                                     absl::Duration timeout) {
  Captured& captured = captured_[stream];
  const char* name = stream == kStdout ? "stdout" : "stderr";
  if (!captured.on) {
    return absl::FailedPreconditionError(absl::StrCat("the child's ", name, " is not captured"));
  }
  const absl::string_view wanted(text.data(), text.size());
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    // Search the complete lines not searched yet.
    for (size_t end; (end = captured.text.find('\n', captured.scanned)) != std::string::npos;) {
      std::string line = captured.text.substr(captured.scanned, end - captured.scanned);
      captured.scanned = end + 1;
      if (line.find(text) != std::string::npos) return line;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line with \"", wanted, "\" on the child's ", name, " within ",
                       absl::FormatDuration(timeout), "; it wrote: ", tail_of(captured.text)));
    }
    if (!read_some(stream, left)) {
      return absl::UnavailableError(absl::StrCat("the child's ", name,
                                                 " closed before a line with \"", wanted,
                                                 "\"; it wrote: ", tail_of(captured.text)));
    }
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(std::exchange(stdin_fd_, -1));
}

void ChildProcess::signal(int signal) {
  if (running()) ::kill(pid_, signal);
}

bool ChildProcess::reap() {
  if (exit_code_) return true;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == -1 && errno == ECHILD) {
    exit_code_ = -1;  // reaped elsewhere (SIGCHLD ignored): ended, status unknown
    return true;
  }
  if (done != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

absl::StatusOr<int> ChildProcess::wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!reap()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still runs after ", absl::FormatDuration(timeout)));
    }
    // Keep the pipes drained so that a chatty child never blocks on a full one.
    for (int s = 0; s < 2; ++s) {
      if (captured_[s].fd >= 0) read_some(static_cast<Stream>(s), absl::ZeroDuration());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // What the child wrote last may still be in the pipes: read up to their end, which comes as the
  // child is gone (unless a process it started holds them: then for a second at most).
  const absl::Time drained_by = absl::Now() + absl::Seconds(1);
  for (int s = 0; s < 2; ++s) {
    while (captured_[s].fd >= 0 && absl::Now() < drained_by &&
           read_some(static_cast<Stream>(s), drained_by - absl::Now())) {
    }
  }
  return *exit_code_;
}

}  // namespace bossa
