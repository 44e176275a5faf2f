// zero_nonfinite and clamp_overs run four samples at a time, then a scalar
// tail: every position of every short length must come out as the plain
// one-sample-at-a-time definition says, with the right counts.
#include "dsp/sanitize.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace crowdmesh::dsp {
namespace {

const float kNan = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

std::vector<float> ramp(std::size_t n) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 0.1f * static_cast<float>(i) - 0.5f;
  return x;
}

TEST(SanitizeTest, ZeroNonfiniteZeroesEveryNanAndInfinityAndCountsThem) {
  for (std::size_t n = 1; n <= 19; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      auto x = ramp(n);
      x[at] = kNan;
      std::size_t bad = 1;
      if (n > 1) {
        x[(at + 1) % n] = -kInf;
        ++bad;
      }
      if (n > 2) {
        x[(at + 2) % n] = std::numeric_limits<float>::max();  // finite: kept
      }
      const auto kept = x;
      ASSERT_EQ(zero_nonfinite(x.data(), n), bad) << "n " << n << " at " << at;
      for (std::size_t i = 0; i < n; ++i) {
        if (std::isfinite(kept[i]))
          ASSERT_EQ(x[i], kept[i]) << "n " << n << " at " << at << " i " << i;
        else
          ASSERT_EQ(x[i], 0.0f) << "n " << n << " at " << at << " i " << i;
      }
    }
  }
}

TEST(SanitizeTest, ZeroNonfiniteLeavesFiniteBlocksBitExact) {
  auto x = ramp(1027);
  x[5] = -0.0f;
  x[6] = std::numeric_limits<float>::denorm_min();
  const auto before = x;
  EXPECT_EQ(zero_nonfinite(x.data(), x.size()), 0u);
  for (std::size_t i = 0; i < x.size(); ++i) ASSERT_EQ(std::signbit(x[i]), std::signbit(before[i]));
  EXPECT_EQ(x, before);
}

TEST(SanitizeTest, ClampOversClampsBothSignsAndCountsThemAtEveryPosition) {
  for (std::size_t n = 1; n <= 19; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      auto x = ramp(n);
      x[at] = 1000.0f;
      std::size_t over = 1;
      if (n > 1) {
        x[(at + 1) % n] = -65.0f;
        ++over;
      }
      if (n > 2) x[(at + 2) % n] = kMaxSampleMagnitude;  // at the limit: not over
      if (n > 3) x[(at + 3) % n] = kNan;                 // not a number: left to zero_nonfinite
      const auto before = x;
      ASSERT_EQ(clamp_overs(x.data(), n), over) << "n " << n << " at " << at;
      for (std::size_t i = 0; i < n; ++i) {
        const float want = before[i] > kMaxSampleMagnitude    ? kMaxSampleMagnitude
                           : before[i] < -kMaxSampleMagnitude ? -kMaxSampleMagnitude
                                                              : before[i];
        if (std::isnan(before[i]))
          ASSERT_TRUE(std::isnan(x[i]));
        else
          ASSERT_EQ(x[i], want) << "n " << n << " at " << at << " i " << i;
      }
    }
  }
}

}  // namespace
}  // namespace crowdmesh::dsp
