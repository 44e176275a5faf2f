#include "tempo/tempo_controller.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "common/error.hpp"

namespace crowdmesh::tempo {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;

std::int64_t at(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1e9)); }

TEST(TempoControllerTest, StartsSettledAtBaseBpm) {
  const TempoController c(MovementBpmSettings{}, 0);
  const auto s = c.state(kSec);
  EXPECT_DOUBLE_EQ(s.current_bpm, 120.0);
  EXPECT_DOUBLE_EQ(s.target_bpm, 120.0);
  EXPECT_DOUBLE_EQ(s.ramp_progress, 1.0);
  EXPECT_DOUBLE_EQ(s.movement, 0.0);
  EXPECT_FALSE(s.manual);
}

TEST(TempoControllerTest, MovementRampsToTableTargetOverTransitionTime) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(0.01, at(2.0)));
  auto s = c.state(at(2.0));
  EXPECT_DOUBLE_EQ(s.movement, 0.01);
  EXPECT_DOUBLE_EQ(s.target_bpm, 105.0);
  EXPECT_DOUBLE_EQ(s.current_bpm, 120.0);
  EXPECT_NEAR(c.state(at(17.0)).current_bpm, 112.5, 1e-9);
  EXPECT_DOUBLE_EQ(c.state(at(32.0)).current_bpm, 105.0);
  EXPECT_DOUBLE_EQ(c.state(at(32.0)).ramp_progress, 1.0);
}

TEST(TempoControllerTest, RawValuesAboveOneAreClamped) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(2.5, 0));
  EXPECT_DOUBLE_EQ(c.state(0).movement, 1.0);
  EXPECT_DOUBLE_EQ(c.state(0).target_bpm, 130.0);
}

TEST(TempoControllerTest, RejectsBadMovementAndKeepsState) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(0.3, 0));
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), -0.1, std::numeric_limits<double>::infinity()}) {
    auto r = c.on_movement(bad, kSec);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  }
  EXPECT_NE(error_sentence(c.on_movement(-0.1, kSec).error()).find("-0.1"), std::string::npos);
  EXPECT_DOUBLE_EQ(c.state(kSec).movement, 0.3);
  EXPECT_NEAR(c.state(kSec).target_bpm, 118.0 + 0.15 / 0.45 * 12.0, 1e-9);
}

// Runs a constant movement stream with the given report period and returns
// the first time at which the tempo is within 1 BPM of 130.
double stream_until_within_one_bpm(double period_s) {
  MovementBpmSettings s;
  s.base_bpm = 105.0;
  TempoController c(s, 0);
  for (std::int64_t i = 0;; ++i) {
    const std::int64_t t = at(static_cast<double>(i) * period_s);
    EXPECT_TRUE(c.on_movement(0.8, t));
    const auto st = c.state(t);
    if (std::abs(st.current_bpm - 130.0) <= 1.0) return static_cast<double>(t) / 1e9;
    if (t > 120 * kSec) return -1.0;
  }
}

TEST(TempoControllerTest, ConstantLevelStreamDoesNotRestartTheRamp) {
  for (double period : {0.001, 256.0 / 48000.0, 0.1}) {
    const double t = stream_until_within_one_bpm(period);
    EXPECT_GE(t, 27.0) << "period " << period;
    EXPECT_LE(t, 33.0) << "period " << period;
    EXPECT_NEAR(t, 28.8, period + 1e-9) << "period " << period;
  }
}

TEST(TempoControllerTest, ProgressKeepsRisingUnderAConstantStream) {
  TempoController c(MovementBpmSettings{}, 0);
  double last = -1.0;
  for (int i = 0; i <= 310; ++i) {
    const std::int64_t t = at(i * 0.1);
    ASSERT_TRUE(c.on_movement(0.01, t));
    const double p = c.state(t).ramp_progress;
    EXPECT_GE(p, last) << "at " << i * 0.1 << " s";
    last = p;
  }
  EXPECT_DOUBLE_EQ(c.state(at(31.0)).current_bpm, 105.0);
}

TEST(TempoControllerTest, JitterOnTheLinearPartDoesNotRestartTheRamp) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(0.3, 0));
  const double target = c.state(0).target_bpm;
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(c.on_movement(i % 2 ? 0.301 : 0.299, at(i * 0.1)));
  EXPECT_DOUBLE_EQ(c.state(at(10.0)).target_bpm, target);
  EXPECT_NEAR(c.state(at(10.0)).ramp_progress, 10.0 / 30.0, 1e-9);
}

