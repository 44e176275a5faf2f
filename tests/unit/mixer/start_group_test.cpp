#include "mixer/start_group.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "tone_load.hpp"

namespace crowdmesh::mixer {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Names = std::vector<std::string>;

class StartGroupTest : public ::testing::Test {
 protected:
  StartGroupTest() : mixer_(test::test_mixer_config()) {}
  BufferState state_of(DeckId d) {
    return mixer_.status().decks[static_cast<std::size_t>(index_of(d))].buffers[0].state;
  }
  const Clock::time_point t0_ = Clock::time_point{} + 10s;
  Mixer mixer_;
};

TEST_F(StartGroupTest, NamesThatAreNotDecksAreReportedAsUnknown) {
  test::load_tone(mixer_, DeckId::A, 1);
  StartGroup group({"a", "Z"}, 0, t0_);
  ASSERT_EQ(group.decks(), std::vector<DeckId>{DeckId::A});
  const auto r = group.start(mixer_);
  EXPECT_EQ(r.started, Names{"A"});
  EXPECT_EQ(r.not_ready, Names{"Z: unknown deck (allowed: A, B, C, D)"});
}

TEST_F(StartGroupTest, IsNotSettledWhileADeckLoadsItsFirstBuffer) {
  StartGroup group({"A", "B"}, 0, t0_);
  test::load_tone(mixer_, DeckId::A, 1);
  mixer_.begin_load(DeckId::B, 1, "/tmp/slow.mp3");
  EXPECT_FALSE(group.settled(mixer_));
  mixer_.fail_load(DeckId::B, 1, errc::file_not_found, "file not found: /tmp/slow.mp3");
  EXPECT_TRUE(group.settled(mixer_)) << "a failed load cannot load any more";
}

TEST_F(StartGroupTest, IsNotSettledWhileADeckReloads) {
  StartGroup group({"A"}, 0, t0_);
  test::load_tone(mixer_, DeckId::A, 1);
  EXPECT_TRUE(group.settled(mixer_));
  mixer_.begin_load(DeckId::A, 1, "/tmp/next.wav");
  EXPECT_FALSE(group.settled(mixer_));
  mixer_.fail_load(DeckId::A, 1, errc::file_not_found, "file not found: /tmp/next.wav");
  EXPECT_TRUE(group.settled(mixer_));
}

TEST_F(StartGroupTest, IsDueOnceSettledOrAtTheDeadline) {
  StartGroup group({"A"}, 0, t0_ + 100ms);
  mixer_.begin_load(DeckId::A, 1, "/tmp/slow.mp3");
  EXPECT_FALSE(group.due(mixer_, t0_ + 99ms));
  EXPECT_TRUE(group.due(mixer_, t0_ + 100ms));
  test::load_tone(mixer_, DeckId::A, 1);
  EXPECT_TRUE(group.due(mixer_, t0_));
}

TEST_F(StartGroupTest, StartsEveryDeckThatCanPlayAndNamesTheOthersWithTheReason) {
  test::load_tone(mixer_, DeckId::A, 1);
  test::load_tone(mixer_, DeckId::B, 1);
  mixer_.begin_load(DeckId::D, 1, "/tmp/slow.mp3");
  const auto r = StartGroup({"A", "B", "C", "D"}, 0, t0_).start(mixer_);
  EXPECT_EQ(r.started, (Names{"A", "B"}));
  ASSERT_EQ(r.not_ready.size(), 2u);
  EXPECT_EQ(r.not_ready[0], "C: deck C has no buffer loaded");
  EXPECT_NE(r.not_ready[1].find("D: buffer 1 on deck D is not ready (loading)"), std::string::npos) << r.not_ready[1];
  EXPECT_EQ(r.scheduled_at_ns, 0);
  EXPECT_EQ(state_of(DeckId::A), BufferState::playing);
  EXPECT_EQ(state_of(DeckId::B), BufferState::playing);
}

TEST_F(StartGroupTest, WithAStartTimeSchedulesTheReadyDecksInsteadOfPlayingThem) {
  test::load_tone(mixer_, DeckId::A, 1);
  test::load_tone(mixer_, DeckId::B, 1);
  const auto r = StartGroup({"A", "B", "C"}, 5'000'000'000, t0_).start(mixer_);
  EXPECT_EQ(r.started, (Names{"A", "B"}));
  EXPECT_EQ(r.not_ready, Names{"C: deck C has no buffer loaded"});
  EXPECT_EQ(r.scheduled_at_ns, 5'000'000'000);
  EXPECT_EQ(mixer_.scheduled_starts(), 1u);
  EXPECT_EQ(state_of(DeckId::A), BufferState::ready);
}

TEST_F(StartGroupTest, ScheduledStartWithNoDeckReadySchedulesNothing) {
  const auto r = StartGroup({"C"}, 5'000'000'000, t0_).start(mixer_);
  EXPECT_TRUE(r.started.empty());
  EXPECT_EQ(r.scheduled_at_ns, 0);
  EXPECT_EQ(mixer_.scheduled_starts(), 0u);
}

TEST_F(StartGroupTest, CancelledReportNamesEveryDeckAndUnknownNameAndStartsNothing) {
  test::load_tone(mixer_, DeckId::A, 1);
  const auto r = StartGroup({"A", "Q", "B"}, 0, t0_).cancelled();
  EXPECT_TRUE(r.started.empty());
  EXPECT_EQ(r.not_ready, (Names{"A: cancelled by reset", "B: cancelled by reset", "Q: cancelled by reset"}));
  EXPECT_EQ(state_of(DeckId::A), BufferState::ready);
}

}  // namespace
}  // namespace crowdmesh::mixer
