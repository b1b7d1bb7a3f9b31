// The three ways a protocol spreads messages over pipes (as in libzmq and nng):
//   LoadBalancer  round-robin sends over pipes that have room (PUSH, DEALER, REQ);
//   FairQueue     round-robin receives over pipes that have messages (PULL, DEALER, ROUTER,
//   SUB...); each protocol that fans out (PUB) walks its pipes itself.
// Used from the socket's thread only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "transport/socket/core/message.h"
#include "transport/socket/core/pipe.h"

namespace bossa::socket {

// The pipes of one direction, taken in turn: each search starts after the pipe that last served.
class PipeRing {
 public:
  void add(Pipe* p) { pipes_.push_back(p); }
  void remove(Pipe* p) {
    auto it = std::find(pipes_.begin(), pipes_.end(), p);
    if (it == pipes_.end()) return;
    pipes_.erase(it);
    if (next_ >= pipes_.size()) next_ = 0;
  }
  bool empty() const { return pipes_.empty(); }
  template <class Predicate>
  bool any_of(Predicate pred) const {
    return std::any_of(pipes_.begin(), pipes_.end(), pred);
  }
  // Offers `serve` each pipe once, in turn; the first that returns true serves, and the next
  // search starts after it. Returns that pipe, or null when none did.
  template <class Serve>
  Pipe* take_turn(Serve serve) {
    const std::size_t n = pipes_.size();
    for (std::size_t i = 0, at = next_; i < n; ++i, at = at + 1 == n ? 0 : at + 1) {
      Pipe* p = pipes_[at];
      if (serve(p)) {
        next_ = at + 1 == n ? 0 : at + 1;
        return p;
      }
    }
    return nullptr;
  }

 private:
  std::vector<Pipe*> pipes_;
  std::size_t next_ = 0;
};

class LoadBalancer {
 public:
  void add(Pipe* p) { ring_.add(p); }
  void remove(Pipe* p) { ring_.remove(p); }
  // Writes and flushes `m` to the next pipe with room; returns that pipe, or null (m untouched).
  Pipe* send(Message& m) {
    return ring_.take_turn([&m](Pipe* p) {
      if (!p->write(std::move(m))) return false;
      p->flush();
      return true;
    });
  }
  bool writable() const {
    return ring_.any_of([](Pipe* p) { return p->writable(); });
  }
  bool empty() const { return ring_.empty(); }

 private:
  PipeRing ring_;
};

class FairQueue {
 public:
  void add(Pipe* p) { ring_.add(p); }
  void remove(Pipe* p) { ring_.remove(p); }
  // Reads the next message, taking pipes in turn; returns its pipe, or null when none has one.
  Pipe* recv(Message& m) {
    return ring_.take_turn([&m](Pipe* p) { return p->read(m); });
  }
  bool readable() const {
    return ring_.any_of([](Pipe* p) { return p->readable(); });
  }

 private:
  PipeRing ring_;
};

}  // namespace bossa::socket
