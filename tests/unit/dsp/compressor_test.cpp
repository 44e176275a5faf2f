#include "dsp/compressor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr float kRate = 48000.0f;
constexpr std::size_t kBlock = 256;

CompressorParams test_params() {
  CompressorParams p;
  p.threshold_dbfs = -20.0f;
  p.ratio = 4.0f;
  p.knee_db = 6.0f;
  p.attack_ms = 5.0f;
  p.release_ms = 100.0f;
  p.makeup_db = 0.0f;
  return p;
}

double amplitude(double dbfs) { return std::pow(10.0, dbfs / 20.0); }

std::vector<float> stereo_sine(double hz, double peak_dbfs, std::size_t frames) {
  const double a = amplitude(peak_dbfs);
  std::vector<float> out(frames * 2);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v = static_cast<float>(a * std::sin(2.0 * M_PI * hz * static_cast<double>(f) / kRate));
    out[2 * f] = v;
    out[2 * f + 1] = v;
  }
  return out;
}

// Constant magnitude (sign alternating every frame): the detector sees a steady level, so the output
// magnitude divided by the input magnitude is the compressor's gain at every frame.
std::vector<float> stereo_steady(double dbfs, std::size_t frames) {
  const auto a = static_cast<float>(amplitude(dbfs));
  std::vector<float> out(frames * 2);
  for (std::size_t f = 0; f < frames; ++f) out[2 * f] = out[2 * f + 1] = (f % 2 == 0) ? a : -a;
  return out;
}

void process_in_blocks(Compressor& comp, std::vector<float>& signal) {
  const std::size_t frames = signal.size() / 2;
  for (std::size_t f = 0; f < frames; f += kBlock) comp.process(signal.data() + 2 * f, std::min(kBlock, frames - f));
}

double peak_dbfs(const std::vector<float>& signal, std::size_t first_frame, std::size_t end_frame) {
  float m = 0.0f;
  for (std::size_t i = 2 * first_frame; i < 2 * end_frame; ++i) m = std::max(m, std::fabs(signal[i]));
  return 20.0 * std::log10(m);
}

// Gain in dB at each frame of a steady-magnitude signal (left channel).
std::vector<double> gain_db_per_frame(const std::vector<float>& in, const std::vector<float>& out) {
  std::vector<double> g(in.size() / 2);
  for (std::size_t f = 0; f < g.size(); ++f) g[f] = 20.0 * std::log10(std::fabs(out[2 * f]) / std::fabs(in[2 * f]));
  return g;
}

TEST(CompressorTest, SineAt8dBFSComesOutAtMinus17dBFSWithThresholdMinus20AndRatio4) {
  Compressor comp(test_params(), kRate, 2);
  std::vector<float> signal = stereo_sine(997.0, -8.0, 48000);
  process_in_blocks(comp, signal);
  EXPECT_NEAR(peak_dbfs(signal, 24000, 48000), -17.0, 0.5);  // after 0.5 s (100 attack times)
  EXPECT_NEAR(comp.gain_reduction_db(), 9.0, 0.5);
}

TEST(CompressorTest, SineBelowTheKneePassesUnchanged) {
  Compressor comp(test_params(), kRate, 2);
  std::vector<float> signal = stereo_sine(997.0, -30.0, 48000);
  const std::vector<float> input = signal;
  process_in_blocks(comp, signal);
  EXPECT_EQ(signal, input);
  EXPECT_EQ(comp.gain_reduction_db(), 0.0f);
}

TEST(CompressorTest, SoftKneeReducesByAnEighthOfTheKneeTimesSlopeAtThreshold) {
  // At x = T the soft knee gives (1 − 1/R)·W/8 = 0.75 · 6 / 8 = 0.5625 dB (Giannoulis et al., eq. 4).
  Compressor comp(test_params(), kRate, 2);
  EXPECT_NEAR(comp.static_reduction_db(-20.0f), 0.5625f, 1e-4f);
  std::vector<float> signal = stereo_steady(-20.0, 24000);
  process_in_blocks(comp, signal);
  EXPECT_NEAR(peak_dbfs(signal, 12000, 24000), -20.5625, 0.01);
}

TEST(CompressorTest, HardKneeFollowsTheRatioAboveThresholdAndNothingBelow) {
  CompressorParams p = test_params();
  p.knee_db = 0.0f;
  Compressor comp(p, kRate, 1);
  EXPECT_EQ(comp.static_reduction_db(-20.0f), 0.0f);
  EXPECT_EQ(comp.static_reduction_db(-21.0f), 0.0f);
  EXPECT_NEAR(comp.static_reduction_db(-12.0f), 6.0f, 1e-5f);  // 8 dB over → 2 dB over
}

