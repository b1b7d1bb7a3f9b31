#include "transport/socket/core/options.h"

#include "absl/strings/str_cat.h"
#include "transport/socket/zmtp/keys.h"

namespace bossa::socket {
namespace {

absl::Status out_of_range(Option option, std::int64_t value, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("option ", std::string(option_name(option)), ": ",
                                                 value, " is out of range, expected ",
                                                 std::string(expected)));
}

}  // namespace

std::string_view option_name(Option option) {
  switch (option) {
    case Option::kSndhwm:
      return "sndhwm";
    case Option::kRcvhwm:
      return "rcvhwm";
    case Option::kLinger:
      return "linger";
    case Option::kSndtimeo:
      return "sndtimeo";
    case Option::kRcvtimeo:
      return "rcvtimeo";
    case Option::kReconnectIvl:
      return "reconnect_ivl";
    case Option::kReconnectIvlMax:
      return "reconnect_ivl_max";
    case Option::kHeartbeatIvl:
      return "heartbeat_ivl";
    case Option::kHeartbeatTtl:
      return "heartbeat_ttl";
    case Option::kHeartbeatTimeout:
      return "heartbeat_timeout";
    case Option::kMaxmsgsize:
      return "maxmsgsize";
    case Option::kImmediate:
      return "immediate";
    case Option::kRoutingId:
      return "routing_id";
    case Option::kRouterMandatory:
      return "router_mandatory";
    case Option::kIpv6:
      return "ipv6";
    case Option::kBacklog:
      return "backlog";
    case Option::kHandshakeIvl:
      return "handshake_ivl";
    case Option::kMaxConnections:
      return "max_connections";
    case Option::kMaxHandshakes:
      return "max_handshakes";
    case Option::kXpubVerbose:
      return "xpub_verbose";
    case Option::kProbeRouter:
      return "probe_router";
    case Option::kReqRelaxed:
      return "req_relaxed";
    case Option::kReqCorrelate:
      return "req_correlate";
    case Option::kConflate:
      return "conflate";
    case Option::kStreamNotify:
      return "stream_notify";
    case Option::kConnectRoutingId:
      return "connect_routing_id";
    case Option::kSubscribe:
      return "subscribe";
    case Option::kUnsubscribe:
      return "unsubscribe";
    case Option::kLastEndpoint:
      return "last_endpoint";
    case Option::kType:
      return "type";
    case Option::kPlainServer:
      return "plain_server";
    case Option::kPlainUsername:
      return "plain_username";
    case Option::kPlainPassword:
      return "plain_password";
    case Option::kCurveServer:
      return "curve_server";
    case Option::kCurvePublickey:
      return "curve_publickey";
    case Option::kCurveSecretkey:
      return "curve_secretkey";
    case Option::kCurveServerkey:
      return "curve_serverkey";
    case Option::kZapDomain:
      return "zap_domain";
    case Option::kMechanism:
      return "mechanism";
  }
  return "unknown";
}

