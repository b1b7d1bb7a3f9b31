// bytes(): wire bytes written as octets, for the codec's byte-by-byte tests
// (bytes({0x01, 0x00}) is a frame header with an empty body). Test-only.
#pragma once

#include <initializer_list>
#include <string>

namespace bossa::zmtp {

inline std::string bytes(std::initializer_list<int> octets) {
  std::string s;
  for (int o : octets) s.push_back(static_cast<char>(o));
  return s;
}

}  // namespace bossa::zmtp
