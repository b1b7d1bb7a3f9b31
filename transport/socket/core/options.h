// Socket options, named as libzmq names them so that a ZeroMQ user finds their way.
//
// Options is a plain value held by each socket; connections copy it when they start, so a change
// applies to connections made afterwards (as in libzmq). Thread-compatible.
#ifndef BOSSA_TRANSPORT_SOCKET_CORE_OPTIONS_H_
#define BOSSA_TRANSPORT_SOCKET_CORE_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "transport/socket/zmtp/socket_type.h"

namespace bossa::socket {

enum class Option {
  sndhwm,         // int: outbound messages queued per peer (0 = no limit); default 1000
  rcvhwm,         // int: inbound messages queued per peer (0 = no limit); default 1000
  linger,         // int ms: how long close() lets queued messages drain (-1 = forever); default -1
  sndtimeo,       // int ms: blocking send gives up after this (-1 = never); default -1
  rcvtimeo,       // int ms: blocking recv gives up after this (-1 = never); default -1
  reconnect_ivl,  // int ms: first pause before redialling (-1 = no reconnect); default 100
  reconnect_ivl_max,  // int ms: backoff doubles up to this (0 = stay at reconnect_ivl); default 0
  heartbeat_ivl,      // int ms: send PING this often (0 = off); default 0
  heartbeat_ttl,      // int ms: TTL announced in PING, rounded to tenths of a second; default 0
  heartbeat_timeout,  // int ms: close a connection silent this long after a PING (-1 = ivl)
  maxmsgsize,         // int octets: larger inbound frames close the connection (-1 = no limit)
  immediate,          // bool: queue only to completed connections; default false
  routing_id,         // string (1-255 octets): Identity announced to ROUTER peers
  router_mandatory,   // bool: ROUTER send to an unknown peer fails instead of dropping
  ipv6,               // bool: tcp://*:port binds IPv6 (dual stack) too; default false
  backlog,            // int: listen queue length; default 100
  xpub_verbose,       // bool: XPUB passes on every subscription, not only new ones
  probe_router,       // bool: ROUTER/DEALER/REQ send an empty message to each new peer
  req_relaxed,        // bool: REQ may send again before the reply came, abandoning the request
  req_correlate,      // bool: REQ prefixes requests with an id frame and keeps only its reply
  conflate,           // bool: PUSH/PULL/PUB/SUB/DEALER keep only the latest message per peer
  subscribe,          // string: SUB/XSUB prefix to receive (write-only)
  unsubscribe,        // string: SUB/XSUB prefix to stop receiving (write-only)
  last_endpoint,      // string: the endpoint of the last bind/connect, ephemeral port resolved
                      // (read-only)
  type,               // int: the SocketType (read-only)
};

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
  std::int64_t maxmsgsize = -1;
  bool immediate = false;
  std::string routing_id;
  bool router_mandatory = false;
  bool ipv6 = false;
  std::int64_t backlog = 100;
  bool xpub_verbose = false;
  bool probe_router = false;
  bool req_relaxed = false;
  bool req_correlate = false;
  bool conflate = false;

  // Sets an integer or boolean option; InvalidArgument for a value out of range or a string option.
  absl::Status set(Option option, std::int64_t value);
  // Sets a string option (routing_id); InvalidArgument for other options.
  absl::Status set(Option option, std::string_view value);
  absl::StatusOr<std::int64_t> get_int(Option option) const;
};

std::string_view OptionName(Option option);

// Where `conflate` applies (libzmq: PUSH, PULL, PUB, SUB, DEALER): a conflating direction keeps
// only the latest message per peer and ignores its high-water mark. Subscription traffic (into a
// PUB, out of a SUB) is never conflated.
bool ConflatesInbound(zmtp::SocketType type, const Options& options);
bool ConflatesOutbound(zmtp::SocketType type, const Options& options);

}  // namespace bossa::socket

#endif  // BOSSA_TRANSPORT_SOCKET_CORE_OPTIONS_H_
