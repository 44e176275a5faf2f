#include "mesh/rate_limited_log.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::mesh {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(RateLimitedLogTest, SecondLineWithinTenSecondsIsSuppressedAndCounted) {
  RateLimitedLog log;
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(log.should_log("malformed", 0, &suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(log.should_log("malformed", 1 * kSecond, &suppressed));
  EXPECT_FALSE(log.should_log("malformed", 9 * kSecond, &suppressed));
  EXPECT_TRUE(log.should_log("malformed", 10 * kSecond, &suppressed));
  EXPECT_EQ(suppressed, 2u);
}

TEST(RateLimitedLogTest, KindsAreLimitedSeparately) {
  RateLimitedLog log;
  std::uint64_t suppressed = 0;
  EXPECT_TRUE(log.should_log("malformed", 0, &suppressed));
  EXPECT_TRUE(log.should_log("too_large", 0, &suppressed));
  EXPECT_FALSE(log.should_log("malformed", 1, &suppressed));
}

}  // namespace
}  // namespace crowdmesh::mesh
