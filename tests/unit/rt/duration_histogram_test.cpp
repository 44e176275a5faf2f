#include "rt/duration_histogram.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::rt {
namespace {

// percentile() reports a 1 µs bucket's upper edge: a value v reads back as v..v+1.

TEST(DurationHistogramTest, EmptyReportsZero) {
  DurationHistogram h;
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.percentile(0.99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.count(), 0u);
}

TEST(DurationHistogramTest, ConstantDistributionHasEqualPercentiles) {
  DurationHistogram h;
  for (int i = 0; i < 1000; ++i) h.record(40);
  EXPECT_GE(h.percentile(0.5), 40u);
  EXPECT_LE(h.percentile(0.5), 41u);
  EXPECT_GE(h.percentile(0.99), 40u);
  EXPECT_LE(h.percentile(0.99), 41u);
  EXPECT_EQ(h.max(), 40u);
  EXPECT_EQ(h.count(), 1000u);
}

TEST(DurationHistogramTest, UniformDistributionHasMedianInTheMiddle) {
  DurationHistogram h;
  for (std::uint32_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 500.0, 2.0);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 990.0, 2.0);
  EXPECT_EQ(h.max(), 1000u);
}

TEST(DurationHistogramTest, RareSpikesShowInP99NotP50) {
  DurationHistogram h;
  for (int i = 0; i < 970; ++i) h.record(12);
  for (int i = 0; i < 30; ++i) h.record(700);
  EXPECT_GE(h.percentile(0.5), 12u);
  EXPECT_LE(h.percentile(0.5), 13u);
  EXPECT_GE(h.percentile(0.99), 700u);
  EXPECT_LE(h.percentile(0.99), 701u);
  EXPECT_EQ(h.max(), 700u);
}

TEST(DurationHistogramTest, OverflowBucketReportsExactMax) {
  DurationHistogram h;
  for (int i = 0; i < 10; ++i) h.record(100000);
  EXPECT_EQ(h.percentile(0.5), 100000u);
  EXPECT_EQ(h.max(), 100000u);
}

}  // namespace
}  // namespace crowdmesh::rt

namespace crowdmesh::rt {
namespace {

TEST(DurationHistogramNearestRankTest, ConstantDurationsGiveThatValueAtEveryPercentile) {
  auto h = std::make_unique<DurationHistogram>();
  for (int i = 0; i < 1000; ++i) h->record(10);
  EXPECT_EQ(h->percentile(0.5), 10u);
  EXPECT_EQ(h->percentile(0.99), 10u);
  EXPECT_EQ(h->max(), 10u);
}

TEST(DurationHistogramNearestRankTest, OnePercentOutliersDoNotMoveP99) {
  auto h = std::make_unique<DurationHistogram>();
  for (int i = 0; i < 990; ++i) h->record(10);
  for (int i = 0; i < 10; ++i) h->record(500);
  EXPECT_EQ(h->percentile(0.99), 10u);
  EXPECT_EQ(h->percentile(0.995), 500u);
  EXPECT_EQ(h->max(), 500u);
}

}  // namespace
}  // namespace crowdmesh::rt
