#include "mixer/load_generations.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::mixer {
namespace {

TEST(LoadGenerationsTest, AReloadSupersedesAnEarlierPendingLoad) {
  LoadGenerations loads;
  const auto first = loads.begin(DeckId::A, 1);
  EXPECT_TRUE(loads.current(DeckId::A, 1, first));
  const auto second = loads.begin(DeckId::A, 1);
  EXPECT_FALSE(loads.current(DeckId::A, 1, first)) << "the earlier load's completion is stale";
  EXPECT_TRUE(loads.current(DeckId::A, 1, second));
}

TEST(LoadGenerationsTest, LoadsOfOtherBuffersAndDecksDoNotSupersedeEachOther) {
  LoadGenerations loads;
  const auto a1 = loads.begin(DeckId::A, 1);
  const auto a2 = loads.begin(DeckId::A, 2);
  const auto b1 = loads.begin(DeckId::B, 1);
  EXPECT_TRUE(loads.current(DeckId::A, 1, a1));
  EXPECT_TRUE(loads.current(DeckId::A, 2, a2));
  EXPECT_TRUE(loads.current(DeckId::B, 1, b1));
  EXPECT_FALSE(loads.current(DeckId::B, 1, a1)) << "a generation belongs to its own buffer";
}

TEST(LoadGenerationsTest, UnloadingABufferMakesItsPendingLoadStale) {
  LoadGenerations loads;
  const auto first = loads.begin(DeckId::C, 4);
  const auto other = loads.begin(DeckId::C, 5);
  loads.forget(DeckId::C, 4);
  EXPECT_FALSE(loads.current(DeckId::C, 4, first));
  EXPECT_TRUE(loads.current(DeckId::C, 5, other));
  const auto again = loads.begin(DeckId::C, 4);
  EXPECT_NE(again, first) << "a generation is never handed out twice";
  EXPECT_TRUE(loads.current(DeckId::C, 4, again));
  EXPECT_FALSE(loads.current(DeckId::C, 4, first));
}

TEST(LoadGenerationsTest, ClearMakesEveryPendingLoadStale) {
  LoadGenerations loads;
  const auto a = loads.begin(DeckId::A, 1);
  const auto d = loads.begin(DeckId::D, 9);
  loads.clear();
  EXPECT_FALSE(loads.current(DeckId::A, 1, a));
  EXPECT_FALSE(loads.current(DeckId::D, 9, d));
}

TEST(LoadGenerationsTest, NoGenerationIsCurrentForABufferNeverLoaded) {
  LoadGenerations loads;
  EXPECT_FALSE(loads.current(DeckId::B, 3, 0));
  EXPECT_FALSE(loads.current(DeckId::B, 3, 1));
}

}  // namespace
}  // namespace crowdmesh::mixer
