// Authenticator: the in-process policy that decides which clients a PLAIN or CURVE server takes.
//
// bossa's rule, unlike libzmq's: a PLAIN or CURVE server with no authenticator refuses every
// client (ERROR "no authenticator"). A Context decides each handshake (Context::authenticate) by
// the Authenticator set on it, or else by a ZAP handler (RFC 27) bound at
// inproc://zeromq.zap.01, or else refuses. The decision is made per zap_domain:
//
//   auto auth = std::make_shared<Authenticator>();
//   auth->allow_curve("global", client_public_key);   // 40-character Z85 or 32 octets
//   auth->allow_plain("", "admin", "secret");
//   auth->deny_address("", "10.0.0.7");
//   context.set_authenticator(auth);
//
// A client passes when its address is not denied, is allowed if the domain allows any address
// at all, and its credentials are allowed (a PLAIN user name and password, a CURVE key, or any
// CURVE key with allow_any_curve). A domain with nothing allowed refuses everyone. The user id
// of an allowed client is its PLAIN user name or its CURVE key in Z85.
// Thread-safety: every method is safe from any thread; changes apply to later handshakes.
#pragma once

#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "base/mutex.h"
#include "transport/socket/zmtp/mechanism.h"

namespace bossa::socket {

// A handshake's question to the authenticator: RFC 27's request fields.
struct ZapRequest {
  std::string domain;      // the server socket's zap_domain
  std::string address;     // the client's IP address (tcp), empty for ipc
  std::string routing_id;  // the server socket's routing_id
  zmtp::AuthRequest auth;  // mechanism and credentials
};

class Authenticator {
 public:
  void allow_address(std::string_view domain, std::string_view address);
  void deny_address(std::string_view domain, std::string_view address);
  void allow_plain(std::string_view domain, std::string_view user, std::string_view password);
  // InvalidArgument for a key that is neither 32 octets nor 40 characters of Z85.
  absl::Status allow_curve(std::string_view domain, std::string_view public_key);
  void allow_any_curve(std::string_view domain);
  // Replaces the CURVE keys `domain` allows by `public_keys` (32 octets each, as allow_curve's
  // after decoding): a key left out is refused at its next handshake. Connections already made
  // stay.
  void set_curve_keys(std::string_view domain, absl::flat_hash_set<std::string> public_keys);

  zmtp::AuthReply decide(const ZapRequest& request) const;

 private:
  struct Domain {
    absl::flat_hash_set<std::string> allowed_addresses;
    absl::flat_hash_set<std::string> denied_addresses;
    absl::flat_hash_map<std::string, std::string> passwords;
    absl::flat_hash_set<std::string> curve_keys;  // raw
    bool any_curve = false;
  };

  mutable Mutex mu_;
  absl::flat_hash_map<std::string, Domain> domains_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bossa::socket
