// The security-mechanism seam of the ZMTP handshake: NULL (RFC 23), PLAIN (RFC 24) and CURVE
// (RFC 25/26, CurveZMQ).
//
// After the greetings, the peers run their mechanism's handshake as command frames; when it is
// done, each knows the other's metadata (Socket-Type, Identity, ...). NULL sends READY with this
// side's metadata and expects READY (or ERROR) back. A PLAIN or CURVE server stops halfway for the
// authenticator's decision (take_auth_request, then on_auth_reply). CURVE also transforms every
// frame after the handshake (transforms_frames: each becomes a MESSAGE command box); the engine
// asks that once, so NULL and PLAIN frames pay nothing for the seam. Every size and box from the
// peer is checked before anything is allocated for it. One instance per connection;
// thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "transport/socket/zmtp/command.h"

namespace bossa::zmtp {

// What a PLAIN or CURVE server asks its authenticator (RFC 27's mechanism and credentials).
struct AuthRequest {
  std::string mechanism;                 // "PLAIN" or "CURVE"
  std::vector<std::string> credentials;  // PLAIN: user name, password; CURVE: 32-octet key
};

// The authenticator's answer.
struct AuthReply {
  bool allowed = false;
  std::string status_code;  // RFC 27: "200", "300", "400" or "500"
  std::string status_text;  // sent to a refused client in ERROR
  std::string user_id;      // the identity the peer's messages carry (User-Id)
};

class Mechanism {
 public:
  virtual ~Mechanism() = default;

  // The name this mechanism puts in the greeting ("NULL").
  virtual std::string_view name() const = 0;

  // Appends the command frames this side sends once the greetings are exchanged.
  virtual void start(std::string& out) = 0;

  // Handles one command from the peer during the handshake; may append replies to `out`.
  // An error (including a peer ERROR command) means the connection must close.
  virtual absl::Status on_command(const Command& command, std::string& out) = 0;

  // True once the peer's metadata is known and data frames may flow.
  virtual bool done() const = 0;

  // The peer's metadata; meaningful once done().
  virtual const Metadata& peer_metadata() const = 0;

  // Server side: the request the handshake waits on, once, after the on_command that made it;
  // the engine answers with on_auth_reply (which may append the next command, or ERROR).
  virtual std::optional<AuthRequest> take_auth_request() { return std::nullopt; }
  virtual absl::Status on_auth_reply(const AuthReply& reply, std::string& out);

  // ---- frames after the handshake (CURVE) ----

  // Whether frames are transformed; constant for the mechanism's life.
  virtual bool transforms_frames() const { return false; }
  // Octets a transformed frame's body has beyond its payload.
  virtual std::size_t frame_overhead() const { return 0; }
  // Appends one whole wire frame carrying `payload` with `flags` (kFlagMore, kFlagCommand).
  // FailedPrecondition, with nothing appended, before done() or when frames are not transformed.
  [[nodiscard]] virtual absl::Status encode_frame(std::string_view payload, std::uint8_t flags,
                                                  std::string& out);
  // Opens the body of one received frame into `scratch` (replaced); returns its payload, a view
  // into `scratch`, and sets its flags. FailedPrecondition as encode_frame.
  virtual absl::StatusOr<std::string_view> decode_frame(std::string_view body, std::string& scratch,
                                                        std::uint8_t& flags);
};

// What PLAIN and CURVE need beside this side's metadata. Keys are 32 raw octets.
struct SecurityConfig {
  bool as_server = false;
  std::string plain_username;
  std::string plain_password;
  std::string curve_publickey;
  std::string curve_secretkey;
  std::string curve_serverkey;
};

// NULL: no security; `own` is this side's metadata for READY.
std::unique_ptr<Mechanism> make_null_mechanism(Metadata own);
// PLAIN: HELLO (user name, password), WELCOME, INITIATE, READY; no transformation of frames.
std::unique_ptr<Mechanism> make_plain_mechanism(Metadata own, SecurityConfig config);
// PLAIN's HELLO data as a request for the authenticator.
absl::StatusOr<AuthRequest> parse_plain_hello(std::string_view data);
// CURVE (CurveZMQ): keys as in `config` (a server needs its secret key; a client all three).
std::unique_ptr<Mechanism> make_curve_mechanism(Metadata own, SecurityConfig config);

}  // namespace bossa::zmtp
