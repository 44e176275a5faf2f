#include "common/deck.hpp"

#include <gtest/gtest.h>

namespace crowdmesh {
namespace {

TEST(DeckTest, ParsesLettersAThroughDInEitherCase) {
  EXPECT_EQ(parse_deck("A"), DeckId::A);
  EXPECT_EQ(parse_deck("b"), DeckId::B);
  EXPECT_EQ(parse_deck("C"), DeckId::C);
  EXPECT_EQ(parse_deck("d"), DeckId::D);
}

TEST(DeckTest, RejectsUnknownNames) {
  EXPECT_FALSE(parse_deck("E").has_value());
  EXPECT_FALSE(parse_deck("").has_value());
  EXPECT_FALSE(parse_deck("AB").has_value());
}

TEST(DeckTest, ToStringRoundTrips) {
  for (auto d : kAllDecks) EXPECT_EQ(parse_deck(to_string(d)), d);
}

}  // namespace
}  // namespace crowdmesh
