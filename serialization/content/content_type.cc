#include "serialization/content/content_type.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/string_view_bridge.h"

namespace bossa::content {
namespace {

absl::string_view unquote(absl::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

}  // namespace

ContentType parse_content_type(std::string_view text) {
  ContentType parsed;
  std::vector<absl::string_view> parts = absl::StrSplit(as_absl(text), ';');
  if (parts.empty()) return parsed;  // a null view (an absent content type) splits into nothing
  parsed.media = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts.front()));
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t equals = parts[i].find('=');
    if (equals == absl::string_view::npos) continue;
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(parts[i].substr(0, equals)), "type")) {
      continue;
    }
    parsed.type = std::string(unquote(absl::StripAsciiWhitespace(parts[i].substr(equals + 1))));
  }
  return parsed;
}

std::string format_content_type(std::string_view media, std::string_view type) {
  if (type.empty()) return std::string(media);
  return absl::StrCat(as_absl(media), "; type=", as_absl(type));
}

}  // namespace bossa::content
