#include "dsp/soft_limiter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr float kRate = 48000.0f;
constexpr std::size_t kBlock = 256;

std::vector<float> stereo_sine(double hz, double dbfs, std::size_t frames) {
  const double amplitude = std::pow(10.0, dbfs / 20.0);
  std::vector<float> out(frames * 2);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v = static_cast<float>(amplitude * std::sin(2.0 * M_PI * hz * static_cast<double>(f) / kRate));
    out[2 * f] = v;
    out[2 * f + 1] = v;
  }
  return out;
}

void process_in_blocks(SoftLimiter& limiter, std::vector<float>& signal) {
  const std::size_t frames = signal.size() / 2;
  for (std::size_t f = 0; f < frames; f += kBlock) {
    limiter.process(signal.data() + 2 * f, std::min(kBlock, frames - f));
  }
}

float max_abs(const std::vector<float>& signal) {
  float m = 0.0f;
  for (float v : signal) m = std::max(m, std::fabs(v));
  return m;
}

TEST(SoftLimiterTest, SineAt12dBFSNeverExceedsCeiling) {
  for (double hz : {50.0, 997.0, 9000.0}) {
    SoftLimiter limiter(kRate, 2);
    std::vector<float> signal = stereo_sine(hz, 12.0, 48000);
    process_in_blocks(limiter, signal);
    EXPECT_LE(max_abs(signal), limiter.ceiling()) << hz << " Hz";
    EXPECT_GT(max_abs(signal), 0.5f * limiter.ceiling()) << hz << " Hz";  // limited, not muted
  }
}

TEST(SoftLimiterTest, SineAt12dBFSHasNoFlatToppedRunsAtCeiling) {
  for (double hz : {50.0, 997.0, 9000.0}) {
    SoftLimiter limiter(kRate, 2);
    std::vector<float> signal = stereo_sine(hz, 12.0, 48000);
    process_in_blocks(limiter, signal);
    std::size_t at_ceiling = 0;
    std::size_t equal_neighbours_above_knee = 0;
    for (std::size_t f = 0; f < signal.size() / 2; ++f) {
      const float v = signal[2 * f];
      at_ceiling += std::fabs(v) >= limiter.ceiling() ? 1 : 0;
      if (f > 0 && std::fabs(v) > limiter.threshold() && v == signal[2 * (f - 1)]) {
        ++equal_neighbours_above_knee;
      }
    }
    EXPECT_EQ(at_ceiling, 0u) << hz << " Hz";
    EXPECT_EQ(equal_neighbours_above_knee, 0u) << hz << " Hz";
  }
}

TEST(SoftLimiterTest, SuddenBurstAt24dBFSNeverReachesCeiling) {
  SoftLimiter limiter(kRate, 2);
  std::vector<float> signal = stereo_sine(997.0, -30.0, 4800);
  const std::vector<float> burst = stereo_sine(997.0, 24.0, 4800);
  signal.insert(signal.end(), burst.begin(), burst.end());
  process_in_blocks(limiter, signal);
  EXPECT_LT(max_abs(signal), limiter.ceiling());
}

TEST(SoftLimiterTest, SignalBelowThresholdPassesBitExact) {
  SoftLimiter limiter(kRate, 2);
  std::vector<float> signal = stereo_sine(997.0, -6.0, 48000);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> noise(-0.2f, 0.2f);
  for (float& v : signal) v = std::clamp(v + noise(rng), -limiter.threshold(), limiter.threshold());
  const std::vector<float> input = signal;
  process_in_blocks(limiter, signal);
  EXPECT_EQ(signal, input);
  EXPECT_EQ(limiter.limited_frames(), 0u);
  EXPECT_EQ(limiter.gain_reduction_db(), 0.0f);
}

TEST(SoftLimiterTest, BecomesBitTransparentAgainAfterRelease) {
  SoftLimiter limiter(kRate, 2, -0.3f, 80.0f);
  std::vector<float> loud = stereo_sine(997.0, 6.0, 4800);
  process_in_blocks(limiter, loud);
  std::vector<float> quiet = stereo_sine(997.0, -20.0, 48000);  // envelope falls below knee in < 0.5 s
  process_in_blocks(limiter, quiet);
  std::vector<float> later = stereo_sine(997.0, -20.0, 4800);
  const std::vector<float> input = later;
  process_in_blocks(limiter, later);
  EXPECT_EQ(later, input);
  EXPECT_EQ(limiter.gain_reduction_db(), 0.0f);
}