absl::Status Options::set(Option option, std::int64_t value) {
  auto at_least = [&](std::int64_t low, std::int64_t& field) {
    if (value < low) return out_of_range(option, value, absl::StrCat(">= ", low));
    field = value;
    return absl::OkStatus();
  };
  auto flag = [&](bool& field) {
    if (value != 0 && value != 1) return out_of_range(option, value, "0 or 1");
    field = value == 1;
    return absl::OkStatus();
  };
  switch (option) {
    case Option::kSndhwm:
      return at_least(0, sndhwm);
    case Option::kRcvhwm:
      return at_least(0, rcvhwm);
    case Option::kLinger:
      return at_least(-1, linger);
    case Option::kSndtimeo:
      return at_least(-1, sndtimeo);
    case Option::kRcvtimeo:
      return at_least(-1, rcvtimeo);
    case Option::kReconnectIvl:
      return at_least(-1, reconnect_ivl);
    case Option::kReconnectIvlMax:
      return at_least(0, reconnect_ivl_max);
    case Option::kHeartbeatIvl:
      return at_least(0, heartbeat_ivl);
    case Option::kHeartbeatTtl:
      if (value > 6553500) return out_of_range(option, value, "<= 6553500");
      return at_least(0, heartbeat_ttl);
    case Option::kHeartbeatTimeout:
      return at_least(-1, heartbeat_timeout);
    case Option::kMaxmsgsize:
      return at_least(-1, maxmsgsize);
    case Option::kImmediate:
      return flag(immediate);
    case Option::kRouterMandatory:
      return flag(router_mandatory);
    case Option::kIpv6:
      return flag(ipv6);
    case Option::kBacklog:
      return at_least(1, backlog);
    case Option::kHandshakeIvl:
      return at_least(0, handshake_ivl);
    case Option::kMaxConnections:
      return at_least(1, max_connections);
    case Option::kMaxHandshakes:
      return at_least(1, max_handshakes);
    case Option::kXpubVerbose:
      return flag(xpub_verbose);
    case Option::kProbeRouter:
      return flag(probe_router);
    case Option::kReqRelaxed:
      return flag(req_relaxed);
    case Option::kReqCorrelate:
      return flag(req_correlate);
    case Option::kConflate:
      return flag(conflate);
    case Option::kStreamNotify:
      return flag(stream_notify);
    case Option::kPlainServer:
    case Option::kCurveServer: {
      bool server = false;
      if (absl::Status s = flag(server); !s.ok()) return s;
      as_server = server;
      mechanism = !server                          ? Security::kNull
                  : option == Option::kPlainServer ? Security::kPlain
                                                   : Security::kCurve;
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("option ", std::string(option_name(option)), " does not take an integer"));
  }
}

absl::Status Options::set(Option option, std::string_view value) {
  switch (option) {
    case Option::kPlainUsername:
    case Option::kPlainPassword:
      // libzmq refuses an empty value too (EINVAL); clearing the mechanism through it would turn
      // a PLAIN server into a NULL one that lets everyone in. A PLAIN server stays one.
      if (value.empty() || value.size() > 255) {
        return absl::InvalidArgumentError(absl::StrCat("option ", std::string(option_name(option)),
                                                       ": ", value.size(),
                                                       " octets, expected 1 to 255"));
      }
      (option == Option::kPlainUsername ? plain_username : plain_password) = std::string(value);
      if (mechanism != Security::kPlain) as_server = false;
      mechanism = Security::kPlain;
      return absl::OkStatus();
    case Option::kCurvePublickey:
    case Option::kCurveSecretkey:
    case Option::kCurveServerkey: {
      absl::StatusOr<std::string> key = zmtp::curve_key_bytes(value);
      if (!key.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("option ", std::string(option_name(option)),
                                                       ": ", key.status().message()));
      }
      if (option == Option::kCurvePublickey) curve_publickey = *std::move(key);
      if (option == Option::kCurveSecretkey) curve_secretkey = *std::move(key);
      if (option == Option::kCurveServerkey) {
        curve_serverkey = *std::move(key);
        as_server = false;
      }
      mechanism = Security::kCurve;
      return absl::OkStatus();
    }
    case Option::kZapDomain:
      if (value.size() > 255) {
        return absl::InvalidArgumentError(
            absl::StrCat("option zap_domain: ", value.size(), " octets, at most 255 allowed"));
      }
      zap_domain = std::string(value);
      return absl::OkStatus();
    default:
      break;
  }
  if (option != Option::kRoutingId && option != Option::kConnectRoutingId) {
    return absl::InvalidArgumentError(
        absl::StrCat("option ", std::string(option_name(option)), " does not take a string"));
  }
  const std::string name(option_name(option));
  if (value.empty() || value.size() > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat("option ", name, ": ", value.size(), " octets, expected 1 to 255"));
  }
  if (value[0] == '\0') {
    return absl::InvalidArgumentError(absl::StrCat(
        "option ", name, ": may not start with a zero octet (reserved for generated ids)"));
  }
  (option == Option::kRoutingId ? routing_id : connect_routing_id) = std::string(value);
  return absl::OkStatus();
}

