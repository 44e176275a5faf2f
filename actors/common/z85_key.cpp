#include "common/z85_key.hpp"

#include <cstring>

namespace crowdmesh {
namespace {

// RFC 32 (https://rfc.zeromq.org/spec/32/): the Z85 alphabet, in value order.
constexpr char kAlphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

int value_of(char c) {
  const char* p = std::strchr(kAlphabet, c);
  return (p && c != '\0') ? static_cast<int>(p - kAlphabet) : -1;
}

}  // namespace

std::optional<std::array<std::uint8_t, 32>> decode_z85_key(const std::string& text) {
  if (text.size() != kZ85KeyChars) return std::nullopt;
  std::array<std::uint8_t, 32> out{};
  for (std::size_t group = 0; group < 8; ++group) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 5; ++i) {
      const int v = value_of(text[group * 5 + i]);
      if (v < 0) return std::nullopt;
      value = value * 85 + static_cast<std::uint64_t>(v);
    }
    if (value > 0xFFFFFFFFull) return std::nullopt;
    for (std::size_t b = 0; b < 4; ++b) out[group * 4 + b] = static_cast<std::uint8_t>(value >> (24 - 8 * b));
  }
  return out;
}

std::string encode_z85_key(const std::array<std::uint8_t, 32>& key) {
  std::string out;
  out.reserve(kZ85KeyChars);
  for (std::size_t group = 0; group < 8; ++group) {
    std::uint32_t value = 0;
    for (std::size_t b = 0; b < 4; ++b) value = (value << 8) | key[group * 4 + b];
    char chunk[5];
    for (int i = 4; i >= 0; --i) {
      chunk[i] = kAlphabet[value % 85];
      value /= 85;
    }
    out.append(chunk, 5);
  }
  return out;
}

std::string z85_key_problem(const std::string& text) {
  if (text.size() != kZ85KeyChars)
    return "has " + std::to_string(text.size()) + " characters; a CURVE key has 40 (Z85, as printed by " +
           "control_node keygen)";
  for (char c : text)
    if (value_of(c) < 0)
      return std::string("contains '") + (c >= 0x20 && c < 0x7f ? std::string(1, c) : std::string("\\x?")) +
             "', which is not a Z85 character (a CURVE key is 40 Z85 characters, as printed by control_node keygen)";
  if (!decode_z85_key(text)) return "is not a Z85-encoded 32-byte key (a group of 5 characters is out of range)";
  return {};
}

}  // namespace crowdmesh