TEST(SoftLimiterTest, OutputDoesNotDependOnTheBlockSize) {
  // Quiet passages at rest take a one-scan path per block; bursts above the
  // knee at any offset inside a block must come out as from frame-sized calls.
  std::vector<float> signal = stereo_sine(440.0, -30.0, 48000);
  for (std::size_t at : {1000u, 5003u, 17777u, 30001u}) {
    const auto burst = stereo_sine(997.0, 3.0, 700);
    std::copy(burst.begin(), burst.end(), signal.begin() + static_cast<std::ptrdiff_t>(2 * at));
  }
  std::fill(signal.begin() + 2 * 40000, signal.end(), 0.0f);  // then digital silence
  auto in_blocks = signal;
  SoftLimiter a(kRate, 2, -0.3f, 80.0f);
  process_in_blocks(a, in_blocks);
  auto in_frames = signal;
  SoftLimiter b(kRate, 2, -0.3f, 80.0f);
  for (std::size_t f = 0; f < in_frames.size() / 2; ++f) b.process(in_frames.data() + 2 * f, 1);
  EXPECT_EQ(in_blocks, in_frames);
  EXPECT_EQ(a.limited_frames(), b.limited_frames());
  EXPECT_GT(a.limited_frames(), 0u);
}

TEST(SoftLimiterTest, ReportsGainReductionWhileLimiting) {
  SoftLimiter limiter(kRate, 2);
  std::vector<float> signal = stereo_sine(997.0, 12.0, 9600);
  process_in_blocks(limiter, signal);
  // +12 dBFS peaks held at the knee (−2.3 dBFS) need about 14.3 dB of reduction.
  EXPECT_NEAR(limiter.gain_reduction_db(), 14.3f, 0.5f);
  EXPECT_GT(limiter.limited_frames(), 9000u);
}

TEST(SoftLimiterTest, AppliesSameGainToAllChannels) {
  SoftLimiter limiter(kRate, 2);
  const std::vector<float> loud = stereo_sine(997.0, 12.0, 9600);
  const std::vector<float> quiet = stereo_sine(997.0, -20.0, 9600);
  std::vector<float> signal(loud.size());
  for (std::size_t f = 0; f < loud.size() / 2; ++f) {
    signal[2 * f] = loud[2 * f];
    signal[2 * f + 1] = quiet[2 * f + 1];
  }
  process_in_blocks(limiter, signal);
  // The quiet right channel is scaled by the left channel's gain: last frame ratio = gain.
  const std::size_t f = 9600 - 7;  // a frame away from a zero crossing
  const double ratio = signal[2 * f + 1] / quiet[2 * f + 1];
  EXPECT_NEAR(20.0 * std::log10(ratio), -limiter.gain_reduction_db(), 0.2);
}

TEST(SoftLimiterTest, ConstructorRejectsCeilingAboveFullScale) {
  EXPECT_THROW(SoftLimiter(kRate, 2, 1.0f), std::invalid_argument);
}


// At rest the limiter scans a block's peak four samples at a time, then a
// scalar tail: one sample over the ceiling anywhere in a block of any length
// (both channels of a frame) is caught and brought under it.
TEST(SoftLimiterTest, AtRestAPeakAnywhereInTheBlockIsLimited) {
  for (std::size_t frames = 1; frames <= 11; ++frames) {
    for (std::size_t at = 0; at < 2 * frames; ++at) {
      SoftLimiter limiter(kRate, 2);
      std::vector<float> block(2 * frames, 0.1f);
      block[at] = (at % 2) ? -4.0f : 4.0f;  // +12 dBFS
      limiter.process(block.data(), frames);
      ASSERT_LE(std::fabs(block[at]), limiter.ceiling()) << "frames " << frames << " at " << at;
      ASSERT_GT(limiter.limited_frames(), 0u) << "frames " << frames << " at " << at;
    }
  }
}

}  // namespace
}  // namespace crowdmesh::dsp
