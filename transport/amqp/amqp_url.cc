#include "transport/amqp/amqp_url.h"

#include <amqp.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "base/string_view_bridge.h"

namespace bossa::transport {
namespace {

// The URL as logs may show it: the password, if any, replaced.
std::string hide_password(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t authority = scheme_end + 3;
  const size_t at = url.find('@', authority);
  const size_t slash = url.find('/', authority);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    return std::string(url);
  }
  const size_t colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return absl::StrCat(as_absl(url.substr(0, colon + 1)), "***", as_absl(url.substr(at)));
}

}  // namespace

absl::StatusOr<AmqpUrl> parse_amqp_url(std::string_view url) {
  AmqpUrl parsed;
  parsed.display = hide_password(url);
  if (!url.starts_with("amqp://") && !url.starts_with("amqps://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("AMQP URL '", parsed.display, "': expected amqp:// or amqps://"));
  }
  // amqp_parse_url cuts the string it is given in place and points into it.
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AMQP URL '", parsed.display,
        "': expected amqp[s]://[user[:password]@]host[:port][/vhost], with a port of 1-65535"));
  }
  if (info.port <= 0 || info.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("AMQP URL '", parsed.display, "': the port must be 1-65535"));
  }
  parsed.tls = info.ssl != 0;
  parsed.host = info.host;
  parsed.port = info.port;
  parsed.user = info.user;
  parsed.password = info.password;
  // rabbitmq-c gives "/" for a missing path; an empty vhost would name no vhost at all.
  parsed.vhost = (info.vhost == nullptr || *info.vhost == '\0') ? "/" : info.vhost;
  return parsed;
}

}  // namespace bossa::transport
