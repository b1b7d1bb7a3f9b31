// PUSH / PULL (RFC 30): PUSH load-balances over peers with room and blocks when none has;
// PULL fair-queues from all peers.
#include "transport/socket/protocols/pipe_sets.h"
#include "transport/socket/protocols/protocol.h"

namespace bossa::socket {
namespace {

class Push final : public Protocol {
 public:
  void attach(Pipe* p) override { lb_.add(p); }
  void terminating(Pipe* p) override { lb_.remove(p); }
  void detach(Pipe* p) override { lb_.remove(p); }
  absl::Status send(Message& m) override {
    return lb_.send(m) != nullptr ? absl::OkStatus() : would_block();
  }
  absl::Status recv(Message&) override { return not_supported(SocketType::kPush, "receive"); }
  bool readable() override { return false; }
  bool writable() override { return lb_.writable(); }

 private:
  LoadBalancer lb_;
};

class Pull final : public Protocol {
 public:
  void attach(Pipe* p) override { fq_.add(p); }
  void terminating(Pipe*) override {}
  void detach(Pipe* p) override { fq_.remove(p); }
  absl::Status send(Message&) override { return not_supported(SocketType::kPull, "send"); }
  absl::Status recv(Message& m) override {
    return fq_.recv(m) != nullptr ? absl::OkStatus() : would_block();
  }
  bool readable() override { return fq_.readable(); }
  bool writable() override { return false; }

 private:
  FairQueue fq_;
};

}  // namespace

std::unique_ptr<Protocol> make_push(ProtocolHost&) {
  return std::make_unique<Push>();
}
std::unique_ptr<Protocol> make_pull(ProtocolHost&) {
  return std::make_unique<Pull>();
}

}  // namespace bossa::socket
