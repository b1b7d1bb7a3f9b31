#include "serialization/message_codec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace bossa::message_detail {

std::vector<std::string> split_field_names(std::string_view list) {
  std::vector<std::string> names;
  const absl::string_view names_list(list.data(), list.size());
  for (absl::string_view name : absl::StrSplit(names_list, ',', absl::SkipWhitespace())) {
    names.emplace_back(absl::StripAsciiWhitespace(name));
  }
  return names;
}

}  // namespace bossa::message_detail
