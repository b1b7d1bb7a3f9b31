// A raw ZMTP peer for tests: a blocking POSIX tcp client that writes chosen octets and reads what
// the socket under test answers.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "transport/socket/zmtp/command.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/greeting.h"

namespace bossa::socket::testing {

// A blocking POSIX tcp client with a receive timeout.
class RawClient {
 public:
  explicit RawClient(const std::string& endpoint) {
    const std::size_t colon = endpoint.rfind(':');
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(endpoint.substr(colon + 1), &port));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }

  void write(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void finish_writing() { ::shutdown(fd_, SHUT_WR); }

  // Reads octets into `out` until it holds `n` more; false on close or timeout.
  bool read_exactly(std::string& out, std::size_t n) {
    while (n > 0) {
      char buf[4096];
      const ssize_t got = ::recv(fd_, buf, std::min(n, sizeof buf), 0);
      if (got <= 0) return false;
      out.append(buf, static_cast<std::size_t>(got));
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }

  // Reads the next whole frame; nullopt on close, timeout or bad octets.
  std::optional<std::pair<zmtp::FrameHeader, std::string>> read_frame() {
    std::string head;
    if (!read_exactly(head, 2)) return std::nullopt;
    if (static_cast<std::uint8_t>(head[0]) & zmtp::kFlagLong) {
      if (!read_exactly(head, 7)) return std::nullopt;
    }
    auto h = zmtp::parse_frame_header(head, zmtp::FrameLimits{});
    if (!h.ok() || h->header_size == 0) return std::nullopt;
    std::string body;
    if (!read_exactly(body, h->size)) return std::nullopt;
    return std::make_pair(*h, body);
  }

  // True if octets (or a close) arrive within `wait`.
  bool readable_within(std::chrono::milliseconds wait) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
  }

  // Reads until the server closes the connection; true when it did (within the timeout).
  bool closed_by_server() {
    char buf[4096];
    while (true) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  int fd_ = -1;
};

inline std::string greeting(std::string mechanism = "NULL") {
  std::string out;
  zmtp::append_greeting(out, zmtp::Greeting{3, 1, std::move(mechanism), false});
  return out;
}

// A greeting and a NULL READY announcing `type`.
inline std::string handshake(std::string_view type = "PUSH") {
  std::string out = greeting();
  zmtp::append_ready(out, {{"Socket-Type", std::string(type)}});
  return out;
}

}  // namespace bossa::socket::testing
