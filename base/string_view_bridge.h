// Conversions between std::string_view and absl::string_view, which are distinct types in
// Debian's Abseil (built without ABSL_OPTION_USE_STD_STRING_VIEW): for absl::StrCat, for lookups
// in Abseil containers keyed by std::string, and for Status messages.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace bossa {

inline absl::string_view as_absl(std::string_view s) noexcept {
  return absl::string_view(s.data(), s.size());
}

inline std::string_view as_std(absl::string_view s) noexcept {
  return std::string_view(s.data(), s.size());
}

}  // namespace bossa
