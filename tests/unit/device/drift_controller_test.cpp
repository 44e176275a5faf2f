// DriftController: gains from bandwidth and damping, sign convention, limits,
// anti-windup, lock and out-of-range detection, and convergence on the
// playout plant (de/dt = −(u + p)) without any audio.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "device/drift_controller.hpp"

namespace crowdmesh::device {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDt = 256.0 / 48000.0;  // one 256-frame period at 48 kHz, s

// Closed loop on the ideal plant: the error grows at −(u + p) (ppm → ns/s: ×1e3).
struct Plant {
  double card_ppm = 0.0;  // p: card fast by this much (≈ −u at lock)
  double error_ns = 0.0;
  void advance(double u_ppm, double dt_s) { error_ns += -(u_ppm + card_ppm) * 1e3 * dt_s; }
};

TEST(DriftControllerTest, GainsFollowBandwidthAndDamping) {
  DriftController::Settings s;
  s.bandwidth_hz = 0.05;
  s.damping = 0.7;
  const DriftController c(s);
  const double wn = 2.0 * kPi * 0.05;
  EXPECT_NEAR(c.kp(), 2.0 * 0.7 * wn * 1e-3, 1e-12);
  EXPECT_NEAR(c.ki(), wn * wn * 1e-3, 1e-12);
}

TEST(DriftControllerTest, LateFramesGivePositiveCorrection) {
  DriftController c;
  c.update(50'000.0, 0.0);  // first sample: initialises only
  EXPECT_EQ(c.correction_ppm(), 0.0);
  const double u = c.update(50'000.0, kDt);
  EXPECT_GT(u, 0.0);
  DriftController d;
  d.update(-50'000.0, 0.0);
  EXPECT_LT(d.update(-50'000.0, kDt), 0.0);
}

TEST(DriftControllerTest, OutputIsClampedAtMaxCorrection) {
  DriftController::Settings s;
  s.max_correction_ppm = 300.0;
  s.acquire_slew_ppm_per_s = 1e9;
  DriftController c(s);
  c.update(1e9, 0.0);
  for (int i = 0; i < 1000; ++i) c.update(1e9, kDt);
  EXPECT_DOUBLE_EQ(c.correction_ppm(), 300.0);
  EXPECT_LE(c.integral_ppm(), 300.0);
}

TEST(DriftControllerTest, SlewLimitBoundsEachStep) {
  DriftController::Settings s;
  s.acquire_slew_ppm_per_s = 100.0;
  DriftController c(s);
  c.update(1e7, 0.0);
  double prev = c.correction_ppm();
  for (int i = 0; i < 50; ++i) {
    const double u = c.update(1e7, kDt);
    EXPECT_LE(u - prev, 100.0 * kDt + 1e-9);
    prev = u;
  }
  EXPECT_NEAR(prev, 50 * 100.0 * kDt, 1e-6);
}

TEST(DriftControllerTest, IntegratorDoesNotWindUpWhileSaturated) {
  DriftController::Settings s;
  s.acquire_slew_ppm_per_s = 1e9;
  DriftController c(s);
  c.update(3e6, 0.0);
  for (int i = 0; i < 20000; ++i) c.update(3e6, kDt);  // ≈ 107 s pinned at +300 ppm by kp·e alone
  EXPECT_EQ(c.correction_ppm(), 300.0);
  // Conditional integration: nothing was integrated while saturated (a plain
  // integrator would hold ki·e·t = 1.2e5 ppm, clamped to 300).
  EXPECT_LT(std::abs(c.integral_ppm()), 1.0);
  // So when the error reverses, the output leaves the limit as soon as the
  // filtered error does (≈ 1 s), not after the integrator has unwound.
  int steps = 0;
  while (c.update(-50'000.0, kDt) >= 299.0 && steps < 100000) ++steps;
  EXPECT_LT(steps * kDt, 1.5);
}

TEST(DriftControllerTest, ConvergesToCardRateOnIdealPlant) {
  for (const double p : {100.0, -100.0, 250.0}) {
    DriftController c;
    Plant plant{p, 0.0};
    c.update(plant.error_ns, 0.0);
    double max_late = 0.0;
    for (int i = 0; i < static_cast<int>(120.0 / kDt); ++i) {
      plant.advance(c.correction_ppm(), kDt);
      c.update(plant.error_ns, kDt);
      if (i * kDt > 60.0) max_late = std::max(max_late, std::abs(plant.error_ns));
    }
    EXPECT_NEAR(c.correction_ppm(), -p, 0.1) << "card " << p << " ppm";
    EXPECT_LT(max_late, 100.0) << "card " << p << " ppm: |e| after 60 s, ns";
    EXPECT_TRUE(c.locked());
  }
}

TEST(DriftControllerTest, LocksAfterHoldTimeAndUnlocksAboveThreshold) {
  DriftController c;  // lock: |e_f| < 100 µs for 5 s; unlock above 500 µs
  c.update(10'000.0, 0.0);
  double t = 0.0;
  while (!c.locked() && t < 20.0) {
    c.update(10'000.0, kDt);
    t += kDt;
  }
  EXPECT_TRUE(c.locked());
  EXPECT_NEAR(t, 5.0, 2 * kDt);
  for (int i = 0; i < 400; ++i) c.update(300'000.0, kDt);  // inside the hysteresis band
  EXPECT_TRUE(c.locked());
  for (int i = 0; i < 400; ++i) c.update(2'000'000.0, kDt);
  EXPECT_FALSE(c.locked());
}

TEST(DriftControllerTest, SaturatesWhenCardIsBeyondLimit) {
  DriftController c;
  Plant plant{1000.0, 0.0};  // needs −1000 ppm, limit 300
  c.update(0.0, 0.0);
  for (int i = 0; i < static_cast<int>(20.0 / kDt); ++i) {
    plant.advance(c.correction_ppm(), kDt);
    c.update(plant.error_ns, kDt);
  }
  EXPECT_TRUE(c.saturated());
  EXPECT_DOUBLE_EQ(c.correction_ppm(), -300.0);
  EXPECT_FALSE(c.locked());
}

// A 280 ppm card from rest overshoots into the limit while acquiring; the loop
// must still settle on it (no limit cycle, no stuck integrator).
TEST(DriftControllerTest, InRangeCardConvergesAfterSaturatedAcquisition) {
  DriftController c;
  Plant plant{280.0, 0.0};
  c.update(0.0, 0.0);
  bool touched_limit = false;
  for (int i = 0; i < static_cast<int>(60.0 / kDt); ++i) {
    plant.advance(c.correction_ppm(), kDt);
    c.update(plant.error_ns, kDt);
    touched_limit = touched_limit || c.saturated();
  }
  EXPECT_TRUE(touched_limit);
  EXPECT_FALSE(c.saturated());
  EXPECT_NEAR(c.correction_ppm(), -280.0, 0.1);
  EXPECT_LT(std::abs(plant.error_ns), 1000.0);
  EXPECT_TRUE(c.locked());
}

TEST(DriftControllerTest, RebaseKeepsRateAndDropsLock) {
  DriftController c;
  Plant plant{100.0, 0.0};
  c.update(0.0, 0.0);
  for (int i = 0; i < static_cast<int>(60.0 / kDt); ++i) {
    plant.advance(c.correction_ppm(), kDt);
    c.update(plant.error_ns, kDt);
  }
  ASSERT_TRUE(c.locked());
  const double u = c.correction_ppm();
  c.rebase();
  EXPECT_FALSE(c.locked());
  EXPECT_DOUBLE_EQ(c.correction_ppm(), u);
  EXPECT_NEAR(c.integral_ppm(), -100.0, 0.5);
  // The first sample after a rebase restarts the filter (no smoothing across the step).
  c.update(40'000.0, kDt);
  EXPECT_DOUBLE_EQ(c.filtered_error_ns(), 40'000.0);
}

TEST(DriftControllerTest, ResetReturnsToRest) {
  DriftController c;
  c.update(1e6, 0.0);
  for (int i = 0; i < 100; ++i) c.update(1e6, kDt);
  c.reset();
  EXPECT_EQ(c.correction_ppm(), 0.0);
  EXPECT_EQ(c.integral_ppm(), 0.0);
  EXPECT_EQ(c.filtered_error_ns(), 0.0);
  EXPECT_FALSE(c.locked());
  EXPECT_FALSE(c.saturated());
}

TEST(DriftControllerTest, PresetSetsOutputAndIntegralWithinLimit) {
  DriftController c;
  c.preset(-120.0);
  EXPECT_DOUBLE_EQ(c.correction_ppm(), -120.0);
  EXPECT_DOUBLE_EQ(c.integral_ppm(), -120.0);
  c.preset(5000.0);
  EXPECT_DOUBLE_EQ(c.correction_ppm(), 300.0);
}

TEST(DriftControllerTest, NonFiniteInputsAreIgnored) {
  DriftController c;
  c.update(1000.0, 0.0);
  const double u = c.update(1000.0, kDt);
  EXPECT_EQ(c.update(std::numeric_limits<double>::quiet_NaN(), kDt), u);
  EXPECT_EQ(c.update(1000.0, std::numeric_limits<double>::infinity()), u);
  EXPECT_TRUE(std::isfinite(c.correction_ppm()));
}

TEST(DriftControllerTest, BadSettingsFallBackToDefaults) {
  DriftController::Settings s;
  s.bandwidth_hz = -1.0;
  s.damping = std::numeric_limits<double>::quiet_NaN();
  s.max_correction_ppm = 0.0;
  const DriftController c(s);
  const DriftController d;
  EXPECT_DOUBLE_EQ(c.kp(), d.kp());
  EXPECT_DOUBLE_EQ(c.ki(), d.ki());
  EXPECT_DOUBLE_EQ(c.settings().max_correction_ppm, 300.0);
}

}  // namespace
}  // namespace crowdmesh::device
