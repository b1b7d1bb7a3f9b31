#include "transport/socket/zmtp/mechanism.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::zmtp {
namespace {

class NullMechanism final : public Mechanism {
 public:
  explicit NullMechanism(Metadata own) : own_(std::move(own)) {}

  std::string_view name() const override { return kMechanismNull; }

  void start(std::string& out) override { append_ready(out, own_); }

  absl::Status on_command(const Command& command, std::string&) override {
    if (done_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "ZMTP NULL: unexpected ", std::string(command.name), " after the handshake"));
    }
    if (command.name == kReady) {
      absl::StatusOr<Metadata> md = parse_metadata(command.data);
      if (!md.ok()) return md.status();
      peer_ = *std::move(md);
      done_ = true;
      return absl::OkStatus();
    }
    if (command.name == kError) {
      absl::StatusOr<std::string_view> reason = parse_error(command.data);
      if (!reason.ok()) return reason.status();
      return absl::PermissionDeniedError(
          absl::StrCat("ZMTP NULL: peer refused: ", std::string(*reason)));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "ZMTP NULL: unexpected command '", std::string(command.name), "' during the handshake"));
  }

  bool done() const override { return done_; }
  const Metadata& peer_metadata() const override { return peer_; }

 private:
  Metadata own_;
  Metadata peer_;
  bool done_ = false;
};

}  // namespace

absl::Status Mechanism::on_auth_reply(const AuthReply&, std::string&) {
  return absl::FailedPreconditionError("this mechanism asks no authenticator");
}

absl::Status Mechanism::encode_frame(std::string_view, std::uint8_t, std::string&) {
  return absl::FailedPreconditionError("this mechanism does not transform frames");
}

absl::StatusOr<std::string_view> Mechanism::decode_frame(std::string_view, std::string&,
                                                         std::uint8_t&) {
  return absl::FailedPreconditionError("this mechanism does not transform frames");
}

std::unique_ptr<Mechanism> make_null_mechanism(Metadata own) {
  return std::make_unique<NullMechanism>(std::move(own));
}

}  // namespace bossa::zmtp
