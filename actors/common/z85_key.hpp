#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace crowdmesh {

/// Length of a CURVE key (public or secret) written in Z85: 32 bytes → 40
/// characters (ZeroMQ RFC 32, "Z85": every 4 bytes become 5 characters).
inline constexpr std::size_t kZ85KeyChars = 40;

/// Decodes a 40-character Z85 CURVE key into its 32 bytes (RFC 32/Z85 alphabet
/// "0-9a-zA-Z.-:+=^!/*?&<>()[]{}@%$#"). nullopt when the text is not exactly 40
/// characters of that alphabet, or a 5-character group is above 2^32 − 1.
/// Pure, thread-safe.
std::optional<std::array<std::uint8_t, 32>> decode_z85_key(const std::string& text);

/// Encodes 32 key bytes as 40 Z85 characters (RFC 32). Pure, thread-safe.
std::string encode_z85_key(const std::array<std::uint8_t, 32>& key);

/// Empty when `text` is a valid Z85 CURVE key, else why not, as a phrase to
/// follow the value in an error sentence ("has 39 characters; a CURVE key has
/// 40 (Z85, as printed by control_node keygen)"). Pure, thread-safe.
std::string z85_key_problem(const std::string& text);

}  // namespace crowdmesh