TEST(CompressorTest, AttackReachesSixtyThreePercentAfterTheAttackTime) {
  Compressor comp(test_params(), kRate, 2);
  const std::vector<float> in = stereo_steady(-8.0, 9600);  // wants 9 dB of reduction
  std::vector<float> out = in;
  process_in_blocks(comp, out);
  const std::vector<double> g = gain_db_per_frame(in, out);
  const double target = -9.0 * (1.0 - std::exp(-1.0));
  const auto reached =
      static_cast<std::size_t>(std::find_if(g.begin(), g.end(), [&](double v) { return v <= target; }) - g.begin());
  const double ms = 1000.0 * static_cast<double>(reached) / kRate;
  EXPECT_NEAR(ms, 5.0, 0.5);
  EXPECT_NEAR(g.back(), -9.0, 0.01);
}

TEST(CompressorTest, ReleaseDecaysToThirtySevenPercentAfterAboutTheReleaseTime) {
  Compressor comp(test_params(), kRate, 2);
  std::vector<float> loud = stereo_steady(-8.0, 9600);
  process_in_blocks(comp, loud);
  ASSERT_NEAR(comp.gain_reduction_db(), 9.0, 0.01);
  const std::vector<float> in = stereo_steady(-40.0, 48000);  // below the knee: wants no reduction
  std::vector<float> out = in;
  process_in_blocks(comp, out);
  const std::vector<double> g = gain_db_per_frame(in, out);
  const double target = -9.0 * std::exp(-1.0);
  const auto reached =
      static_cast<std::size_t>(std::find_if(g.begin(), g.end(), [&](double v) { return v >= target; }) - g.begin());
  const double ms = 1000.0 * static_cast<double>(reached) / kRate;
  EXPECT_GT(ms, 90.0);   // release_ms = 100
  EXPECT_LT(ms, 120.0);  // + about attack_ms for the second smoothing stage
  EXPECT_LT(comp.gain_reduction_db(), 0.01f);
}

TEST(CompressorTest, StereoLinkedGainAppliesTheLoudChannelsReductionToTheQuietOne) {
  Compressor comp(test_params(), kRate, 2);
  std::vector<float> signal = stereo_steady(-8.0, 24000);
  const auto quiet = static_cast<float>(amplitude(-40.0));
  for (std::size_t f = 0; f < 24000; ++f) signal[2 * f + 1] = quiet;
  process_in_blocks(comp, signal);
  EXPECT_NEAR(20.0 * std::log10(signal[2 * 23999 + 1]), -49.0, 0.05);
}

TEST(CompressorTest, MakeupGainIsAddedAfterCompression) {
  CompressorParams p = test_params();
  p.makeup_db = 5.0f;
  Compressor comp(p, kRate, 2);
  std::vector<float> below = stereo_steady(-30.0, 4800);
  process_in_blocks(comp, below);
  EXPECT_NEAR(peak_dbfs(below, 0, 4800), -25.0, 0.01);
  std::vector<float> above = stereo_steady(-8.0, 24000);
  process_in_blocks(comp, above);
  EXPECT_NEAR(peak_dbfs(above, 12000, 24000), -12.0, 0.05);
}

TEST(CompressorTest, ResetClearsTheGainReduction) {
  Compressor comp(test_params(), kRate, 2);
  std::vector<float> loud = stereo_steady(-8.0, 4800);
  process_in_blocks(comp, loud);
  ASSERT_GT(comp.gain_reduction_db(), 8.0f);
  comp.reset();
  EXPECT_EQ(comp.gain_reduction_db(), 0.0f);
  std::vector<float> quiet = stereo_steady(-30.0, 16);
  const std::vector<float> input = quiet;
  comp.process(quiet.data(), 16);
  EXPECT_EQ(quiet, input);
}

TEST(CompressorTest, CheckNamesTheInvalidParameterAndItsRange) {
  EXPECT_TRUE(Compressor::check(test_params()).empty());
  CompressorParams p = test_params();
  p.ratio = 0.5f;
  EXPECT_EQ(Compressor::check(p), "compressor ratio 0.5 is out of range: must be within 1..50");
  p = test_params();
  p.threshold_dbfs = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(Compressor::check(p).find("threshold nan dBFS"), std::string::npos);
  p = test_params();
  p.attack_ms = 0.0f;
  EXPECT_NE(Compressor::check(p).find("attack 0 ms"), std::string::npos);
  p = test_params();
  p.release_ms = 9000.0f;
  EXPECT_NE(Compressor::check(p).find("1..5000 ms"), std::string::npos);
  EXPECT_THROW(Compressor(p, kRate, 2), std::invalid_argument);
  EXPECT_THROW(Compressor(test_params(), kRate, 0), std::invalid_argument);
}

}  // namespace
}  // namespace crowdmesh::dsp
