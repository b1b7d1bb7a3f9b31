// ExitReason: why an actor stopped, carried by exit signals and down messages.
//
// As in Erlang, `normal` is the quiet exit that linked actors ignore unless they trap exits; every
// other reason kills linked actors that do not trap exits. `kill` is the untrappable reason: the
// actor it reaches dies with `killed`, and that is what its own links then see. An exception thrown
// by actor code becomes an `error` reason holding the exception's text.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace bossa {

class ExitReason {
 public:
  enum class Kind { kNormal, kShutdown, kKill, kKilled, kNoProc, kNoConnection, kError };

  ExitReason() = default;  // normal

  static ExitReason normal() { return ExitReason(Kind::kNormal, {}); }
  // An orderly stop ordered from outside (a supervisor, a runtime shutdown).
  static ExitReason shutdown() { return ExitReason(Kind::kShutdown, {}); }
  // An orderly stop that says why (Erlang's {shutdown, Detail}).
  static ExitReason shutdown(std::string detail) {
    return ExitReason(Kind::kShutdown, std::move(detail));
  }
  // Untrappable: the receiver dies with killed().
  static ExitReason kill() { return ExitReason(Kind::kKill, {}); }
  static ExitReason killed() { return ExitReason(Kind::kKilled, {}); }
  // The target of a link or monitor did not exist.
  static ExitReason noproc() { return ExitReason(Kind::kNoProc, {}); }
  // The node of the target became unreachable.
  static ExitReason noconnection() { return ExitReason(Kind::kNoConnection, {}); }
  static ExitReason error(std::string text) { return ExitReason(Kind::kError, std::move(text)); }

  Kind kind() const noexcept { return kind_; }
  bool is_normal() const noexcept { return kind_ == Kind::kNormal; }
  // The text of an error reason, or the detail of a shutdown; empty for the others.
  const std::string& detail() const noexcept { return detail_; }
  // "normal", "shutdown", "killed", ..., or "error: <text>".
  std::string to_string() const;

  friend bool operator==(const ExitReason&, const ExitReason&) = default;

 private:
  ExitReason(Kind kind, std::string detail) : kind_(kind), detail_(std::move(detail)) {}

  Kind kind_ = Kind::kNormal;
  std::string detail_;
};

std::ostream& operator<<(std::ostream& out, const ExitReason& reason);

}  // namespace bossa
