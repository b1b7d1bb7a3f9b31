// PUB / XPUB / SUB / XSUB (RFC 29).
//
// Subscriptions travel from subscriber to publisher as one-frame messages: 0x01 + prefix to
// subscribe, 0x00 + prefix to cancel (engines turn them into SUBSCRIBE / CANCEL commands for
// ZMTP 3.1 peers and back). The publisher filters: a message goes to a peer when one of that peer's
// prefixes starts its first frame. Peers at their high-water mark miss the message (PUB never
// blocks). XPUB also hands new subscriptions (all of them with xpub_verbose) to its user through
// recv, and cancels once no peer holds a topic any more, whether a peer cancelled it or went away.
// SUB filters again on receipt; XSUB lets its user send subscription messages.
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "transport/socket/core/socket_core.h"
#include "transport/socket/protocols/pipe_sets.h"
#include "transport/socket/protocols/protocol.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::socket {
namespace {

bool starts_with(const Frame& f, std::string_view prefix) {
  return f.size() >= prefix.size() && std::memcmp(f.data(), prefix.data(), prefix.size()) == 0;
}

// A one-frame subscription message: is_subscribe, topic.
std::optional<std::pair<bool, std::string_view>> as_subscription(const Message& m) {
  if (m.size() != 1 || m[0].empty()) return std::nullopt;
  const std::uint8_t op = m[0].data()[0];
  if (op != zmtp::kSubscribePrefix && op != zmtp::kCancelPrefix) return std::nullopt;
  return std::make_pair(op == zmtp::kSubscribePrefix, m[0].view().substr(1));
}

class Pub final : public Protocol {
 public:
  Pub(ProtocolHost& host, bool xpub) : host_(host), xpub_(xpub) {}

  void attach(Pipe* p) override {
    pipes_.push_back(p);
    subs_[p];
    drain(p);
  }
  void ready(Pipe* p) override {
    // A (re)connected peer announces its subscriptions afresh; the old connection's lapse.
    cancel_all(p);
    drain(p);
  }
  // What the peer sent before it went counts; then its subscriptions lapse.
  void terminating(Pipe* p) override {
    if (std::find(pipes_.begin(), pipes_.end(), p) == pipes_.end()) return;
    drain(p);
    remove(p);
  }
  void detach(Pipe* p) override { remove(p); }

  absl::Status send(Message& m) override {
    poll_subscriptions();
    Pipe* last = nullptr;
    for (Pipe* p : pipes_) {
      if (p->terminating || !matches(p, m[0])) continue;
      if (last != nullptr) deliver(last, Message(m));
      last = p;
    }
    if (last != nullptr) deliver(last, std::move(m));
    m.clear();
    return absl::OkStatus();
  }

  absl::Status recv(Message& m) override {
    if (!xpub_) return not_supported(SocketType::kPub, "receive");
    poll_subscriptions();
    if (pending_.empty()) return would_block();
    m = std::move(pending_.front());
    pending_.pop_front();
    return absl::OkStatus();
  }

  bool readable() override {
    if (!xpub_) return false;
    poll_subscriptions();
    return !pending_.empty();
  }
  bool writable() override { return true; }

 private:
  void deliver(Pipe* p, Message&& m) {
    if (p->write(std::move(m))) {
      p->flush();
    } else {
      host_.core().drop(DropReason::kHwm);
    }
  }

  bool matches(Pipe* p, const Frame& first) {
    for (const std::string& topic : subs_[p]) {
      if (starts_with(first, topic)) return true;
    }
    return false;
  }

  // Reads subscription messages when something woke the socket since the last look.
  void poll_subscriptions() {
    const std::uint64_t g = host_.core().generation();
    if (g == seen_generation_) return;
    seen_generation_ = g;
    for (Pipe* p : pipes_) drain(p);
  }

  void drain(Pipe* p) {
    Message m;
    while (p->read(m)) {
      auto sub = as_subscription(m);
      if (!sub) {
        if (xpub_) {
          pending_.push_back(std::move(m));
        } else {
          host_.core().drop(DropReason::kUnexpected);
        }
        continue;
      }
      std::vector<std::string>& topics = subs_[p];
      const std::string topic(sub->second);
      auto it = std::find(topics.begin(), topics.end(), topic);
      bool changed = false;
      if (sub->first && it == topics.end()) {
        topics.push_back(topic);
        changed = count(topic, +1) == 1;
      } else if (!sub->first && it != topics.end()) {
        topics.erase(it);
        changed = count(topic, -1) == 0;
      }
      if (xpub_ && (changed || (sub->first && host_.options().xpub_verbose))) {
        pending_.push_back(std::move(m));
      }
    }
  }

