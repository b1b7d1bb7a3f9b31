// The three ways a protocol spreads messages over pipes (as in libzmq and nng):
//   LoadBalancer  round-robin sends over pipes that have room (PUSH, DEALER, REQ);
//   FairQueue     round-robin receives over pipes that have messages (PULL, DEALER, ROUTER,
//   SUB...); each protocol that fans out (PUB) walks its pipes itself.
// Used from the socket's thread only.
#ifndef BOSSA_TRANSPORT_SOCKET_PROTOCOLS_PIPE_SETS_H_
#define BOSSA_TRANSPORT_SOCKET_PROTOCOLS_PIPE_SETS_H_

#include <algorithm>
#include <cstddef>
#include <vector>

#include "transport/socket/core/message.h"
#include "transport/socket/core/pipe.h"

namespace bossa::socket {

class LoadBalancer {
 public:
  void add(Pipe* p) { pipes_.push_back(p); }
  void remove(Pipe* p) {
    auto it = std::find(pipes_.begin(), pipes_.end(), p);
    if (it == pipes_.end()) return;
    pipes_.erase(it);
    if (next_ >= pipes_.size()) next_ = 0;
  }
  // Writes and flushes `m` to the next pipe with room; returns that pipe, or null (m untouched).
  Pipe* send(Message& m) {
    const std::size_t n = pipes_.size();
    for (std::size_t i = 0, at = next_; i < n; ++i, at = at + 1 == n ? 0 : at + 1) {
      Pipe* p = pipes_[at];
      if (p->write(std::move(m))) {
        p->flush();
        next_ = at + 1 == n ? 0 : at + 1;
        return p;
      }
    }
    return nullptr;
  }
  bool writable() {
    return std::any_of(pipes_.begin(), pipes_.end(), [](Pipe* p) { return p->writable(); });
  }
  bool empty() const { return pipes_.empty(); }

 private:
  std::vector<Pipe*> pipes_;
  std::size_t next_ = 0;
};

class FairQueue {
 public:
  void add(Pipe* p) { pipes_.push_back(p); }
  void remove(Pipe* p) {
    auto it = std::find(pipes_.begin(), pipes_.end(), p);
    if (it == pipes_.end()) return;
    pipes_.erase(it);
    if (next_ >= pipes_.size()) next_ = 0;
  }
  // Reads the next message, taking pipes in turn; returns its pipe, or null when none has one.
  Pipe* recv(Message& m) {
    const std::size_t n = pipes_.size();
    for (std::size_t i = 0, at = next_; i < n; ++i, at = at + 1 == n ? 0 : at + 1) {
      Pipe* p = pipes_[at];
      if (p->read(m)) {
        next_ = at + 1 == n ? 0 : at + 1;
        return p;
      }
    }
    return nullptr;
  }
  bool readable() {
    return std::any_of(pipes_.begin(), pipes_.end(), [](Pipe* p) { return p->readable(); });
  }

 private:
  std::vector<Pipe*> pipes_;
  std::size_t next_ = 0;
};

}  // namespace bossa::socket

#endif  // BOSSA_TRANSPORT_SOCKET_PROTOCOLS_PIPE_SETS_H_
