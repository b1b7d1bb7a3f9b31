#include "serialization/content/json_text.h"

#include "absl/strings/str_cat.h"

namespace bossa::content {

absl::StatusOr<nlohmann::json> parse_json(std::string_view text, const DecodeLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON of ", text.size(), " bytes exceeds the limit of ", limits.max_bytes));
  }
  bool too_deep = false;
  // depth is the number of arrays and objects around the one that starts.
  auto bound_depth = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    const bool starts = event == nlohmann::json::parse_event_t::object_start ||
                        event == nlohmann::json::parse_event_t::array_start;
    if (starts && depth >= limits.nesting_limit) too_deep = true;
    return !too_deep;
  };
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text.begin(), text.end(), bound_depth);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed JSON: ", e.what()));
  }
  if (too_deep) {
    return absl::InvalidArgumentError(absl::StrCat("JSON nested deeper than the limit of ",
                                                   limits.nesting_limit, " arrays and objects"));
  }
  return parsed;
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bossa::content
