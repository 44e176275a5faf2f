// Seek/cue positions become file frames. Before start_frame_at() the stretch
// actor computed static_cast<int64_t>(seconds × rate): a finite 1e300 s passed
// the finite/non-negative checks and that conversion was undefined behaviour.
#include "stretch/start_position.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::stretch {
namespace {

SourceInfo two_seconds_at_44k1() {
  SourceInfo info;
  info.path = "/music/a.wav";
  info.file_rate_hz = 44100;
  info.file_channels = 2;
  info.file_frames = 88200;
  return info;
}

std::string refused(double seconds, const SourceInfo& info) {
  auto frame = start_frame_at(seconds, info);
  EXPECT_FALSE(frame) << seconds << " s became frame " << *frame;
  if (frame) return {};
  EXPECT_EQ(error_code(frame.error()), errc::value_out_of_range);
  return error_sentence(frame.error());
}

TEST(StartPositionTest, PositionInsideTheFileIsItsFrame) {
  EXPECT_EQ(*start_frame_at(0.0, two_seconds_at_44k1()), 0);
  EXPECT_EQ(*start_frame_at(1.5, two_seconds_at_44k1()), 66150);
  EXPECT_EQ(*start_frame_at(2.0, two_seconds_at_44k1()), 88200) << "the end itself is allowed";
}

TEST(StartPositionTest, HugeInfiniteNanAndNegativePositionsAreRefusedWithTheFileLength) {
  const std::string range = " s is out of range (allowed: 0 to 2 s, the length of /music/a.wav)";
  EXPECT_EQ(refused(1e300, two_seconds_at_44k1()), "start position 1e+300" + range);
  EXPECT_EQ(refused(-1e300, two_seconds_at_44k1()), "start position -1e+300" + range);
  EXPECT_EQ(refused(std::numeric_limits<double>::infinity(), two_seconds_at_44k1()), "start position inf" + range);
  EXPECT_EQ(refused(std::numeric_limits<double>::quiet_NaN(), two_seconds_at_44k1()), "start position nan" + range);
  EXPECT_EQ(refused(static_cast<double>(std::numeric_limits<std::int64_t>::max()), two_seconds_at_44k1()),
            "start position 9.22337e+18" + range);
  EXPECT_EQ(refused(2.001, two_seconds_at_44k1()), "start position 2.001" + range);
}

TEST(StartPositionTest, FileOfUnknownLengthRefusesFramesBeyondInt64) {
  auto info = two_seconds_at_44k1();
  info.file_frames = 0;
  EXPECT_EQ(*start_frame_at(3600.0, info), 3600LL * 44100);
  EXPECT_EQ(refused(1e300, info), "start position 1e+300 s is out of range (allowed: 0 s to the end of /music/a.wav)");
  EXPECT_FALSE(start_frame_at(static_cast<double>(std::numeric_limits<std::int64_t>::max()), info));
}

TEST(StartPositionTest, SectionRegionIsItsFramesWithTheEndRounded) {
  auto r = region_frames(0.5, 1.25, two_seconds_at_44k1());
  ASSERT_TRUE(r) << error_sentence(r.error());
  EXPECT_EQ(r->begin_frame, 22050);
  EXPECT_EQ(r->end_frame, 55125);
  auto odd = region_frames(0.5, 1.00001, two_seconds_at_44k1());
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->end_frame, 44100) << "1.00001 s × 44100 = 44100.44 frames, rounded";
}

TEST(StartPositionTest, SectionEndingAtOrPastTheFileEndPlaysToTheFileEnd) {
  EXPECT_EQ(region_frames(1.0, 2.0, two_seconds_at_44k1())->end_frame, 0);
  EXPECT_EQ(region_frames(1.0, 2.3, two_seconds_at_44k1())->end_frame, 0) << "an analysis may end past the last sample";
  EXPECT_EQ(region_frames(1.0, 0.0, two_seconds_at_44k1())->end_frame, 0) << "0 = no end";
}

TEST(StartPositionTest, SectionEndNotAfterItsBeginIsRefusedNamingIt) {
  for (double end : {0.5, 0.25, std::numeric_limits<double>::quiet_NaN()}) {
    auto r = region_frames(0.5, end, two_seconds_at_44k1());
    ASSERT_FALSE(r) << end;
    EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(r.error()).find("/music/a.wav"), std::string::npos) << error_sentence(r.error());
  }
  EXPECT_FALSE(region_frames(3.0, 3.5, two_seconds_at_44k1())) << "a begin past the end is start_frame_at's error";
}

}  // namespace
}  // namespace crowdmesh::stretch
