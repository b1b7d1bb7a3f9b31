// Helpers shared by the socket engine's tests: unique endpoints per transport, bounded waits,
// receiving from a conflating socket.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"

namespace bossa::socket::testing {

enum class Transport { kInproc, kTcp, kIpc };

inline std::string transport_name(Transport t) {
  switch (t) {
    case Transport::kInproc:
      return "inproc";
    case Transport::kTcp:
      return "tcp";
    case Transport::kIpc:
      return "ipc";
  }
  return "?";
}

// An endpoint to bind: unique per call and process; tcp uses an ephemeral port (read it back with
// last_endpoint).
inline std::string bind_endpoint(Transport t) {
  static std::atomic<int> n{0};
  const int i = n.fetch_add(1);
  switch (t) {
    case Transport::kInproc:
      return absl::StrCat("inproc://test-", i);
    case Transport::kTcp:
      return "tcp://127.0.0.1:*";
    case Transport::kIpc:
      return absl::StrCat("ipc:///tmp/bossa-test-", ::getpid(), "-", i);
  }
  return "";
}

// Polls `condition` until true or `timeout`; true when it became true.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

// Receives from a conflating socket, through `recv` (the frames of one message), until message
// "m<last>" arrives: each message must be one frame "m<n>" with n above the one before. Sets
// `receives` to how many it took. Use under ASSERT_NO_FATAL_FAILURE.
template <class Recv>
void receive_conflated_up_to(int last, Recv recv, int* receives) {
  *receives = 0;
  int previous = -1;
  while (previous < last) {
    const std::vector<std::string> got = recv();
    ASSERT_EQ(got.size(), 1u);
    const int n = std::stoi(got[0].substr(1));
    EXPECT_GT(n, previous);
    previous = n;
    ++*receives;
  }
}

// The lines a Context logs, kept for the test to read. Declare it after the Context and before
// the sockets, which may log as they close.
class LogLines {
 public:
  explicit LogLines(Context& context) : context_(context) {
    context_.set_log_sink([this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogLines() { context_.set_log_sink(nullptr); }
  LogLines(const LogLines&) = delete;
  LogLines& operator=(const LogLines&) = delete;

  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }
  bool contains(std::string_view text) {
    for (const std::string& line : lines()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  Context& context_;
  std::mutex mu_;
  std::vector<std::string> lines_;
};

}  // namespace bossa::socket::testing
