#include "netaudio/link_stats.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::netaudio {
namespace {

LinkStats figures(const LinkStatsTracker& t) {
  LinkStats s;
  t.fill(s);
  return s;
}

TEST(LinkStatsTrackerTest, SequenceFiguresFollowRfc3550AppendixA1AndA3) {
  LinkStatsTracker t(48000);
  // 100 is on probation (not counted), 101 validates the source and is the base.
  EXPECT_FALSE(t.on_packet(100, 0, 0));
  EXPECT_TRUE(t.on_packet(101, 0, 0));
  EXPECT_TRUE(t.on_packet(102, 0, 0));
  EXPECT_TRUE(t.on_packet(104, 0, 0));  // 103 late
  EXPECT_TRUE(t.on_packet(105, 0, 0));
  EXPECT_TRUE(t.on_packet(103, 0, 0));  // reordered: counted
  EXPECT_TRUE(t.on_packet(105, 0, 0));  // duplicate: counted too
  EXPECT_TRUE(t.on_packet(107, 0, 0));  // 106 lost
  LinkStats s = figures(t);
  EXPECT_EQ(s.extended_highest_sequence, 107u);
  EXPECT_EQ(s.expected_packets, 7u);  // 101..107
  EXPECT_EQ(s.received_packets, 7u);  // 101 102 104 105 103 105 107
  EXPECT_EQ(s.cumulative_lost, 0);    // the duplicate hides the lost 106
  EXPECT_EQ(t.end_interval(), 0);     // interval: 7 expected, 7 received
  EXPECT_TRUE(t.on_packet(110, 0, 0));
  EXPECT_TRUE(t.on_packet(111, 0, 0));
  s = figures(t);
  EXPECT_EQ(s.expected_packets, 11u);
  EXPECT_EQ(s.received_packets, 9u);
  EXPECT_EQ(s.cumulative_lost, 2);
  EXPECT_EQ(t.end_interval(), 128);  // interval: 4 expected, 2 received: 2/4 × 256
  EXPECT_EQ(figures(t).fraction_lost, 128);
  EXPECT_EQ(t.end_interval(), 0) << "nothing expected in an empty interval";
}

TEST(LinkStatsTrackerTest, SequenceWrapCountsACycle) {
  LinkStatsTracker t(48000);
  t.on_packet(65534, 0, 0);
  t.on_packet(65535, 0, 0);
  t.on_packet(0, 0, 0);
  t.on_packet(1, 0, 0);
  const LinkStats s = figures(t);
  EXPECT_EQ(s.extended_highest_sequence, 65537u);
  EXPECT_EQ(s.expected_packets, 3u);
  EXPECT_EQ(s.received_packets, 3u);
  EXPECT_EQ(s.cumulative_lost, 0);
}

TEST(LinkStatsTrackerTest, AJumpIsIgnoredOnceAndFollowedWhenConfirmed) {
  LinkStatsTracker t(48000);
  for (std::uint16_t s = 10; s < 15; ++s) t.on_packet(s, 0, 0);
  EXPECT_FALSE(t.on_packet(5000, 0, 0)) << "beyond MAX_DROPOUT: a stray until confirmed";
  EXPECT_EQ(figures(t).extended_highest_sequence, 14u);
  EXPECT_TRUE(t.on_packet(5001, 0, 0)) << "the next in sequence: the sender restarted";
  const LinkStats s = figures(t);
  EXPECT_EQ(s.extended_highest_sequence, 5001u);
  EXPECT_EQ(s.expected_packets, 1u);
  EXPECT_EQ(s.received_packets, 1u);
}

TEST(LinkStatsTrackerTest, InterarrivalJitterFollowsRfc3550AppendixA8) {
  // 8 kHz clock, 20 ms packets (160 timestamp units); the third arrives 5 ms late.
  LinkStatsTracker t(8000);
  const std::int64_t base = 123'456'789'000'000'000;  // any steady clock: only differences matter
  const std::int64_t ms = 1'000'000;
  t.on_packet(1, 0, base);              // probation: not counted, no transit
  t.on_packet(2, 160, base + 20 * ms);  // transit 0
  t.on_packet(3, 320, base + 45 * ms);  // transit 40: D = 40, J = 40/16 = 2.5
  t.on_packet(4, 480, base + 60 * ms);  // transit 0:  D = 40, J = 2.5 + 37.5/16 = 4.84375
  t.on_packet(5, 640, base + 80 * ms);  // transit 0:  D = 0,  J = 4.84375 × 15/16 = 4.541015625
  const LinkStats s = figures(t);
  EXPECT_DOUBLE_EQ(s.jitter_timestamp_units, 4.541015625);
  EXPECT_DOUBLE_EQ(s.jitter_us, 4.541015625 / 8000.0 * 1e6);  // 567.6 µs
}

TEST(LinkStatsTrackerTest, ResetForgetsTheSource) {
  LinkStatsTracker t(48000);
  for (std::uint16_t s = 1; s < 5; ++s) t.on_packet(s, 0, s * 1'000'000);
  t.reset();
  const LinkStats s = figures(t);
  EXPECT_EQ(s.expected_packets, 0u);
  EXPECT_EQ(s.received_packets, 0u);
  EXPECT_EQ(s.jitter_timestamp_units, 0.0);
  EXPECT_FALSE(t.on_packet(9, 0, 0)) << "a new source is on probation again";
}

}  // namespace
}  // namespace crowdmesh::netaudio
