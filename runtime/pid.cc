#include "runtime/pid.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace bossa {
namespace {

template <class Int>
bool parse_number(std::string_view text, Int* out) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, *out);
  return error == std::errc() && ptr == end && !text.empty();
}

}  // namespace

std::string Pid::to_string() const {
  return absl::StrCat("<", node, ".", serial, ">");
}

std::optional<Pid> Pid::parse(std::string_view text) {
  if (text.size() < 2 || text.front() != '<' || text.back() != '>') return std::nullopt;
  text = text.substr(1, text.size() - 2);
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  Pid pid;
  if (!parse_number(text.substr(0, dot), &pid.node) ||
      !parse_number(text.substr(dot + 1), &pid.serial)) {
    return std::nullopt;
  }
  return pid;
}

std::ostream& operator<<(std::ostream& out, const Pid& pid) {
  return out << pid.to_string();
}

}  // namespace bossa
