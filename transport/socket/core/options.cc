#include "transport/socket/core/options.h"

#include "absl/strings/str_cat.h"

namespace bossa::socket {
namespace {

absl::Status OutOfRange(Option option, std::int64_t value, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("option ", std::string(OptionName(option)), ": ",
                                                 value, " is out of range, expected ",
                                                 std::string(expected)));
}

}  // namespace

std::string_view OptionName(Option option) {
  switch (option) {
    case Option::sndhwm:
      return "sndhwm";
    case Option::rcvhwm:
      return "rcvhwm";
    case Option::linger:
      return "linger";
    case Option::sndtimeo:
      return "sndtimeo";
    case Option::rcvtimeo:
      return "rcvtimeo";
    case Option::reconnect_ivl:
      return "reconnect_ivl";
    case Option::reconnect_ivl_max:
      return "reconnect_ivl_max";
    case Option::heartbeat_ivl:
      return "heartbeat_ivl";
    case Option::heartbeat_ttl:
      return "heartbeat_ttl";
    case Option::heartbeat_timeout:
      return "heartbeat_timeout";
    case Option::maxmsgsize:
      return "maxmsgsize";
    case Option::immediate:
      return "immediate";
    case Option::routing_id:
      return "routing_id";
    case Option::router_mandatory:
      return "router_mandatory";
    case Option::ipv6:
      return "ipv6";
    case Option::backlog:
      return "backlog";
    case Option::xpub_verbose:
      return "xpub_verbose";
    case Option::probe_router:
      return "probe_router";
    case Option::req_relaxed:
      return "req_relaxed";
    case Option::req_correlate:
      return "req_correlate";
    case Option::conflate:
      return "conflate";
    case Option::subscribe:
      return "subscribe";
    case Option::unsubscribe:
      return "unsubscribe";
    case Option::last_endpoint:
      return "last_endpoint";
    case Option::type:
      return "type";
  }
  return "unknown";
}

absl::Status Options::set(Option option, std::int64_t value) {
  auto at_least = [&](std::int64_t low, std::int64_t& field) {
    if (value < low) return OutOfRange(option, value, absl::StrCat(">= ", low));
    field = value;
    return absl::OkStatus();
  };
  auto flag = [&](bool& field) {
    if (value != 0 && value != 1) return OutOfRange(option, value, "0 or 1");
    field = value == 1;
    return absl::OkStatus();
  };
  switch (option) {
    case Option::sndhwm:
      return at_least(0, sndhwm);
    case Option::rcvhwm:
      return at_least(0, rcvhwm);
    case Option::linger:
      return at_least(-1, linger);
    case Option::sndtimeo:
      return at_least(-1, sndtimeo);
    case Option::rcvtimeo:
      return at_least(-1, rcvtimeo);
    case Option::reconnect_ivl:
      return at_least(-1, reconnect_ivl);
    case Option::reconnect_ivl_max:
      return at_least(0, reconnect_ivl_max);
    case Option::heartbeat_ivl:
      return at_least(0, heartbeat_ivl);
    case Option::heartbeat_ttl:
      if (value > 6553500) return OutOfRange(option, value, "<= 6553500");
      return at_least(0, heartbeat_ttl);
    case Option::heartbeat_timeout:
      return at_least(-1, heartbeat_timeout);
    case Option::maxmsgsize:
      return at_least(-1, maxmsgsize);
    case Option::immediate:
      return flag(immediate);
    case Option::router_mandatory:
      return flag(router_mandatory);
    case Option::ipv6:
      return flag(ipv6);
    case Option::backlog:
      return at_least(1, backlog);
    case Option::xpub_verbose:
      return flag(xpub_verbose);
    case Option::probe_router:
      return flag(probe_router);
    case Option::req_relaxed:
      return flag(req_relaxed);
    case Option::req_correlate:
      return flag(req_correlate);
    case Option::conflate:
      return flag(conflate);
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("option ", std::string(OptionName(option)), " does not take an integer"));
  }
}

absl::Status Options::set(Option option, std::string_view value) {
  if (option != Option::routing_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("option ", std::string(OptionName(option)), " does not take a string"));
  }
  if (value.empty() || value.size() > 255) {
    return absl::InvalidArgumentError(
        absl::StrCat("option routing_id: ", value.size(), " octets, expected 1 to 255"));
  }
  if (value[0] == '\0') {
    return absl::InvalidArgumentError(
        "option routing_id: may not start with a zero octet (reserved for generated ids)");
  }
  routing_id = std::string(value);
  return absl::OkStatus();
}

absl::StatusOr<std::int64_t> Options::get_int(Option option) const {
  switch (option) {
    case Option::sndhwm:
      return sndhwm;
    case Option::rcvhwm:
      return rcvhwm;
    case Option::linger:
      return linger;
    case Option::sndtimeo:
      return sndtimeo;
    case Option::rcvtimeo:
      return rcvtimeo;
    case Option::reconnect_ivl:
      return reconnect_ivl;
    case Option::reconnect_ivl_max:
      return reconnect_ivl_max;
    case Option::heartbeat_ivl:
      return heartbeat_ivl;
    case Option::heartbeat_ttl:
      return heartbeat_ttl;
    case Option::heartbeat_timeout:
      return heartbeat_timeout;
    case Option::maxmsgsize:
      return maxmsgsize;
    case Option::immediate:
      return immediate ? 1 : 0;
    case Option::router_mandatory:
      return router_mandatory ? 1 : 0;
    case Option::ipv6:
      return ipv6 ? 1 : 0;
    case Option::backlog:
      return backlog;
    case Option::xpub_verbose:
      return xpub_verbose ? 1 : 0;
    case Option::probe_router:
      return probe_router ? 1 : 0;
    case Option::req_relaxed:
      return req_relaxed ? 1 : 0;
    case Option::req_correlate:
      return req_correlate ? 1 : 0;
    case Option::conflate:
      return conflate ? 1 : 0;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("option ", std::string(OptionName(option)), " is not an integer option"));
  }
}

bool ConflatesInbound(zmtp::SocketType type, const Options& options) {
  using T = zmtp::SocketType;
  return options.conflate && (type == T::pull || type == T::sub || type == T::dealer);
}

bool ConflatesOutbound(zmtp::SocketType type, const Options& options) {
  using T = zmtp::SocketType;
  return options.conflate && (type == T::push || type == T::pub || type == T::dealer);
}

}  // namespace bossa::socket
