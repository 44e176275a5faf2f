#include "common/deck.hpp"

#include "common/error.hpp"

namespace crowdmesh {

std::optional<DeckId> parse_deck(std::string_view name) {
  if (name.size() != 1) return std::nullopt;
  switch (name[0]) {
    case 'A':
    case 'a': return DeckId::A;
    case 'B':
    case 'b': return DeckId::B;
    case 'C':
    case 'c': return DeckId::C;
    case 'D':
    case 'd': return DeckId::D;
    default: return std::nullopt;
  }
}

caf::expected<DeckId> deck_named(std::string_view name) {
  if (auto d = parse_deck(name)) return *d;
  return make_error(errc::unknown_deck, "unknown deck '" + std::string(name) + "' (allowed: A, B, C, D)");
}

std::string to_string(DeckId deck) { return std::string(1, static_cast<char>('A' + index_of(deck))); }

}  // namespace crowdmesh