TEST(TempoControllerTest, SlowDriftRetargetsOnceItExceedsTheDeadband) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(0.3, 0));      // 122 BPM
  ASSERT_TRUE(c.on_movement(0.31, kSec));  // +0.27 BPM: kept
  EXPECT_NEAR(c.state(kSec).target_bpm, 122.0, 1e-9);
  ASSERT_TRUE(c.on_movement(0.32, 2 * kSec));  // +0.53 BPM from the applied target: retarget
  EXPECT_NEAR(c.state(2 * kSec).target_bpm, 118.0 + 0.17 / 0.45 * 12.0, 1e-9);
  EXPECT_DOUBLE_EQ(c.state(2 * kSec).ramp_progress, 0.0);
}

TEST(TempoControllerTest, LevelChangeMidRampStartsFromCurrentBpm) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(1.0, 0));  // 120 → 130
  const double mid = c.state(at(15.0)).current_bpm;
  EXPECT_NEAR(mid, 125.0, 1e-9);
  ASSERT_TRUE(c.on_movement(0.0, at(15.0)));  // → 105
  EXPECT_DOUBLE_EQ(c.state(at(15.0)).current_bpm, mid);
  EXPECT_NEAR(c.state(at(15.001)).current_bpm, mid, 0.01);
  EXPECT_DOUBLE_EQ(c.state(at(45.0)).current_bpm, 105.0);
}

TEST(TempoControllerTest, SetTempoIsImmediateByDefault) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(0.0, 0));
  ASSERT_TRUE(c.set_tempo(128.0, 0.0, at(5.0)));
  const auto s = c.state(at(5.0));
  EXPECT_DOUBLE_EQ(s.current_bpm, 128.0);
  EXPECT_DOUBLE_EQ(s.target_bpm, 128.0);
  EXPECT_DOUBLE_EQ(s.ramp_progress, 1.0);
  EXPECT_TRUE(s.manual);
}

TEST(TempoControllerTest, SetTempoCanRamp) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.set_tempo(100.0, 10.0, 0));
  EXPECT_NEAR(c.state(at(5.0)).current_bpm, 110.0, 1e-9);
  EXPECT_DOUBLE_EQ(c.state(at(10.0)).current_bpm, 100.0);
}

TEST(TempoControllerTest, SetTempoRejectsOutOfRangeAndKeepsState) {
  TempoController c(MovementBpmSettings{}, 0);
  auto r = c.set_tempo(500.0, 0.0, 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(r.error()).find("500"), std::string::npos);
  EXPECT_FALSE(c.set_tempo(125.0, -2.0, 0));
  EXPECT_DOUBLE_EQ(c.state(0).current_bpm, 120.0);
  EXPECT_FALSE(c.state(0).manual);
}

TEST(TempoControllerTest, ManualTempoHoldsUntilTheMovementLevelChanges) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(0.03, 0));  // 110
  ASSERT_TRUE(c.set_tempo(100.0, 0.0, kSec));
  for (int i = 2; i < 20; ++i) ASSERT_TRUE(c.on_movement(0.03, i * kSec));
  EXPECT_TRUE(c.state(20 * kSec).manual);
  EXPECT_DOUBLE_EQ(c.state(20 * kSec).current_bpm, 100.0);
  ASSERT_TRUE(c.on_movement(0.01, 20 * kSec));  // 105: takes over from 100
  const auto s = c.state(20 * kSec);
  EXPECT_FALSE(s.manual);
  EXPECT_DOUBLE_EQ(s.target_bpm, 105.0);
  EXPECT_DOUBLE_EQ(s.current_bpm, 100.0);
  EXPECT_DOUBLE_EQ(c.state(50 * kSec).current_bpm, 105.0);
}

TEST(TempoControllerTest, ResumeMovementReturnsToTheTable) {
  TempoController c(MovementBpmSettings{}, 0);
  ASSERT_TRUE(c.on_movement(0.03, 0));
  ASSERT_TRUE(c.set_tempo(100.0, 0.0, kSec));
  c.resume_movement(2 * kSec);
  EXPECT_FALSE(c.state(2 * kSec).manual);
  EXPECT_DOUBLE_EQ(c.state(2 * kSec).target_bpm, 110.0);
  EXPECT_DOUBLE_EQ(c.state(32 * kSec).current_bpm, 110.0);
}

TEST(TempoControllerTest, UsesConfiguredTransitionTime) {
  MovementBpmSettings s;
  s.transition_time_seconds = 10.0;
  TempoController c(s, 0);
  ASSERT_TRUE(c.on_movement(0.0, 0));
  EXPECT_NEAR(c.state(at(5.0)).current_bpm, 112.5, 1e-9);
  EXPECT_DOUBLE_EQ(c.state(at(10.0)).current_bpm, 105.0);
}

}  // namespace
}  // namespace crowdmesh::tempo
