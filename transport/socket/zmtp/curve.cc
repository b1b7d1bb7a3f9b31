// CURVE (RFC 25 over CurveZMQ, RFC 26). Keys: C, S the client's and server's long-term keys; C',
// S' the short-term keys of this connection. Box[X](A->B) is libsodium's crypto_box.
//
//   HELLO    version (2: 1 0) padding (72 zero) C' (32) short nonce (8) Box[64 zero](C'->S) (80)
//   WELCOME  long nonce (16) Box[S' cookie](S->C') (144)
//            cookie = long nonce (16) secretbox[C' s'](cookie key) (80)
//   INITIATE cookie (96) short nonce (8) Box[C vouch metadata](C'->S') (144+)
//            vouch = long nonce (16) Box[C' S](C->S') (80)
//   READY    short nonce (8) Box[metadata](S'->C') (16+)
//   MESSAGE  short nonce (8) Box[flags payload](C'<->S') (17+); flags bit 0 MORE, bit 1 COMMAND
//
// Nonces: the 8-octet short nonces are a big-endian counter per sender (each must be above the
// one before); long nonces are random. Each box opens with a 24-octet nonce: a fixed prefix
// ("CurveZMQHELLO---", "WELCOME-", "COOKIE--", "CurveZMQINITIATE", "VOUCH---", "CurveZMQREADY---",
// "CurveZMQMESSAGEC" from the client, "CurveZMQMESSAGES" from the server) and the nonce sent.
#include <sodium.h>

#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "transport/socket/zmtp/frame.h"
#include "transport/socket/zmtp/keys.h"
#include "transport/socket/zmtp/mechanism.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::zmtp {
namespace {

using Key = std::array<std::uint8_t, 32>;

constexpr std::size_t kBoxMac = crypto_box_MACBYTES;  // 16
constexpr std::size_t kHelloData = 2 + 72 + 32 + 8 + 80;
constexpr std::size_t kCookie = 16 + 80;
constexpr std::size_t kWelcomeData = 16 + 32 + kCookie + kBoxMac;
constexpr std::size_t kInitiateMin = kCookie + 8 + 32 + kCookie + kBoxMac;
constexpr std::size_t kReadyMin = 8 + kBoxMac;
constexpr std::size_t kMessageMin = 8 + kBoxMac + 1;
constexpr std::uint8_t kMessageMore = 0x01;
constexpr std::uint8_t kMessageCommand = 0x02;

const std::uint8_t* u8(std::string_view s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}
std::uint8_t* u8(std::string& s) {
  return reinterpret_cast<std::uint8_t*>(s.data());
}
std::string_view sv(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

// A 24-octet nonce: `prefix` then `tail`.
std::array<std::uint8_t, 24> nonce(std::string_view prefix, std::string_view tail) {
  std::array<std::uint8_t, 24> n{};
  std::memcpy(n.data(), prefix.data(), prefix.size());
  std::memcpy(n.data() + prefix.size(), tail.data(), 24 - prefix.size());
  return n;
}

std::string short_nonce(std::uint64_t v) {
  std::string n(8, '\0');
  for (int i = 0; i < 8; ++i) n[i] = static_cast<char>(v >> (56 - 8 * i));
  return n;
}

std::uint64_t read_short_nonce(std::string_view n) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(n[i]);
  return v;
}

std::string random_octets(std::size_t n) {
  std::string s(n, '\0');
  randombytes_buf(s.data(), n);
  return s;
}

Key to_key(std::string_view s) {
  Key k{};
  std::memcpy(k.data(), s.data(), k.size());
  return k;
}

// Box[plain](sk -> pk) with `n`; empty when `pk` is a weak key (no box can be made to it).
std::string box(std::string_view plain, const std::array<std::uint8_t, 24>& n, const Key& pk,
                const Key& sk) {
  std::string out(plain.size() + kBoxMac, '\0');
  if (crypto_box_easy(u8(out), u8(plain), plain.size(), n.data(), pk.data(), sk.data()) != 0) {
    return {};
  }
  return out;
}

// Opens a box from pk to sk; false when it does not open.
bool open_box(std::string_view boxed, const std::array<std::uint8_t, 24>& n, const Key& pk,
              const Key& sk, std::string& plain) {
  if (boxed.size() < kBoxMac) return false;
  plain.resize(boxed.size() - kBoxMac);
  return crypto_box_open_easy(u8(plain), u8(boxed), boxed.size(), n.data(), pk.data(), sk.data()) ==
         0;
}

absl::Status malformed(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("ZMTP CURVE: ", std::string(what)));
}

