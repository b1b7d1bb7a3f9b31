// REQ / REP / DEALER / ROUTER (RFC 28).
//
// REQ   prepends an empty delimiter, load-balances, then accepts only the reply from that peer;
//       strict send/recv alternation (FailedPrecondition otherwise, libzmq's EFSM) unless
//       req_relaxed; req_correlate puts a request-id frame before the delimiter and drops replies
//       that do not carry the id of the last request.
// REP   fair-queues requests, keeps the envelope (frames up to the delimiter) and sends the reply
//       back with it to the same peer; a reply to a vanished or full peer is dropped.
// DEALER load-balances sends and fair-queues receives, no envelope.
// ROUTER prefixes every received message with the peer's routing id and routes sends by their first
//       frame; unknown ids are dropped, or refused with router_mandatory.
// probe_router (REQ, DEALER, ROUTER): an empty message goes first to every new peer.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "transport/socket/core/socket_core.h"
#include "transport/socket/protocols/pipe_sets.h"
#include "transport/socket/protocols/protocol.h"

namespace bossa::socket {
namespace {

// probe_router: every new pipe carries an empty message first, before anything the user sends, so
// that a ROUTER peer learns this peer's routing id (libzmq writes it when the pipe attaches).
void probe(ProtocolHost& host, Pipe* p) {
  if (!host.options().probe_router) return;
  if (p->write(Message(Frame()))) p->flush();
}

class Req final : public Protocol {
 public:
  explicit Req(ProtocolHost& host) : host_(host), request_id_(std::random_device{}()) {}

  void attach(Pipe* p) override {
    probe(host_, p);
    lb_.add(p);
  }
  void terminating(Pipe* p) override { lb_.remove(p); }
  void detach(Pipe* p) override {
    lb_.remove(p);
    if (reply_pipe_ == p) reply_pipe_ = nullptr;
  }

  absl::Status send(Message& m) override {
    const Options& o = host_.options();
    if (expecting_reply_) {
      if (!o.req_relaxed) {
        return absl::FailedPreconditionError("REQ: send called twice; recv the reply first");
      }
      // req_relaxed: the unanswered request is abandoned; its reply will not be delivered.
      expecting_reply_ = false;
      reply_pipe_ = nullptr;
    }
    const std::uint32_t id = request_id_ + 1;
    m.push_front(Frame());
    if (o.req_correlate) m.push_front(id_frame(id));
    Pipe* p = lb_.send(m);
    if (p == nullptr) {
      m.pop_front();
      if (o.req_correlate) m.pop_front();
      return would_block();
    }
    request_id_ = id;
    reply_pipe_ = p;
    expecting_reply_ = true;
    return absl::OkStatus();
  }

  absl::Status recv(Message& m) override {
    if (!expecting_reply_) {
      return absl::FailedPreconditionError("REQ: recv called before send");
    }
    const bool correlate = host_.options().req_correlate;
    while (reply_pipe_ != nullptr && reply_pipe_->read(m)) {
      // Anything but [request id,] delimiter, body... is dropped, as libzmq does: a reply without
      // an envelope, or (req_correlate) the late reply to an abandoned request.
      if (correlate) {
        if (m.size() < 3 || m[0].size() != sizeof(std::uint32_t) ||
            std::memcmp(m[0].data(), &request_id_, sizeof(std::uint32_t)) != 0) {
          host_.core().drop(DropReason::kUnexpected);
          continue;
        }
        m.pop_front();
      }
      if (m.size() >= 2 && m[0].empty()) {
        m.pop_front();
        expecting_reply_ = false;
        return absl::OkStatus();
      }
      host_.core().drop(DropReason::kUnexpected);
    }
    return would_block();
  }

  bool readable() override {
    return expecting_reply_ && reply_pipe_ != nullptr && reply_pipe_->readable();
  }
  bool writable() override {
    return (!expecting_reply_ || host_.options().req_relaxed) && lb_.writable();
  }

 private:
  // The request id travels in host byte order, as libzmq sends it; only this socket reads it back.
  static Frame id_frame(std::uint32_t id) { return Frame(&id, sizeof id); }

  ProtocolHost& host_;
  LoadBalancer lb_;
  Pipe* reply_pipe_ = nullptr;
  bool expecting_reply_ = false;
  std::uint32_t request_id_;  // of the last request sent
};

class Rep final : public Protocol {
 public:
  explicit Rep(ProtocolHost& host) : host_(host) {}
  void attach(Pipe* p) override { fq_.add(p); }
  void terminating(Pipe*) override {}
  void detach(Pipe* p) override {
    fq_.remove(p);
    if (reply_pipe_ == p) reply_pipe_ = nullptr;
  }

  absl::Status recv(Message& m) override {
    if (replying_) return absl::FailedPreconditionError("REP: recv called twice; send the reply");
    while (Pipe* p = fq_.recv(m)) {
      std::size_t delimiter = 0;
      while (delimiter < m.size() && !m[delimiter].empty()) ++delimiter;
      if (delimiter == m.size()) {  // no envelope: malformed request, dropped
        host_.core().drop(DropReason::kUnexpected);
        continue;
      }
      envelope_.clear();
      for (std::size_t i = 0; i <= delimiter; ++i) envelope_.push_back(m.pop_front());
      reply_pipe_ = p;
      replying_ = true;
      return absl::OkStatus();
    }
    return would_block();
  }

