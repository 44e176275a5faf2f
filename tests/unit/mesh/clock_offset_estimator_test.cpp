#include "mesh/clock_offset_estimator.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::mesh {
namespace {

// Simulates one exchange: reference = client + offset, one-way delays up/down, hold time.
ClockSample exchange(ClockOffsetEstimator& est, std::int64_t t1, std::int64_t offset, std::int64_t up,
                     std::int64_t down, std::int64_t hold = 1'000) {
  const std::int64_t t2 = t1 + up + offset;
  const std::int64_t t3 = t2 + hold;
  const std::int64_t t4 = t3 - offset + down;
  auto s = est.add(t1, t2, t3, t4);
  EXPECT_TRUE(s) << error_sentence(s.error());
  return s ? *s : ClockSample{};
}

TEST(ClockOffsetEstimatorTest, ComputeFollowsTheNtpFormula) {
  // t1=100, t2=1150, t3=1160, t4=230: offset ((1050)+(930))/2 = 990, delay 130-10 = 120.
  const auto s = ClockOffsetEstimator::compute(100, 1150, 1160, 230);
  EXPECT_EQ(s.offset_ns, 990);
  EXPECT_EQ(s.delay_ns, 120);
}

TEST(ClockOffsetEstimatorTest, SymmetricDelayGivesTheExactOffset) {
  ClockOffsetEstimator est;
  const auto s = exchange(est, 1'000'000, -5'000'000'000LL, 40'000, 40'000);
  EXPECT_EQ(s.offset_ns, -5'000'000'000LL);
  EXPECT_EQ(s.delay_ns, 80'000);
  EXPECT_EQ(est.offset_ns(), -5'000'000'000LL);
  EXPECT_EQ(est.last_delay_ns(), 80'000);
  EXPECT_EQ(est.sample_count(), 1u);
}

TEST(ClockOffsetEstimatorTest, NoSampleMeansZeroOffset) {
  ClockOffsetEstimator est;
  EXPECT_EQ(est.offset_ns(), 0);
  EXPECT_EQ(est.sample_count(), 0u);
}

TEST(ClockOffsetEstimatorTest, MedianRejectsOutliers) {
  ClockOffsetEstimator est;
  const std::int64_t offset = 2'000'000;
  std::int64_t t = 0;
  // 10 good probes and 5 whose answer was delayed by 30 ms on the way back
  // (each such probe alone would be 15 ms off).
  for (int i = 0; i < 15; ++i) {
    t += 1'000'000'000;
    const bool outlier = i % 3 == 0;
    const auto s = exchange(est, t, offset, 50'000, outlier ? 30'050'000 : 50'000);
    if (outlier) {
      EXPECT_LT(s.offset_ns, offset - 14'000'000);
    }
  }
  EXPECT_EQ(est.offset_ns(), offset);
}

TEST(ClockOffsetEstimatorTest, WindowKeepsTheLast15Probes) {
  ClockOffsetEstimator est;
  std::int64_t t = 0;
  for (int i = 0; i < 15; ++i) exchange(est, t += 1'000'000, 1'000, 100, 100);
  EXPECT_EQ(est.offset_ns(), 1'000);
  // The clock steps: after 8 new probes the majority of the window follows.
  for (int i = 0; i < 7; ++i) exchange(est, t += 1'000'000, 9'000, 100, 100);
  EXPECT_EQ(est.offset_ns(), 1'000);
  exchange(est, t += 1'000'000, 9'000, 100, 100);
  EXPECT_EQ(est.offset_ns(), 9'000);
  EXPECT_EQ(est.sample_count(), 23u);
}

TEST(ClockOffsetEstimatorTest, EvenWindowTakesTheMeanOfTheMiddlePair) {
  ClockOffsetEstimator est;
  exchange(est, 1'000, 100, 10, 10);
  exchange(est, 2'000, 300, 10, 10);
  EXPECT_EQ(est.offset_ns(), 200);
}

TEST(ClockOffsetEstimatorTest, InconsistentTimestampsAreRejected) {
  ClockOffsetEstimator est;
  auto s = est.add(1'000, 5'000, 4'000, 2'000);  // t3 < t2
  ASSERT_FALSE(s);
  EXPECT_EQ(error_code(s.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(s.error()).find("t3=4000"), std::string::npos);
  EXPECT_FALSE(est.add(1'000, 5'000, 5'100, 1'050));  // hold time longer than the round trip
  EXPECT_EQ(est.sample_count(), 0u);
  EXPECT_EQ(est.offset_ns(), 0);
}

}  // namespace
}  // namespace crowdmesh::mesh
