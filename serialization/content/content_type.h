// ContentType: the media type of a body from outside the cluster and the one parameter bossa
// reads, `type`, the registered wire type name the body holds:
//
//   application/json; type=shop.lookup        media "application/json", type "shop.lookup"
//   text/plain; charset=utf-8                 media "text/plain", type "" (charset ignored)
//
// Media types and parameter names compare case-insensitively (media is kept lower-case); the
// type name is case-sensitive, may be quoted, and the last `type` wins. Other parameters are
// ignored. The text is untrusted: parsing never fails, a malformed parameter is skipped.
// Free functions without shared state.
#pragma once

#include <string>
#include <string_view>

namespace bossa::content {

inline constexpr std::string_view kText = "text/plain";
inline constexpr std::string_view kOctets = "application/octet-stream";
inline constexpr std::string_view kValue = "application/vnd.bossa.value";
inline constexpr std::string_view kJson = "application/json";

struct ContentType {
  std::string media;  // lower-case, no parameters; empty for an empty header
  std::string type;   // the `type` parameter; empty when absent
};

ContentType parse_content_type(std::string_view text);

// "<media>" or "<media>; type=<type>".
std::string format_content_type(std::string_view media, std::string_view type);

}  // namespace bossa::content
