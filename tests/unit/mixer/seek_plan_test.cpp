#include "mixer/seek_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "common/error.hpp"
#include "tone_load.hpp"

namespace crowdmesh::mixer {
namespace {

class SeekPlanTest : public ::testing::Test {
 protected:
  SeekPlanTest() : mixer_(test::test_mixer_config()) {}
  Mixer mixer_;
};

TEST_F(SeekPlanTest, RefusesANegativeOrNonFinitePositionWithTheRange) {
  test::load_tone(mixer_, DeckId::A, 1);
  for (double s : {-0.5, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    const auto plan = SeekPlan::make(mixer_.deck(DeckId::A), std::nullopt, s);
    ASSERT_FALSE(plan) << s;
    EXPECT_EQ(error_code(plan.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(plan.error()).find("(allowed: 0 s or more)"), std::string::npos);
  }
  EXPECT_TRUE(SeekPlan::make(mixer_.deck(DeckId::A), std::nullopt, 0.0));
}

TEST_F(SeekPlanTest, ReopensEveryBufferThatHasAReader) {
  test::load_tone(mixer_, DeckId::B, 1);
  test::load_tone(mixer_, DeckId::B, 2);
  mixer_.begin_load(DeckId::B, 3, "/tmp/slow.mp3");
  const auto plan = SeekPlan::make(mixer_.deck(DeckId::B), std::nullopt, 1.5);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->targets().size(), 2u);
  EXPECT_EQ(plan->targets()[0].buffer_id, 1u);
  EXPECT_EQ(plan->targets()[1].buffer_id, 2u);
  EXPECT_EQ(plan->targets()[0].status.info.path, "/tmp/test.wav");
}

TEST_F(SeekPlanTest, ReopensOnlyTheNamedBuffer) {
  test::load_tone(mixer_, DeckId::B, 1);
  test::load_tone(mixer_, DeckId::B, 2);
  const auto plan = SeekPlan::make(mixer_.deck(DeckId::B), 2u, 1.5);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->targets().size(), 1u);
  EXPECT_EQ(plan->targets()[0].buffer_id, 2u);
}

TEST_F(SeekPlanTest, AnUnknownBufferIsRefusedListingTheLoadedIds) {
  test::load_tone(mixer_, DeckId::C, 1);
  test::load_tone(mixer_, DeckId::C, 2);
  const auto plan = SeekPlan::make(mixer_.deck(DeckId::C), 9u, 1.0);
  ASSERT_FALSE(plan);
  EXPECT_EQ(error_code(plan.error()), errc::unknown_buffer);
  EXPECT_EQ(error_sentence(plan.error()), "deck C has no buffer 9 (loaded: 1, 2)");
  const auto empty = SeekPlan::make(mixer_.deck(DeckId::D), 1u, 1.0);
  ASSERT_FALSE(empty);
  EXPECT_EQ(error_sentence(empty.error()), "deck D has no buffer 1 (loaded: none)");
}

TEST_F(SeekPlanTest, ADeckWithNoBufferToSeekIsNotReady) {
  mixer_.begin_load(DeckId::A, 1, "/tmp/slow.mp3");
  for (auto only : {std::optional<std::uint32_t>{}, std::optional<std::uint32_t>{1u}}) {
    const auto plan = SeekPlan::make(mixer_.deck(DeckId::A), only, 1.0);
    ASSERT_FALSE(plan);
    EXPECT_EQ(error_code(plan.error()), errc::not_ready);
    EXPECT_EQ(error_sentence(plan.error()), "deck A has no loaded buffer to seek");
  }
}

TEST_F(SeekPlanTest, AnswersAfterTheLastReplyWithTheFirstError) {
  test::load_tone(mixer_, DeckId::A, 1);
  test::load_tone(mixer_, DeckId::A, 2);
  test::load_tone(mixer_, DeckId::A, 3);
  auto plan = SeekPlan::make(mixer_.deck(DeckId::A), std::nullopt, 1.0);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->opened());
  EXPECT_FALSE(plan->failed(make_error(errc::file_not_found, "first")));
  EXPECT_TRUE(plan->failed(make_error(errc::unreadable_file, "second")));
  EXPECT_EQ(error_sentence(plan->first_error()), "first");
}

TEST_F(SeekPlanTest, AnswersWithoutErrorWhenEveryReaderOpened) {
  test::load_tone(mixer_, DeckId::A, 1);
  test::load_tone(mixer_, DeckId::A, 2);
  auto plan = SeekPlan::make(mixer_.deck(DeckId::A), std::nullopt, 1.0);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->opened());
  EXPECT_TRUE(plan->opened());
  EXPECT_FALSE(plan->first_error());
}

}  // namespace
}  // namespace crowdmesh::mixer
