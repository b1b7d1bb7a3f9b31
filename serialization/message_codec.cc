#include "serialization/message_codec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace bossa::message_detail {

std::vector<std::string> split_field_names(std::string_view list) {
  std::vector<std::string> names;
  for (absl::string_view name : absl::StrSplit(absl::string_view(list.data(), list.size()), ',')) {
    names.emplace_back(absl::StripAsciiWhitespace(name));
  }
  return names;
}

}  // namespace bossa::message_detail
