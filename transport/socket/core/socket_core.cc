#include "transport/socket/core/socket_core.h"

#include <algorithm>
#include <cstdint>
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
  s.auth_refusals = auth_refusals.load(std::memory_order_relaxed);
  s.messages_dropped = drop_counts().total();
  s.monitor_events_lost = monitor_events_lost_.load(std::memory_order_relaxed);
  s.connections_refused = connections_refused.load(std::memory_order_relaxed);
  s.inbound_open = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, inbound_open.load(std::memory_order_relaxed)));
  s.inbound_handshaking = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, inbound_handshaking.load(std::memory_order_relaxed)));
  MutexLock lock(mu_);
  s.last_error = last_error_;
  return s;
}

DropCounts SocketCore::drop_counts() const {
  auto n = [&](DropReason r) {
    return drops_[static_cast<int>(r)].load(std::memory_order_relaxed);
  };
  DropCounts c;
  c.hwm = n(DropReason::kHwm);
  c.unroutable = n(DropReason::kUnroutable);
  c.conflated = n(DropReason::kConflated);
  c.pipe_closed = n(DropReason::kPipeClosed);
  c.unexpected = n(DropReason::kUnexpected);
  return c;
}

void SocketCore::emit(std::uint32_t event, std::uint64_t value, std::string_view endpoint) {
  // libzmq's format carries 32 bits of value; larger counts are reported as the largest.
  const MonitorEvent e{event,
                       static_cast<std::uint32_t>(std::min<std::uint64_t>(value, UINT32_MAX)),
                       std::string(endpoint)};
  std::shared_ptr<const std::function<void(const MonitorEvent&)>> callback;
  {
    MutexLock lock(monitor_mu_);
    if (monitor_output_ && (output_events_ & event) != 0 && !monitor_output_->publish(e)) {
      monitor_events_lost_.fetch_add(1, std::memory_order_relaxed);
    }
    if ((callback_events_ & event) != 0) callback = callback_;
  }
  if (callback) (*callback)(e);
}

void SocketCore::update_monitor_mask() {
  monitor_events_.store((monitor_output_ ? output_events_ : 0) | (callback_ ? callback_events_ : 0),
                        std::memory_order_relaxed);
}

std::unique_ptr<MonitorOutput> SocketCore::set_monitor_output(std::unique_ptr<MonitorOutput> output,
                                                              std::uint32_t events) {
  MutexLock lock(monitor_mu_);
  if (monitor_output_ && (output_events_ & kEventMonitorStopped) != 0 &&
      !monitor_output_->publish(MonitorEvent{kEventMonitorStopped, 0, {}})) {
    monitor_events_lost_.fetch_add(1, std::memory_order_relaxed);
  }
  std::unique_ptr<MonitorOutput> old = std::exchange(monitor_output_, std::move(output));
  output_events_ = events;
  update_monitor_mask();
  return old;
}

void SocketCore::set_monitor_callback(std::function<void(const MonitorEvent&)> callback,
                                      std::uint32_t events) {
  MutexLock lock(monitor_mu_);
  callback_ =
      callback
          ? std::make_shared<const std::function<void(const MonitorEvent&)>>(std::move(callback))
          : nullptr;
  callback_events_ = events;
  update_monitor_mask();
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
