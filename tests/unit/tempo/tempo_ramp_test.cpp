#include "tempo/tempo_ramp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::tempo {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;

std::int64_t at(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1e9)); }

// Steps a virtual clock from `from_ns` by `step_s` and returns the first time
// (seconds after from_ns) at which the ramp is within 1 BPM of its target.
double first_within_one_bpm(const TempoRamp& ramp, std::int64_t from_ns, double step_s) {
  for (std::int64_t i = 0;; ++i) {
    const std::int64_t t = from_ns + at(static_cast<double>(i) * step_s);
    if (std::abs(ramp.current_bpm(t) - ramp.target_bpm()) <= 1.0) return static_cast<double>(t - from_ns) / 1e9;
    if (t - from_ns > 120 * kSec) return -1.0;
  }
}

TEST(TempoRampTest, StartsSettledAtInitialBpm) {
  const TempoRamp ramp(105.0);
  EXPECT_DOUBLE_EQ(ramp.current_bpm(0), 105.0);
  EXPECT_DOUBLE_EQ(ramp.target_bpm(), 105.0);
  EXPECT_DOUBLE_EQ(ramp.progress(0), 1.0);
  EXPECT_TRUE(ramp.settled(0));
  EXPECT_DOUBLE_EQ(TempoRamp().current_bpm(5 * kSec), 120.0);
}

TEST(TempoRampTest, ReachesWithinOneBpmAtTransitionTimeAndNotAtEightyPercent) {
  TempoRamp ramp(105.0);
  const std::int64_t t0 = 7 * kSec;
  ASSERT_TRUE(ramp.set_target(130.0, 30.0, t0));
  EXPECT_DOUBLE_EQ(ramp.target_bpm(), 130.0);
  EXPECT_DOUBLE_EQ(ramp.current_bpm(t0), 105.0);
  EXPECT_FALSE(ramp.settled(t0));
  // Linear: 125 BPM at 80 %, 127.5 at 90 %, 130 at 100 %.
  EXPECT_NEAR(ramp.current_bpm(t0 + at(24.0)), 125.0, 1e-9);
  EXPECT_GT(std::abs(ramp.current_bpm(t0 + at(24.0)) - 130.0), 1.0);
  EXPECT_GT(std::abs(ramp.current_bpm(t0 + at(27.0)) - 130.0), 1.0);
  EXPECT_LE(std::abs(ramp.current_bpm(t0 + at(30.0)) - 130.0), 1.0);
  EXPECT_DOUBLE_EQ(ramp.current_bpm(t0 + at(30.0)), 130.0);
  EXPECT_TRUE(ramp.settled(t0 + at(30.0)));
  EXPECT_DOUBLE_EQ(ramp.current_bpm(t0 + at(33.0)), 130.0);
}

TEST(TempoRampTest, RampIsAFunctionOfTimeWhateverTheStepSize) {
  TempoRamp ramp(105.0);
  const std::int64_t t0 = 3 * kSec;
  ASSERT_TRUE(ramp.set_target(130.0, 30.0, t0));
  const double step_1ms = first_within_one_bpm(ramp, t0, 0.001);
  const double step_block = first_within_one_bpm(ramp, t0, 256.0 / 48000.0);  // 5.33 ms
  const double step_100ms = first_within_one_bpm(ramp, t0, 0.1);
  for (double t : {step_1ms, step_block, step_100ms}) {
    EXPECT_GE(t, 27.0);  // 30 s − 10 %
    EXPECT_LE(t, 33.0);  // 30 s + 10 %
  }
  // Within 1 BPM from 28.8 s on (1 − 1/25 of 30 s): each step size finds it
  // within one step of that.
  EXPECT_NEAR(step_1ms, 28.8, 0.001 + 1e-9);
  EXPECT_NEAR(step_block, 28.8, 256.0 / 48000.0 + 1e-9);
  EXPECT_NEAR(step_100ms, 28.8, 0.1 + 1e-9);
  // Same BPM at the same instant, however many evaluations came before.
  TempoRamp fresh(105.0);
  ASSERT_TRUE(fresh.set_target(130.0, 30.0, t0));
  for (double s : {0.0, 1.0, 12.345, 28.8, 30.0})
    EXPECT_DOUBLE_EQ(ramp.current_bpm(t0 + at(s)), fresh.current_bpm(t0 + at(s)));
}

