#include "transport/socket/zmtp/keys.h"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace bossa::zmtp {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

// Each character's value in the alphabet, or -1.
constexpr std::array<int, 256> make_values() {
  std::array<int, 256> values{};
  for (int& v : values) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  return values;
}
constexpr std::array<int, 256> kValues = make_values();

}  // namespace

void sodium_ready() {
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();  // no usable random source: nothing can be secured
    return true;
  }();
  (void)ready;
}

absl::StatusOr<std::string> z85_encode(std::string_view data) {
  if (data.size() % 4 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("z85_encode: ", data.size(), " octets, expected a multiple of 4"));
  }
  std::string text(data.size() / 4 * 5, '\0');
  for (std::size_t i = 0, o = 0; i < data.size(); i += 4, o += 5) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<std::uint8_t>(data[i + k]);
    for (std::size_t k = 5; k-- > 0;) {
      text[o + k] = kAlphabet[v % 85];
      v /= 85;
    }
  }
  return text;
}

absl::StatusOr<std::string> z85_decode(std::string_view text) {
  if (text.size() % 5 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("z85_decode: ", text.size(), " characters, expected a multiple of 5"));
  }
  std::string data(text.size() / 5 * 4, '\0');
  for (std::size_t i = 0, o = 0; i < text.size(); i += 5, o += 4) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < 5; ++k) {
      const int digit = kValues[static_cast<unsigned char>(text[i + k])];
      if (digit < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("z85_decode: character ", i + k, " is not in the Z85 alphabet"));
      }
      v = v * 85 + static_cast<std::uint64_t>(digit);
    }
    if (v > UINT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("z85_decode: the group at character ", i, " is over 2^32 - 1"));
    }
    for (std::size_t k = 0; k < 4; ++k) data[o + k] = static_cast<char>(v >> (24 - 8 * k));
  }
  return data;
}

absl::StatusOr<std::string> curve_key_bytes(std::string_view key) {
  if (key.size() == kCurveKeySize) return std::string(key);
  if (key.size() == kCurveKeyZ85Size) return z85_decode(key);
  return absl::InvalidArgumentError(absl::StrCat(
      "a CURVE key is 32 octets or 40 characters of Z85, not ", key.size(), " octets"));
}

CurveKeyPair curve_keypair() {
  sodium_ready();
  std::uint8_t pub[crypto_box_PUBLICKEYBYTES];
  std::uint8_t sec[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(pub, sec);
  CurveKeyPair pair{*z85_encode(std::string_view(reinterpret_cast<char*>(pub), sizeof pub)),
                    *z85_encode(std::string_view(reinterpret_cast<char*>(sec), sizeof sec))};
  sodium_memzero(sec, sizeof sec);
  return pair;
}

absl::StatusOr<std::string> curve_public(std::string_view secret_key) {
  absl::StatusOr<std::string> sec = curve_key_bytes(secret_key);
  if (!sec.ok()) return sec.status();
  sodium_ready();
  std::uint8_t pub[crypto_box_PUBLICKEYBYTES];
  crypto_scalarmult_base(pub, reinterpret_cast<const std::uint8_t*>(sec->data()));
  sodium_memzero(sec->data(), sec->size());
  return z85_encode(std::string_view(reinterpret_cast<char*>(pub), sizeof pub));
}

bool curve_key_usable(std::string_view public_key, std::string_view own_secret_key) {
  if (public_key.size() != kCurveKeySize || own_secret_key.size() != kCurveKeySize) return false;
  sodium_ready();
  std::uint8_t shared[crypto_box_BEFORENMBYTES];
  const bool usable =
      crypto_box_beforenm(shared, reinterpret_cast<const std::uint8_t*>(public_key.data()),
                          reinterpret_cast<const std::uint8_t*>(own_secret_key.data())) == 0;
  sodium_memzero(shared, sizeof shared);
  return usable;
}

}  // namespace bossa::zmtp