  int count(const std::string& topic, int delta) {
    int& n = counts_[topic];
    n += delta;
    const int now = n;
    if (n <= 0) counts_.erase(topic);
    return now;
  }

  void remove(Pipe* p) {
    auto it = std::find(pipes_.begin(), pipes_.end(), p);
    if (it == pipes_.end()) return;
    pipes_.erase(it);
    cancel_all(p);
    subs_.erase(p);
  }

  // Drops every subscription of `p`. XPUB reports a cancel for each topic no other peer still
  // holds (libzmq does the same when a subscriber goes away).
  void cancel_all(Pipe* p) {
    std::vector<std::string>& topics = subs_[p];
    for (const std::string& topic : topics) {
      if (count(topic, -1) == 0 && xpub_) pending_.push_back(cancel(topic));
    }
    topics.clear();
  }

  static Message cancel(const std::string& topic) {
    Frame f(topic.size() + 1);
    f.data()[0] = zmtp::kCancelPrefix;
    if (!topic.empty()) std::memcpy(f.data() + 1, topic.data(), topic.size());
    return Message(std::move(f));
  }

  ProtocolHost& host_;
  const bool xpub_;
  std::vector<Pipe*> pipes_;
  absl::flat_hash_map<Pipe*, std::vector<std::string>> subs_;
  std::map<std::string, int> counts_;
  std::deque<Message> pending_;
  std::uint64_t seen_generation_ = ~std::uint64_t{0};
};

class Sub final : public Protocol {
 public:
  Sub(ProtocolHost& host, bool xsub) : host_(host), xsub_(xsub) {}

  void attach(Pipe* p) override {
    fq_.add(p);
    pipes_.push_back(p);
    announce(p);
    handshakes_[p] = p->ready() ? 1 : 0;
  }
  void ready(Pipe* p) override {
    // The subscriptions queued at attach went out on the first connection; a reconnect needs them
    // again.
    if (++handshakes_[p] > 1) announce(p);
  }
  void terminating(Pipe* p) override { std::erase(pipes_, p); }
  void detach(Pipe* p) override {
    std::erase(pipes_, p);
    fq_.remove(p);
    handshakes_.erase(p);
  }

  absl::Status subscribe(bool on, std::string_view topic) override {
    const std::string t(topic);
    if (on) {
      if (++topics_[t] == 1) send_all(subscription(true, t));
    } else {
      auto it = topics_.find(t);
      if (it == topics_.end()) return absl::OkStatus();
      if (--it->second == 0) {
        topics_.erase(it);
        send_all(subscription(false, t));
      }
    }
    return absl::OkStatus();
  }

  absl::Status send(Message& m) override {
    if (!xsub_) return not_supported(SocketType::kSub, "send");
    if (auto sub = as_subscription(m)) {
      absl::Status s = subscribe(sub->first, sub->second);
      m.clear();
      return s;
    }
    send_all(std::move(m));
    m.clear();
    return absl::OkStatus();
  }

  absl::Status recv(Message& m) override {
    while (fq_.recv(m) != nullptr) {
      if (matches(m[0])) return absl::OkStatus();
    }
    return would_block();
  }

  bool readable() override { return fq_.readable(); }
  bool writable() override { return xsub_; }

 private:
  static Message subscription(bool on, const std::string& topic) {
    Frame f(topic.size() + 1);
    f.data()[0] = on ? zmtp::kSubscribePrefix : zmtp::kCancelPrefix;
    if (!topic.empty()) std::memcpy(f.data() + 1, topic.data(), topic.size());
    return Message(std::move(f));
  }

  void announce(Pipe* p) {
    for (const auto& [topic, n] : topics_) {
      if (p->write(subscription(true, topic))) continue;
      host_.core().drop(DropReason::kHwm);
    }
    p->flush();
  }

  void send_all(Message&& m) {
    for (Pipe* p : pipes_) {
      if (p->terminating) continue;
      if (p->write(Message(m))) {
        p->flush();
      } else {
        host_.core().drop(DropReason::kHwm);
      }
    }
  }

  bool matches(const Frame& first) const {
    for (const auto& [topic, n] : topics_) {
      if (starts_with(first, topic)) return true;
    }
    return false;
  }

  ProtocolHost& host_;
  const bool xsub_;
  FairQueue fq_;
  std::vector<Pipe*> pipes_;
  absl::flat_hash_map<Pipe*, int> handshakes_;
  std::map<std::string, int> topics_;
};

}  // namespace

std::unique_ptr<Protocol> make_pub(ProtocolHost& host, bool xpub) {
  return std::make_unique<Pub>(host, xpub);
}
std::unique_ptr<Protocol> make_sub(ProtocolHost& host, bool xsub) {
  return std::make_unique<Sub>(host, xsub);
}

}  // namespace bossa::socket
