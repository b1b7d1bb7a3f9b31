// PLAIN (RFC 24): the client sends HELLO with its user name and password in clear; the server asks
// its authenticator, then answers WELCOME (or ERROR); the client sends INITIATE with its metadata
// and the server READY with its own.
//
//   HELLO    data = username-size (1) username password-size (1) password
//   WELCOME  data = (none)
//   INITIATE data = metadata
//   READY    data = metadata
#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/socket/zmtp/mechanism.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::zmtp {

absl::StatusOr<AuthRequest> parse_plain_hello(std::string_view data) {
  if (data.empty()) return absl::InvalidArgumentError("ZMTP PLAIN HELLO: no user name size");
  const std::size_t user_size = static_cast<std::uint8_t>(data[0]);
  if (data.size() < 2 + user_size) {
    return absl::InvalidArgumentError("ZMTP PLAIN HELLO: user name overruns the command");
  }
  const std::size_t password_size = static_cast<std::uint8_t>(data[1 + user_size]);
  if (data.size() != 2 + user_size + password_size) {
    return absl::InvalidArgumentError(absl::StrCat("ZMTP PLAIN HELLO: ", data.size(),
                                                   " octets of data, the sizes in it say ",
                                                   2 + user_size + password_size));
  }
  return AuthRequest{std::string(kMechanismPlain),
                     {std::string(data.substr(1, user_size)),
                      std::string(data.substr(2 + user_size, password_size))}};
}

namespace {

class PlainMechanism final : public Mechanism {
 public:
  PlainMechanism(Metadata own, SecurityConfig config)
      : own_(std::move(own)), config_(std::move(config)) {}

  std::string_view name() const override { return kMechanismPlain; }

  void start(std::string& out) override {
    if (config_.as_server) return;
    const std::string& user = config_.plain_username;
    const std::string& password = config_.plain_password;
    std::string data;
    data.push_back(static_cast<char>(user.size()));
    data.append(user);
    data.push_back(static_cast<char>(password.size()));
    data.append(password);
    append_command(out, kHello, data);
    step_ = Step::kWelcome;
  }

  absl::Status on_command(const Command& c, std::string& out) override {
    if (c.name == kError && !config_.as_server) {
      absl::StatusOr<std::string_view> reason = parse_error(c.data);
      if (!reason.ok()) return reason.status();
      return absl::PermissionDeniedError(
          absl::StrCat("ZMTP PLAIN: server refused: ", std::string(*reason)));
    }
    switch (step_) {
      case Step::kHello:
        if (c.name != kHello) return unexpected(c);
        {
          absl::StatusOr<AuthRequest> request = parse_plain_hello(c.data);
          if (!request.ok()) return request.status();
          request_ = *std::move(request);
        }
        step_ = Step::kAuth;
        return absl::OkStatus();
      case Step::kWelcome:
        if (c.name != kWelcome) return unexpected(c);
        if (!c.data.empty()) return absl::InvalidArgumentError("ZMTP PLAIN: WELCOME with data");
        append_command(out, kInitiate, encode_metadata(own_));
        step_ = Step::kReady;
        return absl::OkStatus();
      case Step::kInitiate:
      case Step::kReady: {
        if (c.name != (step_ == Step::kInitiate ? kInitiate : kReady)) return unexpected(c);
        absl::StatusOr<Metadata> md = parse_metadata(c.data);
        if (!md.ok()) return md.status();
        peer_ = *std::move(md);
        if (step_ == Step::kInitiate) append_ready(out, own_);
        step_ = Step::kDone;
        return absl::OkStatus();
      }
      case Step::kAuth:
      case Step::kDone:
        break;
    }
    return unexpected(c);
  }

  std::optional<AuthRequest> take_auth_request() override { return std::exchange(request_, {}); }

  absl::Status on_auth_reply(const AuthReply& reply, std::string& out) override {
    if (step_ != Step::kAuth) return Mechanism::on_auth_reply(reply, out);
    if (!reply.allowed) {
      append_error(out, reply.status_text);
      return absl::PermissionDeniedError(
          absl::StrCat("ZMTP PLAIN: client refused: ", reply.status_text));
    }
    append_command(out, kWelcome, {});
    step_ = Step::kInitiate;
    return absl::OkStatus();
  }

  bool done() const override { return step_ == Step::kDone; }
  const Metadata& peer_metadata() const override { return peer_; }

 private:
  enum class Step { kHello, kAuth, kWelcome, kInitiate, kReady, kDone };

  absl::Status unexpected(const Command& c) const {
    return absl::InvalidArgumentError(absl::StrCat("ZMTP PLAIN: unexpected command '",
                                                   std::string(c.name), "' in the handshake"));
  }

  Metadata own_;
  SecurityConfig config_;
  Step step_ = Step::kHello;
  std::optional<AuthRequest> request_;
  Metadata peer_;
};

}  // namespace

std::unique_ptr<Mechanism> make_plain_mechanism(Metadata own, SecurityConfig config) {
  return std::make_unique<PlainMechanism>(std::move(own), std::move(config));
}

}  // namespace bossa::zmtp
