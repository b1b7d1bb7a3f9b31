// The three ways a protocol spreads messages over pipes (as in libzmq and nng):
//   LoadBalancer  round-robin sends over pipes that have room (PUSH, DEALER, REQ);
//   FairQueue     round-robin receives over pipes that have messages (PULL, DEALER, ROUTER,
//   SUB...); each protocol that fans out (PUB) walks its pipes itself.
// And RoutingTable: the pipes of a ROUTER or STREAM socket by routing id.
// Used from the socket's thread only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

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

// Pipes by routing id, and the ids made for peers that name none.
class RoutingTable {
 public:
  RoutingTable() : next_id_(std::random_device{}()) {}

  // The pipe known by `id`, or null.
  Pipe* find(std::string_view id) const {
    auto it = by_id_.find(absl::string_view(id.data(), id.size()));
    return it == by_id_.end() ? nullptr : it->second;
  }
  bool contains(const std::string& id) const { return by_id_.contains(id); }
  void add(const std::string& id, Pipe* p) { by_id_[id] = p; }
  void erase(const std::string& id) { by_id_.erase(id); }
  // Forgets `p` under its routing_id, if that id still names it.
  void forget(Pipe* p) {
    auto it = by_id_.find(p->routing_id);
    if (it != by_id_.end() && it->second == p) by_id_.erase(it);
  }
  // A new id: 5 octets, the first zero (which an application's id may not start with), counted
  // up from a random start, as libzmq makes them.
  std::string generate() {
    const std::uint32_t n = next_id_++;
    return std::string{'\0', static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  }

 private:
  absl::flat_hash_map<std::string, Pipe*> by_id_;
  std::uint32_t next_id_;
};

}  // namespace bossa::socket
