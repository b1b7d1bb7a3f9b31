// PAIR: exactly one peer at a time; sends block while it is missing or full (RFC 31).
#include "transport/socket/protocols/protocol.h"

namespace bossa::socket {
namespace {

class Pair final : public Protocol {
 public:
  explicit Pair(ProtocolHost& host) : host_(host) {}

  void attach(Pipe* p) override {
    if (pipe_ != nullptr && !pipe_->terminating) {
      host_.refuse_pipe(p);
      return;
    }
    pipe_ = p;
  }
  void terminating(Pipe*) override {}
  void detach(Pipe* p) override {
    if (pipe_ == p) pipe_ = nullptr;
  }

  absl::Status send(Message& m) override {
    if (pipe_ == nullptr || pipe_->terminating || !pipe_->write(std::move(m))) return would_block();
    pipe_->flush();
    return absl::OkStatus();
  }
  absl::Status recv(Message& m) override {
    if (pipe_ == nullptr || !pipe_->read(m)) return would_block();
    return absl::OkStatus();
  }
  bool readable() override { return pipe_ != nullptr && pipe_->readable(); }
  bool writable() override { return pipe_ != nullptr && !pipe_->terminating && pipe_->writable(); }

 private:
  ProtocolHost& host_;
  Pipe* pipe_ = nullptr;
};

}  // namespace

std::unique_ptr<Protocol> make_pair(ProtocolHost& host) {
  return std::make_unique<Pair>(host);
}

}  // namespace bossa::socket
