// Poller: waits until any of several sockets can receive or send (zmq_poll's job).
//
//   Poller poller;
//   poller.add(frontend, Poller::kReadable);
//   poller.add(backend, Poller::kReadable);
//   for (auto& r : poller.wait(std::chrono::milliseconds(100))) { ... r.socket->recv() ... }
//
// Thread-safety: a Poller and its sockets are used by one thread at a time. Remove a socket (or
// destroy the Poller) before destroying the socket.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "transport/socket/core/socket.h"

namespace bossa::socket {

class Poller {
 public:
  static constexpr int kReadable = 1;
  static constexpr int kWritable = 2;

  struct Ready {
    Socket* socket;
    int events;
  };

  Poller() : signal_(std::make_shared<PollSignal>()) {}
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  ~Poller();

  void add(Socket& socket, int events);
  void remove(Socket& socket);

  // The sockets ready now, or once one becomes ready; empty when `timeout` passes first.
  // A negative timeout waits for ever.
  std::vector<Ready> wait(std::chrono::milliseconds timeout);

 private:
  struct Entry {
    Socket* socket;
    int events;
  };
  std::vector<Ready> check();

  std::shared_ptr<PollSignal> signal_;
  std::vector<Entry> entries_;
};

}  // namespace bossa::socket
