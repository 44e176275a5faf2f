#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "caf/expected.hpp"

namespace crowdmesh {

/// Decks of a mixer, named A–D as in the original OSC API.
enum class DeckId : int { A = 0, B = 1, C = 2, D = 3 };
constexpr int kDeckCount = 4;
constexpr std::array<DeckId, kDeckCount> kAllDecks{DeckId::A, DeckId::B, DeckId::C, DeckId::D};

/// Parses "A".."D" (case-insensitive); nullopt for anything else.
std::optional<DeckId> parse_deck(std::string_view name);

/// parse_deck(), or errc::unknown_deck with "unknown deck 'E' (allowed: A, B,
/// C, D)" for anything else. Thread-safe (pure).
caf::expected<DeckId> deck_named(std::string_view name);

/// "A".."D".
std::string to_string(DeckId deck);

/// Index 0..3 for arrays of decks.
constexpr int index_of(DeckId deck) { return static_cast<int>(deck); }

}  // namespace crowdmesh
