// Mixer snapshots → wire: silence and killed bands as a number, never -inf.
#include "mixer/mixer_proto.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace crowdmesh::mixer {
namespace {

TEST(MixerProtoTest, KilledEqBandsAndSilentGainsReportMinus200Db) {
  DeckStatus d;
  d.deck = DeckId::C;
  d.gain_db = -200.0;
  d.eq_db = {-std::numeric_limits<float>::infinity(), -6.0f, 3.0f};
  crowdmesh::v1::DeckState out;
  to_proto(d, out);
  EXPECT_EQ(out.deck(), crowdmesh::v1::DECK_C);
  EXPECT_EQ(out.gain_db(), -200.0);
  EXPECT_EQ(out.eq_low_gain_db(), -200.0);
  EXPECT_EQ(out.eq_mid_gain_db(), -6.0);
  EXPECT_EQ(out.eq_high_gain_db(), 3.0);
}

TEST(MixerProtoTest, WireDecksMapBothWaysAndUnknownNumbersAreRefused) {
  for (const auto d : kAllDecks) EXPECT_EQ(deck_from_wire(wire_deck(d)), d);
  EXPECT_FALSE(deck_from_wire(crowdmesh::v1::DECK_UNSPECIFIED));
  EXPECT_FALSE(deck_from_wire(9));
}

}  // namespace
}  // namespace crowdmesh::mixer
