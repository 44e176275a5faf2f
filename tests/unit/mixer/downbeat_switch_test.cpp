#include "mixer/downbeat_switch.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace crowdmesh::mixer {
namespace {

// A 4/4 grid at 120 BPM: a downbeat every 2 s.
const std::vector<double> kDownbeats{0, 2, 4, 6, 8, 10, 12, 14, 16};
constexpr std::int64_t kPts = 1'000'000'000;  // the frame at the position plays at 1 s of mesh time

TEST(DownbeatSwitchTest, NextDownbeatAfterThePositionAtTempoOne) {
  auto s = next_downbeat_switch(kDownbeats, {4, 0, false}, 4.7, 1.0, kPts, 0.5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->downbeat_seconds, 6.0);
  EXPECT_NEAR(s->file_seconds_ahead, 1.3, 1e-12);
  EXPECT_EQ(s->at_ns, kPts + 1'300'000'000);
}

TEST(DownbeatSwitchTest, BeatGridScalesWithTheTempoRatio) {
  // Mesh at 150 BPM, track at 120: file seconds pass 1.25 times faster, so
  // 1.3 file seconds take 1.04 s of mesh time.
  auto s = next_downbeat_switch(kDownbeats, {4, 0, false}, 4.7, 1.25, kPts, 0.5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->downbeat_seconds, 6.0);
  EXPECT_EQ(s->at_ns, kPts + 1'040'000'000);
  auto slow = next_downbeat_switch(kDownbeats, {4, 0, false}, 4.7, 0.5, kPts, 0.5);
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->at_ns, kPts + 2'600'000'000);
}

TEST(DownbeatSwitchTest, DownbeatCloserThanTheLeadIsSkipped) {
  // 5.8 → 6.0 is 0.2 s away, under the 0.5 s lead: the one after.
  auto s = next_downbeat_switch(kDownbeats, {4, 0, false}, 5.8, 1.0, kPts, 0.5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->downbeat_seconds, 8.0);
  // At ratio 2 the lead is 1 file second: 6.0 (0.2 s) and 8.0 (2.2 s): 8.0.
  EXPECT_EQ(next_downbeat_switch(kDownbeats, {4, 0, false}, 5.8, 2.0, kPts, 0.5)->downbeat_seconds, 8.0);
}

TEST(DownbeatSwitchTest, LoopingSectionSwitchesAtItsEndAcrossTheWrap) {
  // Looping [4, 8) at 7.9: the end (8 = the next section's begin) is 0.1 s
  // away, under the lead; the loop wraps to 4, so the next downbeat is 4
  // on the next lap... which is the same point as the end: 4.1 s ahead,
  // unless a downbeat inside comes first: 6 is 2.1 s ahead.
  auto s = next_downbeat_switch(kDownbeats, {4, 8, true}, 7.9, 1.0, kPts, 0.5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->downbeat_seconds, 6.0);
  EXPECT_NEAR(s->file_seconds_ahead, 2.1, 1e-12);
  // With 7 in the window, the end of the lap is the first candidate.
  auto end = next_downbeat_switch(kDownbeats, {4, 8, true}, 7.0, 1.0, kPts, 0.5);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->downbeat_seconds, 8.0);
  EXPECT_NEAR(end->file_seconds_ahead, 1.0, 1e-12);
}

TEST(DownbeatSwitchTest, DownbeatsOutsideALoopingSectionAreNeverChosen) {
  auto s = next_downbeat_switch({0, 2, 10, 12}, {4, 8, true}, 5.0, 1.0, kPts, 0.5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->downbeat_seconds, 8.0) << "only the loop's end is inside [4, 8]";
}

TEST(DownbeatSwitchTest, NoDownbeatAheadAndBadRatioGiveNothing) {
  EXPECT_FALSE(next_downbeat_switch(kDownbeats, {4, 0, false}, 15.9, 1.0, kPts, 0.5));
  EXPECT_FALSE(next_downbeat_switch({}, {4, 0, false}, 4.0, 1.0, kPts, 0.5));
  EXPECT_FALSE(next_downbeat_switch(kDownbeats, {4, 0, false}, 4.0, 0.0, kPts, 0.5));
}

}  // namespace
}  // namespace crowdmesh::mixer
