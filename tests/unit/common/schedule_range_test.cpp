// now + delay for OSC start times. Before at_ns_after() the OSC bridge wrote
// now + static_cast<int64_t>(delay × 1e9): a delay of 1e300 s or a now near
// INT64_MAX made that undefined behaviour (caught by the UBSan build).
#include "common/schedule_range.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace crowdmesh::schedule {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(ScheduleRangeTest, DelayInRangeAddsItsNanoseconds) {
  EXPECT_EQ(at_ns_after(1'000, 1.5), 1'000 + 1'500'000'000);
  EXPECT_EQ(at_ns_after(0, kMaxAheadSeconds), kMaxAheadNs);
}

TEST(ScheduleRangeTest, HugeOrInfiniteDelayCountsAsTheLongestHold) {
  EXPECT_EQ(at_ns_after(5, 1e300), 5 + kMaxAheadNs);
  EXPECT_EQ(at_ns_after(5, std::numeric_limits<double>::infinity()), 5 + kMaxAheadNs);
  EXPECT_EQ(at_ns_after(5, static_cast<double>(kMax)), 5 + kMaxAheadNs);
}

TEST(ScheduleRangeTest, NegativeOrNanDelayMeansNow) {
  EXPECT_EQ(at_ns_after(7, -1e300), 7);
  EXPECT_EQ(at_ns_after(7, -std::numeric_limits<double>::infinity()), 7);
  EXPECT_EQ(at_ns_after(7, std::numeric_limits<double>::quiet_NaN()), 7);
}

TEST(ScheduleRangeTest, SumSaturatesAtInt64MaxInsteadOfOverflowing) {
  EXPECT_EQ(at_ns_after(kMax, 1.0), kMax);
  EXPECT_EQ(at_ns_after(kMax - 10, 1e300), kMax);
  EXPECT_EQ(at_ns_after(std::numeric_limits<std::int64_t>::min(), 1.0),
            std::numeric_limits<std::int64_t>::min() + 1'000'000'000);
}

}  // namespace
}  // namespace crowdmesh::schedule
