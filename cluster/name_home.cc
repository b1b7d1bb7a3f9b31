#include "cluster/name_home.h"

namespace bossa {
namespace {

uint64_t fnv1a(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3;
  }
  return hash;
}

// SplitMix64's output function: every input bit reaches every output bit.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

uint64_t score(uint64_t name_hash, uint32_t node) {
  return mix(name_hash ^ mix(node));
}

}  // namespace

uint64_t name_home_score(std::string_view name, uint32_t node) {
  return score(fnv1a(name), node);
}

uint32_t name_home(std::string_view name, std::span<const uint32_t> nodes) {
  const uint64_t name_hash = fnv1a(name);
  uint32_t home = 0;
  uint64_t best = 0;
  bool any = false;
  for (uint32_t node : nodes) {
    const uint64_t node_score = score(name_hash, node);
    if (!any || node_score > best || (node_score == best && node > home)) {
      home = node;
      best = node_score;
      any = true;
    }
  }
  return home;
}

}  // namespace bossa
