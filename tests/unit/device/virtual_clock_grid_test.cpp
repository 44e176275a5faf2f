#include "device/virtual_clock_grid.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::device {
namespace {

constexpr double kPeriod = 1'000'000.0;  // 1 ms periods keep the arithmetic readable
constexpr std::int64_t kP = 1'000'000;
constexpr std::int64_t kStart = 5'000'000'000;

TEST(VirtualClockGridTest, OnTimeBuffersLieOnTheGridAndReachTheDacBufferMinusOnePeriodsLater) {
  VirtualClockGrid grid(kPeriod, 4, kStart);
  for (std::int64_t n = 0; n < 10; ++n) {
    const auto step = grid.wake(kStart + n * kP + kP / 10);  // woken 0.1 period after the deadline
    EXPECT_FALSE(step.xrun);
    EXPECT_FALSE(step.late_wakeup);
    EXPECT_EQ(grid.deadline(), kStart + n * kP);
    EXPECT_EQ(grid.dac_time(), kStart + (n + 3) * kP);
    EXPECT_FALSE(grid.may_wait(kStart + n * kP + kP / 10)) << "on time: the producer is not waited for";
    grid.advance();
  }
}

TEST(VirtualClockGridTest, LateWakeUpWithinTheBufferIsCountedOnceAndCaughtUpOnTheSameGrid) {
  VirtualClockGrid grid(kPeriod, 4, kStart);
  grid.wake(kStart);
  grid.advance();
  // The host stalls the clock thread: it wakes for buffer 1 (due at +1 ms,
  // DAC at +4 ms) at +2.5 ms.
  const std::int64_t woke = kStart + 2 * kP + kP / 2;
  auto step = grid.wake(woke);
  EXPECT_FALSE(step.xrun);
  EXPECT_TRUE(step.late_wakeup);
  EXPECT_TRUE(grid.catching_up());
  EXPECT_EQ(grid.dac_time(), kStart + 4 * kP) << "the DAC grid does not move";
  EXPECT_TRUE(grid.may_wait(woke));
  EXPECT_FALSE(grid.may_wait(kStart + 3 * kP)) << "one period before its DAC time the buffer is taken";
  grid.advance();
  // Buffer 2 (due +2 ms) right after: still behind, the same late wake-up.
  step = grid.wake(kStart + 3 * kP + 10);
  EXPECT_FALSE(step.xrun);
  EXPECT_FALSE(step.late_wakeup) << "one late wake-up is counted once";
  EXPECT_EQ(grid.dac_time(), kStart + 5 * kP);
  grid.advance();
  // Buffer 3 (due +3 ms) less than a period late: caught up.
  step = grid.wake(kStart + 3 * kP + 20);
  EXPECT_FALSE(step.late_wakeup);
  EXPECT_FALSE(grid.catching_up());
  EXPECT_EQ(grid.dac_time(), kStart + 6 * kP);
  grid.advance();
  // A second stall later is a second late wake-up.
  EXPECT_TRUE(grid.wake(kStart + 5 * kP + kP / 2).late_wakeup);
}

TEST(VirtualClockGridTest, WakeUpAtTheBuffersDacTimeIsAnXrunAndReanchorsAtNow) {
  VirtualClockGrid grid(kPeriod, 4, kStart);
  grid.wake(kStart);
  grid.advance();
  const std::int64_t woke = kStart + 4 * kP + 7;  // buffer 1's DAC time (+4 ms) has passed
  const auto step = grid.wake(woke);
  EXPECT_TRUE(step.xrun);
  EXPECT_FALSE(step.late_wakeup);
  EXPECT_EQ(step.abandoned_dac_ns, kStart + 4 * kP);
  EXPECT_EQ(grid.deadline(), woke) << "no burst of missed buffers";
  EXPECT_EQ(grid.dac_time(), woke + 3 * kP);
  EXPECT_FALSE(grid.catching_up());
}

TEST(VirtualClockGridTest, DoubleBufferedCardTurnsAPeriodLateWakeUpIntoAnXrun) {
  VirtualClockGrid grid(kPeriod, 2, kStart);
  EXPECT_EQ(grid.dac_time(), kStart + kP);
  grid.wake(kStart);
  grid.advance();
  EXPECT_FALSE(grid.may_wait(kStart + 2 * kP));
  const auto step = grid.wake(kStart + 2 * kP);  // buffer 1 due at +1 ms, its DAC at +2 ms
  EXPECT_TRUE(step.xrun);
  EXPECT_FALSE(step.late_wakeup);
}

TEST(VirtualClockGridTest, FractionalPeriodsDoNotAccumulateRounding) {
  const double period = 256.0 * 1e9 / (48000.0 * (1.0 + 100e-6));  // 5332.8 us, a card 100 ppm fast
  VirtualClockGrid grid(period, 4, 0);
  for (int n = 0; n < 675'000; ++n) {  // one hour of periods
    grid.wake(grid.deadline());
    grid.advance();
  }
  EXPECT_NEAR(static_cast<double>(grid.deadline()), 675'000.0 * period, 1.0);
}

}  // namespace
}  // namespace crowdmesh::device