  absl::Status send(Message& m) override {
    if (!replying_) return absl::FailedPreconditionError("REP: send called before recv");
    replying_ = false;
    Message out;
    for (Frame& f : envelope_) out.push_back(std::move(f));
    for (Frame& f : m) out.push_back(std::move(f));
    m.clear();
    if (reply_pipe_ == nullptr || reply_pipe_->terminating) {
      host_.core().drop(DropReason::kUnroutable);
    } else if (reply_pipe_->write(std::move(out))) {
      reply_pipe_->flush();
    } else {
      host_.core().drop(DropReason::kHwm);
    }
    return absl::OkStatus();
  }

  bool readable() override { return !replying_ && fq_.readable(); }
  bool writable() override { return replying_; }

 private:
  ProtocolHost& host_;
  FairQueue fq_;
  Message envelope_;
  Pipe* reply_pipe_ = nullptr;
  bool replying_ = false;
};

class Dealer final : public Protocol {
 public:
  explicit Dealer(ProtocolHost& host) : host_(host) {}

  void attach(Pipe* p) override {
    probe(host_, p);
    lb_.add(p);
    fq_.add(p);
  }
  void terminating(Pipe* p) override { lb_.remove(p); }
  void detach(Pipe* p) override {
    lb_.remove(p);
    fq_.remove(p);
  }
  absl::Status send(Message& m) override {
    return lb_.send(m) != nullptr ? absl::OkStatus() : would_block();
  }
  absl::Status recv(Message& m) override {
    return fq_.recv(m) != nullptr ? absl::OkStatus() : would_block();
  }
  bool readable() override { return fq_.readable(); }
  bool writable() override { return lb_.writable(); }

 private:
  ProtocolHost& host_;
  LoadBalancer lb_;
  FairQueue fq_;
};

class Router final : public Protocol {
 public:
  explicit Router(ProtocolHost& host) : host_(host) {}

  void attach(Pipe* p) override {
    probe(host_, p);
    if (p->ready()) identify(p);
  }
  void ready(Pipe* p) override { identify(p); }
  void terminating(Pipe* p) override { ids_.forget(p); }
  void detach(Pipe* p) override {
    ids_.forget(p);
    fq_.remove(p);
  }

  absl::Status recv(Message& m) override {
    Pipe* p = fq_.recv(m);
    if (p == nullptr) return would_block();
    m.push_front(Frame(p->routing_id));
    return absl::OkStatus();
  }

  absl::Status send(Message& m) override {
    if (m.size() < 2) {
      return absl::InvalidArgumentError(
          "ROUTER: a message needs a routing-id frame followed by at least one frame");
    }
    Pipe* p = ids_.find(m[0].view());
    const bool mandatory = host_.options().router_mandatory;
    if (p == nullptr) {
      if (mandatory) {
        return absl::NotFoundError(absl::StrCat("ROUTER: no peer with routing id '",
                                                absl::CHexEscape(m[0].to_string()), "'"));
      }
      host_.core().drop(DropReason::kUnroutable);
      m.clear();
      return absl::OkStatus();
    }
    Frame id = m.pop_front();
    if (!p->write(std::move(m))) {
      if (mandatory) {
        m.push_front(std::move(id));
        return would_block();
      }
      host_.core().drop(DropReason::kHwm);
      m.clear();
      return absl::OkStatus();
    }
    p->flush();
    return absl::OkStatus();
  }

  bool readable() override { return fq_.readable(); }
  bool writable() override { return true; }

 private:
  void identify(Pipe* p) {
    const bool known = !p->routing_id.empty();
    if (known) ids_.erase(p->routing_id);
    std::string id = p->peer().routing_id;
    if (!id.empty() && ids_.contains(id)) {
      host_.core().log(absl::StrCat("bossa socket ROUTER: refusing a second peer with routing id '",
                                    absl::CHexEscape(id), "'"));
      if (known) fq_.remove(p);
      p->routing_id.clear();
      host_.refuse_pipe(p);
      return;
    }
    if (id.empty()) id = ids_.generate();
    p->routing_id = id;
    ids_.add(id, p);
    if (!known) fq_.add(p);
  }

  ProtocolHost& host_;
  FairQueue fq_;
  RoutingTable ids_;
};

}  // namespace

std::unique_ptr<Protocol> make_req(ProtocolHost& host) {
  return std::make_unique<Req>(host);
}
std::unique_ptr<Protocol> make_rep(ProtocolHost& host) {
  return std::make_unique<Rep>(host);
}
std::unique_ptr<Protocol> make_dealer(ProtocolHost& host) {
  return std::make_unique<Dealer>(host);
}
std::unique_ptr<Protocol> make_router(ProtocolHost& host) {
  return std::make_unique<Router>(host);
}

}  // namespace bossa::socket
