#include "stretch/fill_policy.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::stretch {
namespace {

TEST(FillPolicyTest, ModeFollowsTheReserveOfTheFifo) {
  FillPolicy p;
  EXPECT_EQ(p.mode_for(0, 48000), FillMode::emergency);
  EXPECT_EQ(p.mode_for(4799, 48000), FillMode::emergency);
  EXPECT_EQ(p.mode_for(4800, 48000), FillMode::urgent);
  EXPECT_EQ(p.mode_for(14399, 48000), FillMode::urgent);
  EXPECT_EQ(p.mode_for(14400, 48000), FillMode::normal);
  EXPECT_EQ(p.mode_for(23999, 48000), FillMode::normal);
  EXPECT_EQ(p.mode_for(24000, 48000), FillMode::relaxed);
  EXPECT_EQ(p.mode_for(48000, 48000), FillMode::relaxed);
}

TEST(FillPolicyTest, LowerReserveRefillsSooner) {
  EXPECT_LT(FillPolicy::interval(FillMode::emergency), FillPolicy::interval(FillMode::urgent));
  EXPECT_LT(FillPolicy::interval(FillMode::urgent), FillPolicy::interval(FillMode::normal));
  EXPECT_LT(FillPolicy::interval(FillMode::normal), FillPolicy::interval(FillMode::relaxed));
}

TEST(FillPolicyTest, AFullDefaultFifoAt192kHzStaysOutOfUrgentUntilTheNextRelaxedTick) {
  const std::size_t capacity = 48000;  // SourceConfig's default FIFO
  const auto played =
      static_cast<std::size_t>(192000 * std::chrono::duration<double>(FillPolicy::interval(FillMode::relaxed)).count());
  FillPolicy p;
  EXPECT_EQ(p.mode_for(capacity, capacity), FillMode::relaxed);
  EXPECT_NE(p.mode_for(capacity - played, capacity), FillMode::urgent);
  EXPECT_NE(p.mode_for(capacity - played, capacity), FillMode::emergency);
}

TEST(FillPolicyTest, AFullFifoWaitsUntilItReachesTheRelaxedMark) {
  FillPolicy p;
  EXPECT_EQ(p.relaxed_interval(65536, 65536, 44100), std::chrono::milliseconds(743));  // 32 768 frames
  EXPECT_EQ(p.relaxed_interval(48000, 48000, 48000), std::chrono::milliseconds(500));
  // What it plays meanwhile leaves it in the relaxed mode.
  const auto ms = p.relaxed_interval(65536, 65536, 44100).count();
  EXPECT_EQ(p.mode_for(65536 - static_cast<std::size_t>(44100 * ms / 1000), 65536), FillMode::relaxed);
}

TEST(FillPolicyTest, RelaxedWaitStaysWithinItsBounds) {
  FillPolicy p;
  EXPECT_EQ(p.relaxed_interval(25000, 48000, 48000), FillPolicy::interval(FillMode::relaxed)) << "near the mark";
  EXPECT_EQ(p.relaxed_interval(20000, 48000, 48000), FillPolicy::interval(FillMode::relaxed)) << "below the mark";
  EXPECT_EQ(p.relaxed_interval(1 << 20, 1 << 20, 48000), FillPolicy::kMaxRelaxedInterval) << "a huge FIFO";
  EXPECT_EQ(p.relaxed_interval(48000, 48000, 0), FillPolicy::interval(FillMode::relaxed)) << "no rate";
}

TEST(FillPolicyTest, EmptyFifoWithoutCapacityIsAnEmergency) {
  EXPECT_EQ(FillPolicy{}.mode_for(0, 0), FillMode::emergency);
}

TEST(FillPolicyTest, ModesHaveTheOriginalNames) {
  EXPECT_STREQ(to_string(FillMode::emergency), "emergency");
  EXPECT_STREQ(to_string(FillMode::relaxed), "relaxed");
}

}  // namespace
}  // namespace crowdmesh::stretch
