// ChildProcess: a program started by a bossa program (the cluster demo, the node program's
// tests): its output read line by line with deadlines, signalled, waited for, and always reaped.
//
//   absl::StatusOr<std::unique_ptr<ChildProcess>> beta = ChildProcess::start(
//       "build/node_program/bossa-node", {"--config", "beta.toml"}, {.capture_stdout = true});
//   absl::StatusOr<std::string> up =
//       (*beta)->await_line(ChildProcess::kStdout, " is up", absl::Seconds(10));
//   (*beta)->signal(SIGTERM);
//   absl::StatusOr<int> code = (*beta)->wait(absl::Seconds(10));   // 0
//
// The child starts with SIGINT and SIGTERM unblocked and, with die_with_parent, is killed when the
// thread that started it ends (PR_SET_PDEATHSIG: start children from a thread that outlives them,
// such as main's), so no node outlives its driver. Destroying a ChildProcess that still runs
// kills (SIGKILL) and reaps it. Thread-safety: one thread uses a ChildProcess at a time.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bossa {

class ChildProcess {
 public:
  enum Stream { kStdout = 0, kStderr = 1 };
  struct Options {
    bool capture_stdout = false;
    bool capture_stderr = false;
    bool discard_stdout = false;  // ignored when capturing it
    bool pipe_stdin = false;      // the child reads a pipe this object holds until close_stdin()
    bool die_with_parent = true;
  };

  // Starts `path` with `args` (argv[0] is `path`). Errors: the pipes or the fork failed; a path
  // that cannot be executed makes the child exit 127 at once.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> start(const std::string& path,
                                                             const std::vector<std::string>& args,
                                                             Options options);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const noexcept { return pid_; }

  // Reads the captured `stream` until a line containing `text` arrives and returns that line
  // (lines read before it are kept in output()). DeadlineExceeded after `timeout`, Unavailable
  // if the stream closed first; both say what was read so far. FailedPrecondition if the stream
  // is not captured.
  absl::StatusOr<std::string> await_line(Stream stream, std::string_view text,
                                         absl::Duration timeout);
  // Everything read from `stream` so far.
  const std::string& output(Stream stream) const { return captured_[stream].text; }

  // Closes the child's stdin pipe (with pipe_stdin), so that it reads end of file; a no-op
  // otherwise or when already closed.
  void close_stdin();

  // Sends `signal`; a no-op once the child has been reaped.
  void signal(int signal);
  // Waits for the child to end: its exit code, or 128 + the signal that ended it; output() then
  // holds everything it wrote. DeadlineExceeded if it still runs after `timeout`.
  absl::StatusOr<int> wait(absl::Duration timeout);
  bool running() const noexcept { return pid_ > 0 && !exit_code_.has_value(); }

 private:
  struct Captured {
    bool on = false;  // captured at all
    int fd = -1;      // -1 once closed
    std::string text;
    size_t scanned = 0;  // text before this offset has been searched line by line
  };

  ChildProcess() = default;
  // Reads what `stream` has now, waiting at most `timeout`; false once it is closed.
  bool read_some(Stream stream, absl::Duration timeout);
  // Non-blocking reap; true once the child has ended.
  bool reap();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;  // the write end of the child's stdin, with pipe_stdin
  std::optional<int> exit_code_;
  Captured captured_[2];
};

}  // namespace bossa
