#include "transport/socket/core/socket_core.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/socket/core/context.h"

namespace bossa::socket {
bool PollSignal::wait(std::uint64_t seen,
                      std::optional<std::chrono::steady_clock::time_point> deadline) {
  MutexLock lock(mu_);
  auto moved = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return generation_ != seen; };
  if (!deadline) {
    cv_.wait(mu_, moved);
    return true;
  }
  return cv_.wait_until(mu_, *deadline, moved);
}

void SocketCore::notify() {
  std::vector<std::function<void()>> waiters;
  std::vector<std::shared_ptr<PollSignal>> signals;
  bool wake;
  {
    MutexLock lock(mu_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    wake = sleepers_ > 0;
    waiters.swap(async_waiters_);
    signals = poll_signals_;
  }
  // After unlocking, so that a woken sleeper does not block again on mu_ at once.
  if (wake) cv_.notify_all();
  for (auto& w : waiters) w();
  for (auto& s : signals) s->notify();
}

bool SocketCore::wait(std::uint64_t seen,
                      std::optional<std::chrono::steady_clock::time_point> deadline) {
  MutexLock lock(mu_);
  ++sleepers_;
  auto moved = [&] { return generation_.load(std::memory_order_acquire) != seen; };
  bool result = true;
  if (!deadline) {
    cv_.wait(mu_, moved);
  } else {
    result = cv_.wait_until(mu_, *deadline, moved);
  }
  --sleepers_;
  return result;
}

void SocketCore::add_async_waiter(std::uint64_t seen, std::function<void()> fn) {
  {
    MutexLock lock(mu_);
    if (generation_.load(std::memory_order_acquire) == seen) {
      async_waiters_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

void SocketCore::add_poll_signal(std::shared_ptr<PollSignal> signal) {
  MutexLock lock(mu_);
  poll_signals_.push_back(std::move(signal));
}

void SocketCore::remove_poll_signal(const PollSignal* signal) {
  MutexLock lock(mu_);
  std::erase_if(poll_signals_, [&](const auto& s) { return s.get() == signal; });
}

bool SocketCore::post(PipeEvent event) {
  {
    MutexLock lock(mu_);
    if (closed_.load(std::memory_order_relaxed)) return false;
    events_.push_back(std::move(event));
    has_events_.store(true, std::memory_order_release);
  }
  notify();
  return true;
}

std::vector<PipeEvent> SocketCore::take_events() {
  MutexLock lock(mu_);
  has_events_.store(false, std::memory_order_relaxed);
  return std::exchange(events_, {});
}

std::vector<PipeEvent> SocketCore::close() {
  std::vector<PipeEvent> left;
  {
    MutexLock lock(mu_);
    closed_.store(true, std::memory_order_release);
    has_events_.store(false, std::memory_order_relaxed);
    left = std::exchange(events_, {});
  }
  notify();
  return left;
}

void SocketCore::protocol_error(std::string_view endpoint, std::string_view reason) {
  protocol_errors.fetch_add(1, std::memory_order_relaxed);
  {
    MutexLock lock(mu_);
    last_error_ = std::string(reason);
  }
  log(absl::StrCat("bossa socket ", std::string(zmtp::socket_type_name(type_)),
                   ": closing connection ", std::string(endpoint), ": ", std::string(reason)));
}

bool SocketCore::admit_inbound(std::string_view endpoint, std::int64_t max_connections,
                               std::int64_t max_handshakes) {
  const std::int64_t open = inbound_open.fetch_add(1, std::memory_order_relaxed);
  const std::int64_t handshaking = inbound_handshaking.fetch_add(1, std::memory_order_relaxed);
  if (open < max_connections && handshaking < max_handshakes) return true;
  inbound_open.fetch_sub(1, std::memory_order_relaxed);
  inbound_handshaking.fetch_sub(1, std::memory_order_relaxed);
  // Logged on the 1st, 2nd, 4th, 8th... refusal: a flood of connections logs a few lines.
  const std::uint64_t refused = connections_refused.fetch_add(1, std::memory_order_relaxed) + 1;
  if ((refused & (refused - 1)) == 0) {
    log(absl::StrCat("bossa socket ", std::string(zmtp::socket_type_name(type_)),
                     ": refused a connection on ", std::string(endpoint), ": ",
                     open >= max_connections
                         ? absl::StrCat(open, " connections open (max_connections)")
                         : absl::StrCat(handshaking, " in their handshake (max_handshakes)"),
                     "; ", refused, " refused so far"));
  }
  return false;
}

void SocketCore::log(std::string_view line) {
  context_.log(line);
}

SocketStats SocketCore::stats() {
  SocketStats s;
  s.connections_accepted = connections_accepted.load(std::memory_order_relaxed);
  s.connections_established = connections_established.load(std::memory_order_relaxed);
  s.connect_failures = connect_failures.load(std::memory_order_relaxed);
  s.disconnects = disconnects.load(std::memory_order_relaxed);
  s.protocol_errors = protocol_errors.load(std::memory_order_relaxed);
  s.messages_dropped = messages_dropped.load(std::memory_order_relaxed);
  s.connections_refused = connections_refused.load(std::memory_order_relaxed);
  s.inbound_open = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, inbound_open.load(std::memory_order_relaxed)));
  s.inbound_handshaking = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, inbound_handshaking.load(std::memory_order_relaxed)));
  MutexLock lock(mu_);
  s.last_error = last_error_;
  return s;
}

void SocketWaker::on_queue_ready() {
  std::shared_ptr<SocketCore> core;
  {
    MutexLock lock(mu_);
    core = core_.lock();
  }
  if (core) core->notify();
}

}  // namespace bossa::socket