absl::StatusOr<std::int64_t> Options::get_int(Option option) const {
  switch (option) {
    case Option::kSndhwm:
      return sndhwm;
    case Option::kRcvhwm:
      return rcvhwm;
    case Option::kLinger:
      return linger;
    case Option::kSndtimeo:
      return sndtimeo;
    case Option::kRcvtimeo:
      return rcvtimeo;
    case Option::kReconnectIvl:
      return reconnect_ivl;
    case Option::kReconnectIvlMax:
      return reconnect_ivl_max;
    case Option::kHeartbeatIvl:
      return heartbeat_ivl;
    case Option::kHeartbeatTtl:
      return heartbeat_ttl;
    case Option::kHeartbeatTimeout:
      return heartbeat_timeout;
    case Option::kMaxmsgsize:
      return maxmsgsize;
    case Option::kImmediate:
      return immediate ? 1 : 0;
    case Option::kRouterMandatory:
      return router_mandatory ? 1 : 0;
    case Option::kIpv6:
      return ipv6 ? 1 : 0;
    case Option::kBacklog:
      return backlog;
    case Option::kHandshakeIvl:
      return handshake_ivl;
    case Option::kMaxConnections:
      return max_connections;
    case Option::kMaxHandshakes:
      return max_handshakes;
    case Option::kXpubVerbose:
      return xpub_verbose ? 1 : 0;
    case Option::kProbeRouter:
      return probe_router ? 1 : 0;
    case Option::kReqRelaxed:
      return req_relaxed ? 1 : 0;
    case Option::kReqCorrelate:
      return req_correlate ? 1 : 0;
    case Option::kConflate:
      return conflate ? 1 : 0;
    case Option::kStreamNotify:
      return stream_notify ? 1 : 0;
    case Option::kPlainServer:
      return mechanism == Security::kPlain && as_server ? 1 : 0;
    case Option::kCurveServer:
      return mechanism == Security::kCurve && as_server ? 1 : 0;
    case Option::kMechanism:
      return static_cast<std::int64_t>(mechanism);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("option ", std::string(option_name(option)), " is not an integer option"));
  }
}

absl::StatusOr<std::string> Options::get_string(Option option) const {
  auto z85 = [](const std::string& key) -> std::string {
    return key.empty() ? std::string() : *zmtp::z85_encode(key);
  };
  switch (option) {
    case Option::kRoutingId:
      return routing_id;
    case Option::kConnectRoutingId:
      return connect_routing_id;
    case Option::kPlainUsername:
      return plain_username;
    case Option::kPlainPassword:
      return plain_password;
    case Option::kCurvePublickey:
      return z85(curve_publickey);
    case Option::kCurveSecretkey:
      return z85(curve_secretkey);
    case Option::kCurveServerkey:
      return z85(curve_serverkey);
    case Option::kZapDomain:
      return zap_domain;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("option ", std::string(option_name(option)), " is not a string option"));
  }
}

absl::Status Options::check_security() const {
  if (mechanism != Security::kCurve) return absl::OkStatus();
  if (curve_secretkey.empty()) {
    return absl::FailedPreconditionError("CURVE: curve_secretkey is not set");
  }
  if (as_server) return absl::OkStatus();
  if (curve_serverkey.empty()) {
    return absl::FailedPreconditionError("CURVE client: curve_serverkey is not set");
  }
  if (curve_publickey.empty()) {
    return absl::FailedPreconditionError("CURVE client: curve_publickey is not set");
  }
  // The handshake presents the public key of the secret key: one set apart that does not match
  // would be shown by get_string but never used.
  absl::StatusOr<std::string> own_public = zmtp::curve_public(curve_secretkey);
  if (!own_public.ok() || zmtp::curve_key_bytes(*own_public).value_or("") != curve_publickey) {
    return absl::FailedPreconditionError(
        "CURVE client: curve_publickey is not the public key of curve_secretkey");
  }
  if (!zmtp::curve_key_usable(curve_serverkey, curve_secretkey)) {
    return absl::FailedPreconditionError(
        "CURVE client: curve_serverkey is a weak key (a point of small order), which no server "
        "can hold");
  }
  return absl::OkStatus();
}

bool conflates_inbound(zmtp::SocketType type, const Options& options) {
  using T = zmtp::SocketType;
  return options.conflate && (type == T::kPull || type == T::kSub || type == T::kDealer);
}

bool conflates_outbound(zmtp::SocketType type, const Options& options) {
  using T = zmtp::SocketType;
  return options.conflate && (type == T::kPush || type == T::kPub || type == T::kDealer);
}

}  // namespace bossa::socket
