#include "tempo/movement_bpm_curve.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "common/error.hpp"

namespace crowdmesh::tempo {
namespace {

constexpr double kTol = 1e-9;

TEST(MovementBpmCurveTest, DefaultTableMatchesSpecAtEveryBoundary) {
  const MovementBpmCurve curve;
  const std::pair<double, double> cases[] = {
      {0.0, 105.0},    {0.0199, 105.0}, {0.02, 110.0},  {0.0499, 110.0}, {0.05, 115.0}, {0.0999, 115.0}, {0.1, 118.0},
      {0.1499, 118.0}, {0.15, 118.0},   {0.375, 124.0}, {0.6, 130.0},    {0.7, 130.0},  {1.0, 130.0},    {2.5, 130.0},
  };
  for (const auto& [m, bpm] : cases) EXPECT_NEAR(curve.target_bpm(m), bpm, kTol) << "movement " << m;
}

TEST(MovementBpmCurveTest, RiseIsLinearBetweenMediumAndMax) {
  const MovementBpmCurve curve;
  // 118 + (m − 0.15) / 0.45 · 12
  EXPECT_NEAR(curve.target_bpm(0.2), 118.0 + 0.05 / 0.45 * 12.0, kTol);
  EXPECT_NEAR(curve.target_bpm(0.5), 118.0 + 0.35 / 0.45 * 12.0, kTol);
  EXPECT_LT(curve.target_bpm(0.59), 130.0);
}

TEST(MovementBpmCurveTest, ValuesAboveOneAreClampedToOne) {
  const MovementBpmCurve curve;
  EXPECT_DOUBLE_EQ(curve.target_bpm(1.7), curve.target_bpm(1.0));
  auto v = MovementBpmCurve::validate_movement(2.5);
  ASSERT_TRUE(v) << error_sentence(v.error());
  EXPECT_DOUBLE_EQ(*v, 1.0);
  auto w = MovementBpmCurve::validate_movement(0.3);
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ(*w, 0.3);
  auto z = MovementBpmCurve::validate_movement(0.0);
  ASSERT_TRUE(z);
  EXPECT_DOUBLE_EQ(*z, 0.0);
}

std::string rejected(double raw) {
  auto v = MovementBpmCurve::validate_movement(raw);
  EXPECT_FALSE(v) << raw << " unexpectedly accepted";
  if (v) return {};
  EXPECT_EQ(error_code(v.error()), errc::value_out_of_range);
  return error_sentence(v.error());
}

TEST(MovementBpmCurveTest, ValidateRejectsNaNNegativeAndInfinityNamingTheValue) {
  const std::string nan_s = rejected(std::numeric_limits<double>::quiet_NaN());
  EXPECT_NE(nan_s.find("movement nan"), std::string::npos) << nan_s;
  const std::string neg_s = rejected(-0.1);
  EXPECT_NE(neg_s.find("movement -0.1 "), std::string::npos) << neg_s;
  EXPECT_NE(neg_s.find(">= 0"), std::string::npos) << neg_s;
  const std::string inf_s = rejected(std::numeric_limits<double>::infinity());
  EXPECT_NE(inf_s.find("movement inf"), std::string::npos) << inf_s;
  const std::string ninf_s = rejected(-std::numeric_limits<double>::infinity());
  EXPECT_NE(ninf_s.find("movement -inf"), std::string::npos) << ninf_s;
}

TEST(MovementBpmCurveTest, NaNMapsToTheLowestBandWithoutValidation) {
  const MovementBpmCurve curve;
  EXPECT_DOUBLE_EQ(curve.target_bpm(std::numeric_limits<double>::quiet_NaN()), 105.0);
  EXPECT_DOUBLE_EQ(curve.target_bpm(-3.0), 105.0);
}

TEST(MovementBpmCurveTest, CustomThresholdsAndTargetsAreUsed) {
  MovementBpmSettings s;
  s.very_very_low = 0.1;
  s.very_low = 0.2;
  s.low = 0.3;
  s.medium = 0.4;
  s.bpm_very_very_low = 90;
  s.bpm_very_low = 95;
  s.bpm_low = 100;
  s.bpm_medium = 110;
  s.bpm_high_max = 140;
  s.movement_max_value = 0.8;
  const MovementBpmCurve curve(s);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.05), 90);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.1), 95);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.2), 100);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.3), 110);
  EXPECT_NEAR(curve.target_bpm(0.6), 125.0, kTol);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.8), 140);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.95), 140);
}

TEST(MovementBpmCurveTest, OriginalDefaultsWithEqualLowAndMediumSkipTheEmptyBand) {
  // The original's bpm_config.json ships low = medium = 0.10 and documents
  // 18.6 % movement → 120.06 BPM.
  MovementBpmSettings s;
  s.medium = 0.10;
  const MovementBpmCurve curve(s);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.0999), 115.0);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.10), 118.0);
  EXPECT_NEAR(curve.target_bpm(0.186), 120.064, 1e-9);
}

TEST(MovementBpmCurveTest, MediumBelowLowStartsTheRiseAtMedium) {
  MovementBpmSettings s;
  s.medium = 0.08;
  const MovementBpmCurve curve(s);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.0499), 110.0);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.0799), 115.0);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.08), 118.0);
  EXPECT_NEAR(curve.target_bpm(0.34), 124.0, 1e-9);
}

TEST(MovementBpmCurveTest, DegenerateMaxAtOrBelowMediumJumpsToHighMax) {
  MovementBpmSettings s;
  s.movement_max_value = s.medium;
  const MovementBpmCurve curve(s);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.1499), 118.0);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.15), 130.0);
}

}  // namespace
}  // namespace crowdmesh::tempo
