#include "transport/socket/core/poller.h"

#include <algorithm>

namespace bossa::socket {

Poller::~Poller() {
  for (Entry& e : entries_) e.socket->core().remove_poll_signal(signal_.get());
}

void Poller::add(Socket& socket, int events) {
  for (Entry& e : entries_) {
    if (e.socket == &socket) {
      e.events = events;
      return;
    }
  }
  entries_.push_back(Entry{&socket, events});
  socket.core().add_poll_signal(signal_);
}

void Poller::remove(Socket& socket) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.socket == &socket; });
  if (it == entries_.end()) return;
  socket.core().remove_poll_signal(signal_.get());
  entries_.erase(it);
}

std::vector<Poller::Ready> Poller::check() {
  std::vector<Ready> ready;
  for (Entry& e : entries_) {
    int got = 0;
    if ((e.events & kReadable) && e.socket->readable()) got |= kReadable;
    if ((e.events & kWritable) && e.socket->writable()) got |= kWritable;
    if (got != 0) ready.push_back(Ready{e.socket, got});
  }
  return ready;
}

std::vector<Poller::Ready> Poller::wait(std::chrono::milliseconds timeout) {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (timeout.count() >= 0) deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const std::uint64_t seen = signal_->generation();
    std::vector<Ready> ready = check();
    if (!ready.empty()) return ready;
    if (!signal_->wait(seen, deadline)) return {};
  }
}

}  // namespace bossa::socket
