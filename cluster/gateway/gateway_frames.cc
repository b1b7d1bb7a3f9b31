#include "cluster/gateway/gateway_frames.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"

namespace bossa::gateway {
namespace {

// Where the route ends: the index of the first empty frame after the routing id, or 0 if none.
size_t delimiter_of(const socket::Message& message) {
  for (size_t i = 1; i < message.size() && i < kMaxRouteFrames + 1; ++i) {
    if (message[i].empty()) return i;
  }
  return 0;
}

Parsed refuse(Parsed parsed, std::string_view why) {
  parsed.status = absl::InvalidArgumentError(as_absl(why));
  return parsed;
}

}  // namespace

Parsed parse_request(socket::Message message) {
  Parsed parsed;
  if (message.empty()) return refuse(std::move(parsed), "an empty message");
  const size_t delimiter = delimiter_of(message);
  const size_t first = delimiter + 1;  // the target's frame
  for (size_t i = 0; i < first; ++i) parsed.request.route.push_back(std::move(message[i]));
  if (delimiter == 0) {
    return refuse(std::move(parsed),
                  absl::StrCat("no empty delimiter frame within the first ", kMaxRouteFrames,
                               " frames (a DEALER client sends [correlation] [] first)"));
  }
  const size_t parts = message.size() - first;
  if (parts < 3 || parts > 4) {
    return refuse(std::move(parsed),
                  absl::StrCat("a request is [target] [content-type] [body] and optionally "
                               "[timeout-ms] after the route; got ",
                               parts, " frames"));
  }
  Request& request = parsed.request;
  request.target = std::move(message[first]);
  request.content_type = std::move(message[first + 1]);
  request.body = std::move(message[first + 2]);
  if (request.target.empty()) return refuse(std::move(parsed), "the target frame is empty");
  if (parts == 4) {
    uint32_t ms = 0;
    if (!absl::SimpleAtoi(as_absl(message[first + 3].view()), &ms) || ms == 0) {
      return refuse(std::move(parsed),
                    "the timeout frame is not a positive number of milliseconds");
    }
    request.timeout = absl::Milliseconds(ms);
  }
  return parsed;
}

socket::Message make_reply(socket::Message route, absl::StatusCode code,
                           std::string_view content_type, std::string_view body) {
  socket::Message reply = std::move(route);
  reply.push_back(absl::StatusCodeToString(code));
  reply.push_back(content_type);
  reply.push_back(body);
  return reply;
}

socket::Message make_error_reply(socket::Message route, const absl::Status& error) {
  return make_reply(std::move(route), error.code(), "text/plain", as_std(error.message()));
}

}  // namespace bossa::gateway
