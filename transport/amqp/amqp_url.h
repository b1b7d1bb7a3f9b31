// AmqpUrl: where a node finds its broker, read from an amqp:// or amqps:// URL.
//
//   amqp://user:password@host:port/vhost     defaults: guest, guest, 127.0.0.1, 5672 (amqps: 5671),
//   /
//
// The vhost is the URL's path with percent-escapes decoded ("/%2F" is the vhost "/"), as the AMQP
// URI specification says; a bare "/" path, which the specification reads as the empty vhost, is
// taken as "/" (the vhost every broker has), so that "amqp://host:5672/" works as users expect.
// `display` is the URL with its password hidden: it is what errors and logs show.
//
// A plain value; parse_amqp_url has no shared state.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bossa::transport {

struct AmqpUrl {
  bool tls = false;  // amqps://
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string vhost;
  std::string display;  // the URL with the password replaced by "***"
};

// InvalidArgument naming the URL (password hidden) and what is wrong with it.
absl::StatusOr<AmqpUrl> parse_amqp_url(std::string_view url);

}  // namespace bossa::transport
