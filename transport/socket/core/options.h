// Socket options, named as libzmq names them so that a ZeroMQ user finds their way.
//
// Options is a plain value held by each socket; connections copy it when they start, so a change
// applies to connections made afterwards (as in libzmq). Thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "transport/socket/zmtp/socket_type.h"

namespace bossa::socket {

enum class Option {
  kSndhwm,        // int: outbound messages queued per peer (0 = no limit); default 1000
  kRcvhwm,        // int: inbound messages queued per peer (0 = no limit); default 1000
  kLinger,        // int ms: how long close() lets queued messages drain (-1 = forever); default -1
  kSndtimeo,      // int ms: blocking send gives up after this (-1 = never); default -1
  kRcvtimeo,      // int ms: blocking recv gives up after this (-1 = never); default -1
  kReconnectIvl,  // int ms: first pause before redialling (-1 = no reconnect); default 100
  kReconnectIvlMax,   // int ms: backoff doubles up to this (0 = stay at reconnect_ivl); default 0
  kHeartbeatIvl,      // int ms: PING a peer silent this long, and this often (0 = off); default 0
  kHeartbeatTtl,      // int ms: TTL announced in PING, rounded to tenths of a second; default 0
  kHeartbeatTimeout,  // int ms: close a connection silent this long after a PING (-1 = ivl)
  kMaxmsgsize,        // int octets: a larger inbound message closes the connection (-1 = no
                      // limit, which logs a warning); default kDefaultMaxmsgsize
  kImmediate,         // bool: queue only to completed connections; default false
  kRoutingId,         // string (1-255 octets): Identity announced to ROUTER peers
  kRouterMandatory,   // bool: ROUTER send to an unknown peer fails instead of dropping
  kIpv6,              // bool: tcp://*:port binds IPv6 (dual stack) too; default false
  kBacklog,           // int: listen queue length; default 100
  kHandshakeIvl,      // int ms: close a connection whose handshake takes longer (0 = never);
                      // default 30000
  kMaxConnections,    // int: inbound connections open at once; more are closed as accepted;
                      // default 1024
  kMaxHandshakes,     // int: inbound connections in their handshake at once; more are closed as
                      // accepted; default 256
  kXpubVerbose,       // bool: XPUB passes on every subscription, not only new ones
  kProbeRouter,       // bool: ROUTER/DEALER/REQ send an empty message to each new peer
  kReqRelaxed,        // bool: REQ may send again before the reply came, abandoning the request
  kReqCorrelate,      // bool: REQ prefixes requests with an id frame and keeps only its reply
  kConflate,          // bool: PUSH/PULL/PUB/SUB/DEALER keep only the latest message per peer
  kStreamNotify,      // bool: STREAM delivers [id][] on each connect and disconnect; default true
  kConnectRoutingId,  // string (1-255 octets, not starting with a zero octet): the id a STREAM
                      // socket gives the connection of its next connect() (used by that one only)
  kSubscribe,         // string: SUB/XSUB prefix to receive (write-only)
  kUnsubscribe,       // string: SUB/XSUB prefix to stop receiving (write-only)
  kLastEndpoint,      // string: the endpoint of the last bind/connect, ephemeral port resolved
                      // (read-only)
  kType,              // int: the SocketType (read-only)
  // Security (docs/socket-engine.md "Security"). A socket is a NULL, PLAIN or CURVE client or
  // server; the options below switch it as libzmq's do, for connections made afterwards.
  kPlainServer,     // bool: 1 = PLAIN server; 0 = back to NULL
  kPlainUsername,   // string, 1-255 octets: PLAIN client user name (sets PLAIN client)
  kPlainPassword,   // string, 1-255 octets: PLAIN client password (sets PLAIN client)
  kCurveServer,     // bool: 1 = CURVE server (needs curve_secretkey); 0 = back to NULL
  kCurvePublickey,  // key: this side's long-term public key (CURVE client)
  kCurveSecretkey,  // key: this side's long-term secret key (CURVE client and server)
  kCurveServerkey,  // key: the server's long-term public key (sets CURVE client)
  kZapDomain,       // string (0-255 octets): the authentication domain of a PLAIN/CURVE server
  kMechanism,       // int: 0 NULL, 1 PLAIN, 2 CURVE, as libzmq's ZMQ_MECHANISM (read-only)
};
// A key option takes 32 raw octets or 40 characters of Z85; get_string gives it as Z85.

// The security mechanism of a socket's tcp and ipc connections (inproc is never secured).
enum class Security { kNull = 0, kPlain = 1, kCurve = 2 };

// 256 MiB: what one inbound message (its frames and 64 octets a frame) may hold by default.
inline constexpr std::int64_t kDefaultMaxmsgsize = std::int64_t{256} << 20;

struct Options {
  std::int64_t sndhwm = 1000;
  std::int64_t rcvhwm = 1000;
  std::int64_t linger = -1;
  std::int64_t sndtimeo = -1;
  std::int64_t rcvtimeo = -1;
  std::int64_t reconnect_ivl = 100;
  std::int64_t reconnect_ivl_max = 0;
  std::int64_t heartbeat_ivl = 0;
  std::int64_t heartbeat_ttl = 0;
  std::int64_t heartbeat_timeout = -1;
  std::int64_t maxmsgsize = kDefaultMaxmsgsize;
  bool immediate = false;
  std::string routing_id;
  bool router_mandatory = false;
  bool ipv6 = false;
  std::int64_t backlog = 100;
  std::int64_t handshake_ivl = 30000;
  std::int64_t max_connections = 1024;
  std::int64_t max_handshakes = 256;
  bool xpub_verbose = false;
  bool probe_router = false;
  bool req_relaxed = false;
  bool req_correlate = false;
  bool conflate = false;
  bool stream_notify = true;
  std::string connect_routing_id;
  Security mechanism = Security::kNull;
  bool as_server = false;  // PLAIN or CURVE server
  std::string plain_username;
  std::string plain_password;
  std::string curve_publickey;  // 32 raw octets each; empty until set
  std::string curve_secretkey;
  std::string curve_serverkey;
  std::string zap_domain;

  // Sets an integer or boolean option; InvalidArgument for a value out of range or a string option.
  absl::Status set(Option option, std::int64_t value);
  // Sets a string or key option; InvalidArgument for other options or a malformed value.
  absl::Status set(Option option, std::string_view value);
  absl::StatusOr<std::int64_t> get_int(Option option) const;
  // The string and key options this struct holds; InvalidArgument for others.
  absl::StatusOr<std::string> get_string(Option option) const;

  // OK when the mechanism has what it needs to connect or bind (a CURVE server its secret key, a
  // CURVE client all three keys); FailedPrecondition naming what is missing otherwise.
  absl::Status check_security() const;
};

std::string_view option_name(Option option);

// Where `conflate` applies (libzmq: PUSH, PULL, PUB, SUB, DEALER): a conflating direction keeps
// only the latest message per peer and ignores its high-water mark. Subscription traffic (into a
// PUB, out of a SUB) is never conflated.
bool conflates_inbound(zmtp::SocketType type, const Options& options);
bool conflates_outbound(zmtp::SocketType type, const Options& options);

}  // namespace bossa::socket