class CurveMechanism final : public Mechanism {
 public:
  CurveMechanism(Metadata own, SecurityConfig config) : own_(std::move(own)) {
    sodium_ready();
    server_ = config.as_server;
    secret_ = to_key(config.curve_secretkey);
    crypto_scalarmult_base(public_.data(), secret_.data());
    if (!server_) server_key_ = to_key(config.curve_serverkey);
    crypto_box_keypair(short_public_.data(), short_secret_.data());
  }
  ~CurveMechanism() override {
    sodium_memzero(secret_.data(), secret_.size());
    sodium_memzero(short_secret_.data(), short_secret_.size());
    sodium_memzero(shared_.data(), shared_.size());
    sodium_memzero(hello_shared_.data(), hello_shared_.size());
    sodium_memzero(cookie_key_.data(), cookie_key_.size());
  }

  std::string_view name() const override { return kMechanismCurve; }

  void start(std::string& out) override {
    if (server_) return;
    const std::string n = short_nonce(next_nonce_++);
    std::string data = {1, 0};
    data.append(72, '\0');
    data.append(sv(short_public_.data(), 32));
    data.append(n);
    // A weak server key makes no box: the HELLO goes short, and the server refuses it.
    if (crypto_box_beforenm(hello_shared_.data(), server_key_.data(), short_secret_.data()) == 0) {
      data.append(seal(std::string(64, '\0'), nonce("CurveZMQHELLO---", n), hello_shared_));
    }
    append_command(out, kHello, data);
    step_ = Step::kWelcome;
  }

  absl::Status on_command(const Command& c, std::string& out) override {
    if (c.name == kError && !server_ && step_ != Step::kDone) {
      absl::StatusOr<std::string_view> reason = parse_error(c.data);
      if (!reason.ok()) return reason.status();
      return absl::PermissionDeniedError(
          absl::StrCat("ZMTP CURVE: server refused: ", std::string(*reason)));
    }
    const std::string_view expected = step_ == Step::kHello      ? kHello
                                      : step_ == Step::kWelcome  ? kWelcome
                                      : step_ == Step::kInitiate ? kInitiate
                                      : step_ == Step::kReady    ? kReady
                                                                 : std::string_view();
    if (expected.empty() || c.name != expected) {
      return malformed(absl::StrCat("unexpected command '", std::string(c.name), "'"));
    }
    switch (step_) {
      case Step::kHello:
        return on_hello(c.data, out);
      case Step::kWelcome:
        return on_welcome(c.data, out);
      case Step::kInitiate:
        return on_initiate(c.data);
      case Step::kReady:
        return on_ready(c.data);
      default:
        return malformed("command after the handshake");
    }
  }

  std::optional<AuthRequest> take_auth_request() override { return std::exchange(request_, {}); }

  absl::Status on_auth_reply(const AuthReply& reply, std::string& out) override {
    if (step_ != Step::kAuth) return Mechanism::on_auth_reply(reply, out);
    if (!reply.allowed) {
      append_error(out, reply.status_text);
      return absl::PermissionDeniedError(
          absl::StrCat("ZMTP CURVE: client refused: ", reply.status_text));
    }
    const std::string n = short_nonce(next_nonce_++);
    std::string data = n;
    data.append(seal(encode_metadata(own_), nonce("CurveZMQREADY---", n)));
    append_command(out, kReady, data);
    finish();
    return absl::OkStatus();
  }

  bool done() const override { return step_ == Step::kDone; }
  const Metadata& peer_metadata() const override { return peer_; }

  bool transforms_frames() const override { return true; }
  std::size_t frame_overhead() const override { return 1 + kMessage.size() + 8 + kBoxMac + 1; }

