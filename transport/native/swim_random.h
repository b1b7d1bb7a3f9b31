// SwimRandom: the membership protocol's source of randomness, seeded by its owner so that a run
// can be replayed (the simulation) and two nodes never draw alike (the transport seeds each from
// its id and the clock).
//
// SplitMix64 (Steele, Lea, Flood 2014): 8 bytes of state, the same sequence on every platform;
// not for secrets. Thread-safety: none; one owner.
#pragma once

#include <cstdint>

namespace bossa::transport {

class SwimRandom {
 public:
  explicit SwimRandom(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) for n > 0 (the multiply-shift reduction: a bias below 2^-32 for the
  // sizes used here).
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * uint64_t{n}) >> 32); }

  // True with probability p.
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t state_;
};

}  // namespace bossa::transport