TEST(TempoRampTest, RetargetMidRampStartsFromCurrentBpm) {
  TempoRamp ramp(105.0);
  ASSERT_TRUE(ramp.set_target(130.0, 30.0, 0));
  const std::int64_t mid = at(15.0);
  const double before = ramp.current_bpm(mid);
  EXPECT_NEAR(before, 117.5, 1e-9);
  ASSERT_TRUE(ramp.set_target(110.0, 30.0, mid));
  EXPECT_DOUBLE_EQ(ramp.current_bpm(mid), before);
  EXPECT_NEAR(ramp.current_bpm(mid + 1'000'000), before, 0.001);  // 1 ms later: no jump
  EXPECT_DOUBLE_EQ(ramp.progress(mid), 0.0);
  EXPECT_NEAR(ramp.current_bpm(mid + at(15.0)), (117.5 + 110.0) / 2, 1e-9);
  EXPECT_DOUBLE_EQ(ramp.current_bpm(mid + at(30.0)), 110.0);
}

TEST(TempoRampTest, ZeroTransitionIsImmediate) {
  TempoRamp ramp(105.0);
  ASSERT_TRUE(ramp.set_target(140.0, 0.0, 2 * kSec));
  EXPECT_DOUBLE_EQ(ramp.current_bpm(2 * kSec), 140.0);
  EXPECT_TRUE(ramp.settled(2 * kSec));
  EXPECT_DOUBLE_EQ(ramp.progress(2 * kSec), 1.0);
}

TEST(TempoRampTest, ProgressGoesFromZeroToOne) {
  TempoRamp ramp(120.0);
  ASSERT_TRUE(ramp.set_target(130.0, 10.0, kSec));
  EXPECT_DOUBLE_EQ(ramp.progress(kSec), 0.0);
  EXPECT_DOUBLE_EQ(ramp.progress(kSec / 2), 0.0);  // before the start
  EXPECT_DOUBLE_EQ(ramp.current_bpm(kSec / 2), 120.0);
  EXPECT_NEAR(ramp.progress(6 * kSec), 0.5, 1e-12);
  EXPECT_FALSE(ramp.settled(6 * kSec));
  EXPECT_DOUBLE_EQ(ramp.progress(11 * kSec), 1.0);
  EXPECT_TRUE(ramp.settled(11 * kSec));
}

std::string rejected(TempoRamp& ramp, double bpm, double seconds) {
  auto r = ramp.set_target(bpm, seconds, kSec);
  EXPECT_FALSE(r) << bpm << " BPM / " << seconds << " s unexpectedly accepted";
  if (r) return {};
  EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  return error_sentence(r.error());
}

TEST(TempoRampTest, RejectsBadBpmAndTransitionNamingTheValue) {
  TempoRamp ramp(120.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_NE(rejected(ramp, nan, 1).find("tempo nan BPM"), std::string::npos);
  EXPECT_NE(rejected(ramp, inf, 1).find("tempo inf BPM"), std::string::npos);
  EXPECT_NE(rejected(ramp, 0, 1).find("tempo 0 BPM"), std::string::npos);
  EXPECT_NE(rejected(ramp, -5, 1).find("tempo -5 BPM"), std::string::npos);
  EXPECT_NE(rejected(ramp, 19.5, 1).find("20..300 BPM"), std::string::npos);
  EXPECT_NE(rejected(ramp, 301, 1).find("tempo 301 BPM"), std::string::npos);
  EXPECT_NE(rejected(ramp, 125, -1).find("transition time -1 s"), std::string::npos);
  EXPECT_NE(rejected(ramp, 125, nan).find("transition time nan s"), std::string::npos);
  EXPECT_NE(rejected(ramp, 125, 4000).find("0..3600 s"), std::string::npos);
  // Unchanged after the errors.
  EXPECT_DOUBLE_EQ(ramp.target_bpm(), 120.0);
  EXPECT_TRUE(ramp.settled(kSec));
  EXPECT_TRUE(ramp.set_target(20, 0, kSec));
  EXPECT_TRUE(ramp.set_target(300, 0, kSec));
}

TEST(TempoRampTest, ConstructorClampsInitialBpm) {
  EXPECT_DOUBLE_EQ(TempoRamp(5.0).current_bpm(0), 20.0);
  EXPECT_DOUBLE_EQ(TempoRamp(900.0).current_bpm(0), 300.0);
  EXPECT_DOUBLE_EQ(TempoRamp(std::numeric_limits<double>::quiet_NaN()).current_bpm(0), 120.0);
}

}  // namespace
}  // namespace crowdmesh::tempo
