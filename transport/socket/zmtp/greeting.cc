#include "transport/socket/zmtp/greeting.h"

#include "absl/strings/str_cat.h"
#include "transport/socket/zmtp/wire.h"

namespace bossa::zmtp {

void append_greeting(std::string& out, const Greeting& greeting) {
  const std::size_t start = out.size();
  out.resize(start + kGreetingSize, '\0');
  char* g = out.data() + start;
  g[0] = static_cast<char>(kSignatureFirst);
  g[kSignatureSize - 1] = static_cast<char>(kSignatureLast);
  g[kVersionMajorOffset] = static_cast<char>(greeting.major);
  g[kVersionMinorOffset] = static_cast<char>(greeting.minor);
  greeting.mechanism.copy(g + kMechanismOffset, kMechanismSize);
  g[kAsServerOffset] = greeting.as_server ? 1 : 0;
}

absl::Status check_greeting_prefix(std::string_view prefix) {
  if (!prefix.empty() && static_cast<std::uint8_t>(prefix[0]) != kSignatureFirst) {
    return absl::InvalidArgumentError(absl::StrCat("ZMTP greeting: octet 0 is 0x",
                                                   absl::Hex(static_cast<std::uint8_t>(prefix[0])),
                                                   ", expected 0xff"));
  }
  if (prefix.size() >= kSignatureSize &&
      static_cast<std::uint8_t>(prefix[kSignatureSize - 1]) != kSignatureLast) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ZMTP greeting: octet 9 is 0x",
        absl::Hex(static_cast<std::uint8_t>(prefix[kSignatureSize - 1])), ", expected 0x7f"));
  }
  if (prefix.size() > kVersionMajorOffset &&
      static_cast<std::uint8_t>(prefix[kVersionMajorOffset]) < kVersionMajor) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZMTP greeting: peer speaks version ",
                     static_cast<int>(static_cast<std::uint8_t>(prefix[kVersionMajorOffset])),
                     ", bossa needs 3 or later"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Greeting> decode_greeting(std::string_view bytes) {
  if (bytes.size() < kGreetingSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZMTP greeting: ", bytes.size(), " octets, need ", kGreetingSize));
  }
  if (absl::Status s = check_greeting_prefix(bytes); !s.ok()) return s;
  Greeting g;
  g.major = static_cast<std::uint8_t>(bytes[kVersionMajorOffset]);
  g.minor = static_cast<std::uint8_t>(bytes[kVersionMinorOffset]);
  std::string_view mech = bytes.substr(kMechanismOffset, kMechanismSize);
  std::size_t len = 0;
  while (len < mech.size() && mech[len] != '\0') {
    const char c = mech[len];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return absl::InvalidArgumentError(absl::StrCat("ZMTP greeting: mechanism name has octet 0x",
                                                     absl::Hex(static_cast<std::uint8_t>(c)),
                                                     " at position ", len));
    }
    ++len;
  }
  if (len == 0) return absl::InvalidArgumentError("ZMTP greeting: empty mechanism name");
  for (std::size_t i = len; i < mech.size(); ++i) {
    if (mech[i] != '\0') {
      return absl::InvalidArgumentError("ZMTP greeting: mechanism name is not null-padded");
    }
  }
  g.mechanism = std::string(mech.substr(0, len));
  const auto as_server = static_cast<std::uint8_t>(bytes[kAsServerOffset]);
  if (as_server > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ZMTP greeting: as-server octet is ", static_cast<int>(as_server)));
  }
  g.as_server = as_server == 1;
  return g;
}

}  // namespace bossa::zmtp
