// name_home: which node is a global name's home, the one node its claims go to (GlobalNames).
//
// Rendezvous hashing: of the nodes given, the home is the one whose score for (name, node) is
// highest, ties to the higher id. A node going down moves only the names it was home of; one
// coming up takes over only the names it scores highest for. The score is a fixed function
// (FNV-1a of the name, mixed with the node id by SplitMix64's finalizer), so every process of
// every build computes the same home from the same view: never absl::Hash or std::hash, which
// are seeded per process.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace bossa {

// The score of `node` for `name`.
uint64_t name_home_score(std::string_view name, uint32_t node);

// The home of `name` among `nodes` (duplicates allowed); 0 if `nodes` is empty.
uint32_t name_home(std::string_view name, std::span<const uint32_t> nodes);

}  // namespace bossa
