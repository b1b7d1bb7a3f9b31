#include "runtime/exit_reason.h"

#include "absl/strings/str_cat.h"

namespace bossa {

std::string ExitReason::to_string() const {
  switch (kind_) {
    case Kind::kNormal:
      return "normal";
    case Kind::kShutdown:
      return detail_.empty() ? "shutdown" : absl::StrCat("shutdown: ", detail_);
    case Kind::kKill:
      return "kill";
    case Kind::kKilled:
      return "killed";
    case Kind::kNoProc:
      return "noproc";
    case Kind::kNoConnection:
      return "noconnection";
    case Kind::kError:
      return absl::StrCat("error: ", detail_);
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& out, const ExitReason& reason) {
  return out << reason.to_string();
}

}  // namespace bossa
