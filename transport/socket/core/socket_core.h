// SocketCore: the part of a socket that I/O threads and other sockets may touch.
//
// It is the socket's mailbox (pipe events posted by connection engines and inproc peers), its
// wake-up (a generation counter that every queue listener bumps; blocking calls, pollers and async
// operations wait for it to move), and its counters. The Socket object itself is used by one thread
// at a time; SocketCore is shared (shared_ptr) with every engine so that a late engine never
// touches freed memory.
//
// Thread-safety: every method is safe from any thread. base/mutex.h's Mutex (std::mutex, not
// absl::Mutex) so that ThreadSanitizer sees the hand-offs, since the system Abseil is not built
// for it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/mutex.h"

#include "transport/socket/core/monitor.h"
#include "transport/socket/core/pipe.h"

namespace bossa::socket {

class Context;

// A snapshot of a socket's counters.
struct SocketStats {
  std::uint64_t connections_accepted = 0;     // tcp/ipc connections a listener accepted
  std::uint64_t connections_established = 0;  // handshakes completed
  std::uint64_t connect_failures = 0;         // dial attempts that failed
  std::uint64_t disconnects = 0;              // established connections that ended
  std::uint64_t protocol_errors = 0;          // connections closed for bad input
  std::uint64_t auth_refusals = 0;            // of those, peers the authenticator refused
  std::uint64_t messages_dropped = 0;         // dropped, all reasons (drop_counts() has each)
  std::uint64_t connections_refused = 0;      // accepted and closed at once: max_connections or
                                              // max_handshakes reached
  std::uint64_t inbound_open = 0;             // accepted connections open now
  std::uint64_t inbound_handshaking = 0;      // of those, still in their handshake
  std::uint64_t monitor_events_lost = 0;      // events the monitor endpoint could not queue (no
                                              // reader yet, or its reader at the high-water mark)
  std::string last_error;                     // reason the last connection was closed for bad input
};

// Where monitor events go besides the callback: the socket's PAIR endpoint (socket.cc).
class MonitorOutput {
 public:
  virtual ~MonitorOutput() = default;
  // Queues `event` without blocking; false when it could not.
  virtual bool publish(const MonitorEvent& event) = 0;
};

struct PipeEvent {
  enum class Kind { kAttach, kReady, kTerminate };
  Kind kind;
  std::uint64_t pipe_id = 0;
  std::shared_ptr<Pipe> pipe;  // attach only
  PeerInfo peer;               // attach (when ready) and ready
  bool peer_ready = false;     // attach: the handshake is already done
  // inproc ready: the peer socket and its pipe, told to the connector once the binder appears.
  std::weak_ptr<SocketCore> inproc_peer;
  std::uint64_t inproc_peer_pipe = 0;
};

// Wakes whoever waits on several sockets at once (a Poller).
class PollSignal {
 public:
  void notify() {
    {
      MutexLock lock(mu_);
      ++generation_;
    }
    cv_.notify_all();
  }
  std::uint64_t generation() {
    MutexLock lock(mu_);
    return generation_;
  }
  // Waits until the generation differs from `seen` or `deadline` passes; false on timeout.
  bool wait(std::uint64_t seen, std::optional<std::chrono::steady_clock::time_point> deadline);

 private:
  Mutex mu_;
  CondVar cv_;
  std::uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

class SocketCore {
 public:
  SocketCore(Context& context, SocketType type) : context_(context), type_(type) {}

  Context& context() const { return context_; }
  SocketType type() const { return type_; }
  std::uint64_t next_pipe_id() { return next_pipe_id_.fetch_add(1, std::memory_order_relaxed); }

  // ---- wake-up ----
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Bumps the generation and wakes every waiter: blocked calls, pollers, async operations.
  void notify();
  // Blocks until the generation differs from `seen` or `deadline` passes; false on timeout.
  bool wait(std::uint64_t seen, std::optional<std::chrono::steady_clock::time_point> deadline);
  // Runs `fn` once, on the thread of the next notify() (or at once if the generation moved past
  // `seen` already). `fn` must not block.
  void add_async_waiter(std::uint64_t seen, std::function<void()> fn);
  void add_poll_signal(std::shared_ptr<PollSignal> signal);
  void remove_poll_signal(const PollSignal* signal);