  absl::Status encode_frame(std::string_view payload, std::uint8_t flags,
                            std::string& out) override {
    if (!done()) return before_done("sealed");
    const std::size_t body = frame_overhead() + payload.size();
    const std::size_t at = out.size();
    out.resize(at + kMaxHeaderSize + body);
    auto* p = reinterpret_cast<std::uint8_t*>(out.data() + at);
    const std::size_t h = write_frame_header(p, body, 0);
    std::uint8_t* q = p + h;
    *q++ = static_cast<std::uint8_t>(kMessage.size());
    std::memcpy(q, kMessage.data(), kMessage.size());
    q += kMessage.size();
    const std::string n = short_nonce(next_nonce_++);
    std::memcpy(q, n.data(), 8);
    q += 8;
    std::uint8_t* mac = q;
    std::uint8_t* text = q + kBoxMac;
    text[0] = (flags & kFlagMore ? kMessageMore : 0) | (flags & kFlagCommand ? kMessageCommand : 0);
    if (!payload.empty()) std::memcpy(text + 1, payload.data(), payload.size());
    const auto full = nonce(server_ ? "CurveZMQMESSAGES" : "CurveZMQMESSAGEC", n);
    crypto_box_detached_afternm(text, mac, text, payload.size() + 1, full.data(), shared_.data());
    out.resize(at + h + body);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string_view> decode_frame(std::string_view body, std::string& scratch,
                                                std::uint8_t& flags) override {
    if (!done()) return before_done("opened");
    absl::StatusOr<Command> c = parse_command(body);
    if (!c.ok()) return c.status();
    if (c->name != kMessage) {
      return malformed(absl::StrCat("'", std::string(c->name), "' where MESSAGE was expected"));
    }
    if (c->data.size() < kMessageMin) {
      return malformed(absl::StrCat("MESSAGE of ", c->data.size(), " octets, at least ",
                                    kMessageMin, " expected"));
    }
    const std::string_view n = c->data.substr(0, 8);
    if (absl::Status s = check_nonce(n); !s.ok()) return s;
    const std::string_view boxed = c->data.substr(8);
    scratch.resize(boxed.size() - kBoxMac);
    const auto full = nonce(server_ ? "CurveZMQMESSAGEC" : "CurveZMQMESSAGES", n);
    if (crypto_box_open_easy_afternm(u8(scratch), u8(boxed), boxed.size(), full.data(),
                                     shared_.data()) != 0) {
      return malformed("a MESSAGE box does not open");
    }
    accept_nonce(n);
    const std::uint8_t inner = static_cast<std::uint8_t>(scratch[0]);
    if ((inner & ~(kMessageMore | kMessageCommand)) != 0) {
      return malformed("reserved MESSAGE flags set");
    }
    flags = (inner & kMessageMore ? kFlagMore : 0) | (inner & kMessageCommand ? kFlagCommand : 0);
    return std::string_view(scratch).substr(1);
  }

 private:
  enum class Step { kHello, kWelcome, kInitiate, kAuth, kReady, kDone };

  // Until the handshake is done the shared key is unset (zero) or not yet vouched for by the
  // authenticator: no frame is sealed or opened with it.
  static absl::Status before_done(std::string_view what) {
    return absl::FailedPreconditionError(
        absl::StrCat("ZMTP CURVE: a frame ", std::string(what), " before the handshake is done"));
  }

  // Box with a shared key made once (crypto_box_beforenm): that of C' and S' unless said.
  static std::string seal(std::string_view plain, const std::array<std::uint8_t, 24>& n,
                          const Key& key) {
    std::string out(plain.size() + kBoxMac, '\0');
    crypto_box_easy_afternm(u8(out), u8(plain), plain.size(), n.data(), key.data());
    return out;
  }
  std::string seal(std::string_view plain, const std::array<std::uint8_t, 24>& n) const {
    return seal(plain, n, shared_);
  }
  static bool unseal(std::string_view boxed, const std::array<std::uint8_t, 24>& n, const Key& key,
                     std::string& plain) {
    if (boxed.size() < kBoxMac) return false;
    plain.resize(boxed.size() - kBoxMac);
    return crypto_box_open_easy_afternm(u8(plain), u8(boxed), boxed.size(), n.data(), key.data()) ==
           0;
  }
  bool unseal(std::string_view boxed, const std::array<std::uint8_t, 24>& n,
              std::string& plain) const {
    return unseal(boxed, n, shared_, plain);
  }

  // The handshake is over: from now on only the shared key of the short-term pair is needed, and
  // the secret keys are wiped so that a later leak of this process's memory cannot open this
  // connection's past boxes with them.
  void finish() {
    sodium_memzero(secret_.data(), secret_.size());
    sodium_memzero(short_secret_.data(), short_secret_.size());
    sodium_memzero(hello_shared_.data(), hello_shared_.size());
    step_ = Step::kDone;
  }

  // A peer's short nonce must be above the last one whose box opened. It is recorded only once
  // its own box opened (accept_nonce): a forged box cannot move it.
  absl::Status check_nonce(std::string_view n) const {
    if (read_short_nonce(n) <= peer_nonce_) return malformed("a short nonce did not increase");
    return absl::OkStatus();
  }
  void accept_nonce(std::string_view n) { peer_nonce_ = read_short_nonce(n); }

  absl::Status on_hello(std::string_view d, std::string& out) {
    if (d.size() != kHelloData) {
      return malformed(absl::StrCat("HELLO of ", d.size(), " octets, ", kHelloData, " expected"));
    }
    if (d[0] != 1 || d[1] != 0) return malformed("HELLO of an unknown CurveZMQ version");
    peer_short_ = to_key(d.substr(74, 32));
    const std::string_view n = d.substr(106, 8);
    if (absl::Status s = check_nonce(n); !s.ok()) return s;
    if (crypto_box_beforenm(hello_shared_.data(), peer_short_.data(), secret_.data()) != 0) {
      return malformed("the client's short-term key is weak");
    }
    std::string zeros;
    if (!unseal(d.substr(114), nonce("CurveZMQHELLO---", n), hello_shared_, zeros) ||
        sodium_is_zero(u8(zeros), zeros.size()) != 1) {
      return malformed("the HELLO signature box does not open");
    }
    accept_nonce(n);
    // WELCOME: S' and a cookie that only this server can open.
    crypto_secretbox_keygen(cookie_key_.data());
    const std::string cookie_nonce = random_octets(16);
    std::string cookie_plain(sv(peer_short_.data(), 32));
    cookie_plain.append(sv(short_secret_.data(), 32));
    std::string cookie = cookie_nonce;
    cookie.resize(kCookie);
    const auto cn = nonce("COOKIE--", cookie_nonce);
    crypto_secretbox_easy(u8(cookie) + 16, u8(cookie_plain), cookie_plain.size(), cn.data(),
                          cookie_key_.data());
    sodium_memzero(cookie_plain.data(), cookie_plain.size());
    std::string welcome_plain(sv(short_public_.data(), 32));
    welcome_plain.append(cookie);
    const std::string welcome_nonce = random_octets(16);
    std::string data = welcome_nonce;
    data.append(seal(welcome_plain, nonce("WELCOME-", welcome_nonce), hello_shared_));
    append_command(out, kWelcome, data);
    step_ = Step::kInitiate;
    return absl::OkStatus();
  }

  absl::Status on_welcome(std::string_view d, std::string& out) {
    if (d.size() != kWelcomeData) {
      return malformed(
          absl::StrCat("WELCOME of ", d.size(), " octets, ", kWelcomeData, " expected"));
    }
    std::string plain;
    if (!unseal(d.substr(16), nonce("WELCOME-", d.substr(0, 16)), hello_shared_, plain)) {
      return malformed("the WELCOME box does not open (wrong server key?)");
    }
    peer_short_ = to_key(plain.substr(0, 32));
    const std::string cookie = plain.substr(32, kCookie);
    if (crypto_box_beforenm(shared_.data(), peer_short_.data(), short_secret_.data()) != 0) {
      return malformed("the server's short-term key is weak");
    }
    // INITIATE: the cookie back, and C with a vouch for C' and S, from C to S'.
    const std::string vouch_nonce = random_octets(16);
    std::string vouch_plain(sv(short_public_.data(), 32));
    vouch_plain.append(sv(server_key_.data(), 32));
    std::string initiate_plain(sv(public_.data(), 32));
    initiate_plain.append(vouch_nonce);
    const std::string vouch =
        box(vouch_plain, nonce("VOUCH---", vouch_nonce), peer_short_, secret_);
    if (vouch.empty()) return malformed("the server's short-term key is weak");
    initiate_plain.append(vouch);
    initiate_plain.append(encode_metadata(own_));
    const std::string n = short_nonce(next_nonce_++);
    std::string data = cookie;
    data.append(n);
    data.append(seal(initiate_plain, nonce("CurveZMQINITIATE", n)));
    append_command(out, kInitiate, data);
    step_ = Step::kReady;
    return absl::OkStatus();
  }

  absl::Status on_initiate(std::string_view d) {
    if (d.size() < kInitiateMin) {
      return malformed(
          absl::StrCat("INITIATE of ", d.size(), " octets, at least ", kInitiateMin, " expected"));
    }
    std::string cookie_plain(64, '\0');
    const auto cn = nonce("COOKIE--", d.substr(0, 16));
    if (crypto_secretbox_open_easy(u8(cookie_plain), u8(d.substr(16)), 80, cn.data(),
                                   cookie_key_.data()) != 0 ||
        sodium_memcmp(cookie_plain.data(), peer_short_.data(), 32) != 0 ||
        sodium_memcmp(cookie_plain.data() + 32, short_secret_.data(), 32) != 0) {
      return malformed("the INITIATE cookie is not this connection's");
    }
    sodium_memzero(cookie_plain.data(), cookie_plain.size());
    sodium_memzero(cookie_key_.data(), cookie_key_.size());  // used once
    const std::string_view n = d.substr(kCookie, 8);
    if (absl::Status s = check_nonce(n); !s.ok()) return s;
    if (crypto_box_beforenm(shared_.data(), peer_short_.data(), short_secret_.data()) != 0) {
      return malformed("the client's short-term key is weak");
    }
    std::string plain;
    if (!unseal(d.substr(kCookie + 8), nonce("CurveZMQINITIATE", n), plain)) {
      return malformed("the INITIATE box does not open");
    }
    accept_nonce(n);
    const Key client = to_key(plain.substr(0, 32));
    std::string vouch;
    if (!open_box(std::string_view(plain).substr(48, 80),
                  nonce("VOUCH---", std::string_view(plain).substr(32, 16)), client, short_secret_,
                  vouch) ||
        sodium_memcmp(vouch.data(), peer_short_.data(), 32) != 0 ||
        sodium_memcmp(vouch.data() + 32, public_.data(), 32) != 0) {
      return malformed("the INITIATE vouch does not hold");
    }
    absl::StatusOr<Metadata> md = parse_metadata(std::string_view(plain).substr(32 + kCookie));
    if (!md.ok()) return md.status();
    peer_ = *std::move(md);
    request_ = AuthRequest{std::string(kMechanismCurve), {std::string(sv(client.data(), 32))}};
    step_ = Step::kAuth;
    return absl::OkStatus();
  }

  absl::Status on_ready(std::string_view d) {
    if (d.size() < kReadyMin) {
      return malformed(
          absl::StrCat("READY of ", d.size(), " octets, at least ", kReadyMin, " expected"));
    }
    const std::string_view n = d.substr(0, 8);
    if (absl::Status s = check_nonce(n); !s.ok()) return s;
    std::string plain;
    if (!unseal(d.substr(8), nonce("CurveZMQREADY---", n), plain)) {
      return malformed("the READY box does not open");
    }
    accept_nonce(n);
    absl::StatusOr<Metadata> md = parse_metadata(plain);
    if (!md.ok()) return md.status();
    peer_ = *std::move(md);
    finish();
    return absl::OkStatus();
  }

  Metadata own_;
  bool server_ = false;
  Key public_{}, secret_{}, server_key_{};
  Key short_public_{}, short_secret_{};
  Key peer_short_{};
  Key shared_{};  // crypto_box_beforenm(peer's short-term public key, our short-term secret)
  // The key of HELLO's and WELCOME's boxes, C'·S, made once for both (crypto_box_beforenm).
  Key hello_shared_{};
  std::array<std::uint8_t, crypto_secretbox_KEYBYTES> cookie_key_{};
  std::uint64_t next_nonce_ = 1;
  std::uint64_t peer_nonce_ = 0;
  Step step_ = Step::kHello;
  std::optional<AuthRequest> request_;
  Metadata peer_;
};

}  // namespace

std::unique_ptr<Mechanism> make_curve_mechanism(Metadata own, SecurityConfig config) {
  return std::make_unique<CurveMechanism>(std::move(own), std::move(config));
}

}  // namespace bossa::zmtp
