// The gateway's wire format: what a ZeroMQ client outside the cluster sends the gateway's ROUTER
// socket and what it gets back (docs/outside-clients.md is the client's view).
//
//   request   [route...] [] [target] [content-type] [body] ([timeout-ms])
//   reply     [route...] [] [status] [content-type] [body]
//
// The ROUTER adds the client's routing id in front. Frames up to the first empty one (a REQ
// socket's delimiter; a DEALER client's non-empty correlation frame then the empty frame) are
// the route, echoed verbatim in front of the reply, as a REP socket does; a message without an
// empty frame among its first kMaxRouteFrames is refused (answered to the routing id). target is a
// global name or a pid ("3.17"); the optional fourth frame is the request's timeout in milliseconds
// (decimal). status is the absl status code name: "OK", or "NOT_FOUND", "PERMISSION_DENIED",
// "DEADLINE_EXCEEDED", "ABORTED", ... with a text/plain body that says why. Parsing is on untrusted
// frames and never throws; free functions without shared state.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "transport/socket/core/message.h"

namespace bossa::gateway {

// At most this many frames may precede the empty delimiter (routing id included).
inline constexpr size_t kMaxRouteFrames = 8;

struct Request {
  socket::Message route;  // routing id, route frames and the delimiter (if any), for the reply
  socket::Frame target;
  socket::Frame content_type;
  socket::Frame body;
  absl::Duration timeout = absl::InfiniteDuration();  // infinite: the client named none
};

// Splits a message received on the ROUTER socket. `status` is not OK (InvalidArgument naming
// what is wrong) when the message is not a request; `route` is then still set whenever the
// message has one, so that the error can be answered.
struct Parsed {
  absl::Status status;
  Request request;
};
Parsed parse_request(socket::Message message);

// The reply to the client that `route` leads to.
socket::Message make_reply(socket::Message route, absl::StatusCode code,
                           std::string_view content_type, std::string_view body);
// An error reply: status `error`'s code, its message as text/plain.
socket::Message make_error_reply(socket::Message route, const absl::Status& error);

}  // namespace bossa::gateway