  // ---- mailbox ----
  // Queues an event for the socket; false once the socket closed (the poster then cleans up).
  bool post(PipeEvent event);
  bool has_events() const { return has_events_.load(std::memory_order_acquire); }
  std::vector<PipeEvent> take_events();
  // Refuses further events; pending ones are returned so their pipes can be closed.
  std::vector<PipeEvent> close();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  // ---- counters ----
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_established{0};
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<std::uint64_t> disconnects{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> auth_refusals{0};  // also counted in protocol_errors
  std::atomic<std::uint64_t> connections_refused{0};
  // Accepted connections open, and of those the ones in their handshake: a listener admits a
  // connection only below options' max_connections and max_handshakes (admit_inbound), and its
  // engine gives the counts back (handshake_ended, inbound_closed).
  std::atomic<std::int64_t> inbound_open{0};
  std::atomic<std::int64_t> inbound_handshaking{0};

  // Counts a newly accepted connection in, or refuses it (counted and logged, naming `endpoint`)
  // when `max_connections` or `max_handshakes` connections are already there.
  bool admit_inbound(std::string_view endpoint, std::int64_t max_connections,
                     std::int64_t max_handshakes);
  // ---- monitor events and drops ----
  // Whether the monitor output or the callback asked for `event` (one relaxed load).
  bool monitors(std::uint32_t event) const {
    return (monitor_events_.load(std::memory_order_relaxed) & event) != 0;
  }
  // Reports `event` to the output and the callback that asked for it. The callback runs on the
  // calling thread, outside every lock; the output is used under monitor_mu_.
  void event(std::uint32_t event, std::uint64_t value, std::string_view endpoint) {
    if (monitors(event)) emit(event, value, endpoint);
  }
  // Replaces the monitor output (null: none) and its mask; the old output gets MONITOR_STOPPED
  // first when its mask asked for it. Returns the old output for the caller to destroy.
  std::unique_ptr<MonitorOutput> set_monitor_output(std::unique_ptr<MonitorOutput> output,
                                                    std::uint32_t events);
  // Replaces the monitor callback (empty: none) and its mask.
  void set_monitor_callback(std::function<void(const MonitorEvent&)> callback,
                            std::uint32_t events);
  // Counts `n` messages dropped for `reason` and reports MESSAGE_DROPPED with `n` as its value.
  void drop(DropReason reason, std::uint64_t n = 1) {
    drops_[static_cast<int>(reason)].fetch_add(n, std::memory_order_relaxed);
    if (monitors(kEventMessageDropped)) {
      emit(kEventMessageDropped, n, drop_reason_name(reason));
    }
  }
  DropCounts drop_counts() const;

  // Counts a connection closed for bad input and logs why.
  void protocol_error(std::string_view endpoint, std::string_view reason);
  // Logs through the context's sink.
  void log(std::string_view line);
  SocketStats stats();

 private:
  Context& context_;
  const SocketType type_;
  std::atomic<std::uint64_t> next_pipe_id_{1};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> has_events_{false};
  std::atomic<bool> closed_{false};

  Mutex mu_;
  CondVar cv_;
  int sleepers_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<PipeEvent> events_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> async_waiters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<PollSignal>> poll_signals_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);

  void emit(std::uint32_t event, std::uint64_t value, std::string_view endpoint);
  void update_monitor_mask() ABSL_EXCLUSIVE_LOCKS_REQUIRED(monitor_mu_);

  std::atomic<std::uint64_t> drops_[kDropReasons] = {};
  std::atomic<std::uint32_t> monitor_events_{0};  // the union of the two masks below
  std::atomic<std::uint64_t> monitor_events_lost_{0};
  Mutex monitor_mu_;
  std::unique_ptr<MonitorOutput> monitor_output_ ABSL_GUARDED_BY(monitor_mu_);
  std::uint32_t output_events_ ABSL_GUARDED_BY(monitor_mu_) = 0;
  std::shared_ptr<const std::function<void(const MonitorEvent&)>> callback_
      ABSL_GUARDED_BY(monitor_mu_);
  std::uint32_t callback_events_ ABSL_GUARDED_BY(monitor_mu_) = 0;
};

// A queue listener that wakes a socket. Retargetable, for inproc pipes made before their peer
// binds.
class SocketWaker final : public QueueListener {
 public:
  explicit SocketWaker(std::weak_ptr<SocketCore> core) : core_(std::move(core)) {}
  void on_queue_ready() override;
  void retarget(std::weak_ptr<SocketCore> core) {
    MutexLock lock(mu_);
    core_ = std::move(core);
  }

 private:
  Mutex mu_;
  std::weak_ptr<SocketCore> core_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bossa::socket
