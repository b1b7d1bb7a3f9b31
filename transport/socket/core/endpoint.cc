#include "transport/socket/core/endpoint.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace bossa::socket {

absl::StatusOr<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint ep;
  ep.text = std::string(text);
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint '", ep.text, "': expected <transport>://<address>"));
  }
  const std::string_view scheme = text.substr(0, sep);
  const std::string_view rest = text.substr(sep + 3);
  if (rest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("endpoint '", ep.text, "': empty address"));
  }
  if (scheme == "inproc") {
    ep.kind = Endpoint::Kind::kInproc;
    ep.address = std::string(rest);
    return ep;
  }
  if (scheme == "ipc") {
    ep.kind = Endpoint::Kind::kIpc;
    ep.address = std::string(rest);
    if (ep.address.size() > 107) {
      return absl::InvalidArgumentError(
          absl::StrCat("endpoint '", ep.text, "': ipc path longer than 107 octets"));
    }
    return ep;
  }
  if (scheme != "tcp") {
    return absl::InvalidArgumentError(absl::StrCat("endpoint '", ep.text, "': unknown transport '",
                                                   std::string(scheme),
                                                   "', expected inproc, ipc or tcp"));
  }
  ep.kind = Endpoint::Kind::kTcp;
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint '", ep.text, "': tcp needs host:port"));
  }
  std::string_view host = rest.substr(0, colon);
  const std::string_view port = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("endpoint '", ep.text, "': empty host"));
  }
  ep.address = std::string(host);
  if (port == "*") {
    ep.port = 0;
    return ep;
  }
  std::uint32_t p = 0;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(absl::string_view(port.data(), port.size()), &p) || p > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint '", ep.text, "': bad port '", std::string(port), "'"));
  }
  ep.port = static_cast<std::uint16_t>(p);
  return ep;
}

std::string format_endpoint(const Endpoint& endpoint) {
  switch (endpoint.kind) {
    case Endpoint::Kind::kInproc:
      return absl::StrCat("inproc://", endpoint.address);
    case Endpoint::Kind::kIpc:
      return absl::StrCat("ipc://", endpoint.address);
    case Endpoint::Kind::kTcp:
      break;
  }
  const bool bracketed = endpoint.address.find(':') != std::string::npos;
  return absl::StrCat("tcp://", bracketed ? "[" : "", endpoint.address, bracketed ? "]" : "", ":",
                      endpoint.port == 0 ? "*" : absl::StrCat(endpoint.port));
}

}  // namespace bossa::socket
