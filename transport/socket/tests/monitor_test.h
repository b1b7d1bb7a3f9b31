// Test helpers for monitor events: a tcp endpoint nobody listens on, a reader of a socket's monitor
// endpoint (a bossa PAIR) and a recorder for the monitor callback, each waiting a bounded time for
// the next event.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"
#include "transport/socket/core/monitor.h"
#include "transport/socket/core/socket.h"

namespace bossa::socket::testing {

// A tcp endpoint nobody listens on: bound once, then released.
inline std::string unused_tcp_endpoint(Context& ctx) {
  Socket probe(ctx, SocketType::kPull);
  EXPECT_TRUE(probe.bind("tcp://127.0.0.1:*").ok());
  const std::string endpoint = probe.last_endpoint();
  EXPECT_TRUE(probe.unbind(endpoint).ok());
  return endpoint;
}

inline std::string describe(const MonitorEvent& e) {
  return absl::StrCat(std::string(monitor_event_name(e.event)), "(", e.value, ", '", e.endpoint,
                      "')");
}

// Connects a PAIR to `endpoint` (before or after the monitored socket binds it).
class MonitorReader {
 public:
  MonitorReader(Context& context, const std::string& endpoint) : pair_(context, SocketType::kPair) {
    EXPECT_TRUE(pair_.set(Option::kRcvtimeo, 10000).ok());
    EXPECT_TRUE(pair_.connect(endpoint).ok());
  }
  // The next event, or nullopt after 10 s (or `timeout_ms`).
  std::optional<MonitorEvent> next(int timeout_ms = 10000) {
    EXPECT_TRUE(pair_.set(Option::kRcvtimeo, timeout_ms).ok());
    absl::StatusOr<Message> m = pair_.recv();
    if (!m.ok()) return std::nullopt;
    absl::StatusOr<MonitorEvent> e = decode_monitor_event(*m);
    EXPECT_TRUE(e.ok()) << e.status();
    if (!e.ok()) return std::nullopt;
    return *e;
  }
  // The next event, which must be `event`; its value and endpoint are returned for more checks.
  MonitorEvent expect(std::uint32_t event) {
    std::optional<MonitorEvent> e = next();
    EXPECT_TRUE(e.has_value()) << "no event; expected " << monitor_event_name(event);
    if (!e) return {};
    EXPECT_EQ(e->event, event) << "got " << describe(*e) << ", expected "
                               << monitor_event_name(event);
    return *e;
  }
  Socket& pair() { return pair_; }

 private:
  Socket pair_;
};

// Keeps what the monitor callback is given.
class CallbackEvents {
 public:
  std::function<void(const MonitorEvent&)> callback() {
    return [this](const MonitorEvent& e) {
      {
        std::lock_guard lock(mu_);
        events_.push_back(e);
      }
      cv_.notify_all();
    };
  }
  std::optional<MonitorEvent> next() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !events_.empty(); })) {
      return std::nullopt;
    }
    MonitorEvent e = events_.front();
    events_.pop_front();
    return e;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<MonitorEvent> events_;
};

}  // namespace bossa::socket::testing
