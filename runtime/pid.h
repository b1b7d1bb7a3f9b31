// Pid: the address of one actor in a cluster.
//
// A pid is a plain value, `<node>.<serial>`: the id of the node that spawned the actor and a serial
// number that the node never reuses. Pids are cheap to copy, hash and compare, and are the only way
// user code refers to an actor, local or remote. The zero pid (serial 0) means "nobody".
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace bossa {

struct Pid {
  uint32_t node = 0;
  uint64_t serial = 0;

  // True unless this is the zero pid.
  constexpr bool valid() const noexcept { return serial != 0; }
  constexpr explicit operator bool() const noexcept { return valid(); }

  // "<node>.<serial>", e.g. "<1.42>".
  std::string to_string() const;
  // Parses what to_string produces; nullopt for anything else.
  static std::optional<Pid> parse(std::string_view text);

  friend constexpr auto operator<=>(const Pid&, const Pid&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const Pid& pid) {
    return H::combine(std::move(h), pid.node, pid.serial);
  }
};

std::ostream& operator<<(std::ostream& out, const Pid& pid);

}  // namespace bossa
