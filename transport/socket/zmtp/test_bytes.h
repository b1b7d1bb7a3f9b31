// Bytes: wire bytes written as octets, for the codec's byte-by-byte tests
// (Bytes({0x01, 0x00}) is a frame header with an empty body). Test-only.
#ifndef BOSSA_TRANSPORT_SOCKET_ZMTP_TEST_BYTES_H_
#define BOSSA_TRANSPORT_SOCKET_ZMTP_TEST_BYTES_H_

#include <initializer_list>
#include <string>

namespace bossa::zmtp {

inline std::string Bytes(std::initializer_list<int> octets) {
  std::string s;
  for (int o : octets) s.push_back(static_cast<char>(o));
  return s;
}

}  // namespace bossa::zmtp

#endif  // BOSSA_TRANSPORT_SOCKET_ZMTP_TEST_BYTES_H_
