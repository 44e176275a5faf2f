#include "dsp/dj_eq.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr float kRate = 48000.0f;
constexpr std::size_t kBlock = 256;
constexpr std::size_t kSettleFrames = 24000;   // 0.5 s: gain smoothing and filter transients
constexpr std::size_t kMeasureFrames = 48000;  // 1 s: whole periods of every integer Hz

std::vector<float> sine(double hz, std::size_t frames, int channels, double amplitude = 0.5) {
  std::vector<float> out(frames * static_cast<std::size_t>(channels));
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v = static_cast<float>(amplitude * std::sin(2.0 * M_PI * hz * static_cast<double>(f) / kRate));
    for (int c = 0; c < channels; ++c) out[f * channels + c] = v;
  }
  return out;
}

void process_in_blocks(DjEq& eq, std::vector<float>& signal) {
  const std::size_t ch = static_cast<std::size_t>(eq.channels());
  const std::size_t frames = signal.size() / ch;
  for (std::size_t f = 0; f < frames; f += kBlock) {
    eq.process(signal.data() + f * ch, std::min(kBlock, frames - f));
  }
}

double rms(const std::vector<float>& signal, std::size_t first_sample) {
  double sum = 0.0;
  for (std::size_t i = first_sample; i < signal.size(); ++i) sum += double(signal[i]) * signal[i];
  return std::sqrt(sum / static_cast<double>(signal.size() - first_sample));
}

// Gain of the EQ at `hz` in dB, measured with a stereo sine after settling.
double response_db(DjEq& eq, double hz) {
  const int ch = eq.channels();
  std::vector<float> signal = sine(hz, kSettleFrames + kMeasureFrames, ch);
  const std::vector<float> input = signal;
  process_in_blocks(eq, signal);
  const std::size_t first = kSettleFrames * static_cast<std::size_t>(ch);
  return 20.0 * std::log10(rms(signal, first) / rms(input, first));
}

double response_db_with(float low_db, float mid_db, float high_db, double hz) {
  DjEq eq(kRate, 2);
  EXPECT_TRUE(eq.set_band_db(EqBand::low, low_db));
  EXPECT_TRUE(eq.set_band_db(EqBand::mid, mid_db));
  EXPECT_TRUE(eq.set_band_db(EqBand::high, high_db));
  return response_db(eq, hz);
}

constexpr float kKill = -std::numeric_limits<float>::infinity();

TEST(DjEqTest, AllBandsAtZeroDbAreFlatWithinPointOneDb) {
  for (double hz : {50.0, 200.0, 1000.0, 2000.0, 8000.0}) {
    DjEq eq(kRate, 2);
    EXPECT_NEAR(response_db(eq, hz), 0.0, 0.1) << hz << " Hz";
  }
}

TEST(DjEqTest, LowKillAttenuates50HzByAtLeast40dB) { EXPECT_LE(response_db_with(kKill, 0.0f, 0.0f, 50.0), -40.0); }

TEST(DjEqTest, LowKillLeaves1kHzWithin1dB) { EXPECT_NEAR(response_db_with(kKill, 0.0f, 0.0f, 1000.0), 0.0, 1.0); }

TEST(DjEqTest, MidKillAttenuates700HzByAtLeast30dB) { EXPECT_LE(response_db_with(0.0f, kKill, 0.0f, 700.0), -30.0); }

TEST(DjEqTest, MidKillLeaves50HzAnd10kHzWithin1dB) {
  EXPECT_NEAR(response_db_with(0.0f, kKill, 0.0f, 50.0), 0.0, 1.0);
  EXPECT_NEAR(response_db_with(0.0f, kKill, 0.0f, 10000.0), 0.0, 1.0);
}

TEST(DjEqTest, HighKillAttenuates10kHzByAtLeast40dB) { EXPECT_LE(response_db_with(0.0f, 0.0f, kKill, 10000.0), -40.0); }

TEST(DjEqTest, HighKillLeaves200HzWithin1dB) { EXPECT_NEAR(response_db_with(0.0f, 0.0f, kKill, 200.0), 0.0, 1.0); }

TEST(DjEqTest, LowBoostOf6dBRaises50HzBy6dBWithinHalfDb) {
  EXPECT_NEAR(response_db_with(6.0f, 0.0f, 0.0f, 50.0), 6.0, 0.5);
}

TEST(DjEqTest, HighCutOf12dBLowers10kHzBy12dBWithinHalfDb) {
  EXPECT_NEAR(response_db_with(0.0f, 0.0f, -12.0f, 10000.0), -12.0, 0.5);
}

TEST(DjEqTest, KillAtKillDbThresholdIsFullKill) {
  EXPECT_LE(response_db_with(DjEq::kKillDb, 0.0f, 0.0f, 50.0), -40.0);
  EXPECT_LE(response_db_with(0.0f, 0.0f, DjEq::kKillDb, 10000.0), -40.0);
}

TEST(DjEqTest, SetBandDbRejectsNaNAndLeavesStateUnchanged) {
  DjEq eq(kRate, 2);
  ASSERT_TRUE(eq.set_band_db(EqBand::mid, -3.0f));
  EXPECT_FALSE(eq.set_band_db(EqBand::mid, std::numeric_limits<float>::quiet_NaN()));
  EXPECT_EQ(eq.band_db(EqBand::mid), -3.0f);
  EXPECT_NEAR(response_db(eq, 700.0), response_db_with(0.0f, -3.0f, 0.0f, 700.0), 1e-6);
}

TEST(DjEqTest, SetBandDbRejectsPlus7dBAndLeavesStateUnchanged) {
  DjEq eq(kRate, 2);
  EXPECT_FALSE(eq.set_band_db(EqBand::low, 7.0f));
  EXPECT_FALSE(eq.set_band_db(EqBand::low, std::numeric_limits<float>::infinity()));
  EXPECT_EQ(eq.band_db(EqBand::low), 0.0f);
  EXPECT_TRUE(eq.is_flat());
}

TEST(DjEqTest, SetBandDbAcceptsMaxGainAndNegativeInfinity) {
  DjEq eq(kRate, 2);
  EXPECT_TRUE(eq.set_band_db(EqBand::low, DjEq::kMaxGainDb));
  EXPECT_TRUE(eq.set_band_db(EqBand::high, kKill));
  EXPECT_EQ(eq.band_db(EqBand::low), DjEq::kMaxGainDb);
  EXPECT_EQ(eq.band_db(EqBand::high), kKill);
}

TEST(DjEqTest, BandDbReportsNegativeInfinityAtOrBelowKillDb) {
  DjEq eq(kRate, 2);
  ASSERT_TRUE(eq.set_band_db(EqBand::mid, -75.0f));
  EXPECT_EQ(eq.band_db(EqBand::mid), kKill);
  ASSERT_TRUE(eq.set_band_db(EqBand::mid, -59.0f));
  EXPECT_EQ(eq.band_db(EqBand::mid), -59.0f);
}

TEST(DjEqTest, IsFlatOnlyWhenAllTargetsAreZeroDbAndSmoothingSettled) {
  DjEq eq(kRate, 2);
  EXPECT_TRUE(eq.is_flat());
  ASSERT_TRUE(eq.set_band_db(EqBand::high, -6.0f));
  EXPECT_FALSE(eq.is_flat());
  std::vector<float> block(kBlock * 2, 0.0f);
  eq.process(block.data(), kBlock);
  ASSERT_TRUE(eq.set_band_db(EqBand::high, 0.0f));
  EXPECT_FALSE(eq.is_flat());  // target flat, gain still ramping back
  for (int i = 0; i < 200; ++i) eq.process(block.data(), kBlock);
  EXPECT_TRUE(eq.is_flat());
}

TEST(DjEqTest, GainChangeRampsWithoutStepInOutput) {
  // 50 Hz sine at 0.5: a sample-to-sample difference is at most 2π·50/48000·0.5 ≈ 0.0033; an
  // unsmoothed kill would step by up to 0.5 in one sample.
  DjEq eq(kRate, 1);
  std::vector<float> signal = sine(50.0, 48000, 1);
  process_in_blocks(eq, signal);  // settle filters
  std::vector<float> next = sine(50.0, 96000, 1);
  next.erase(next.begin(), next.begin() + 48000);
  ASSERT_TRUE(eq.set_band_db(EqBand::low, kKill));
  float previous = signal.back();
  float largest = 0.0f;
  process_in_blocks(eq, next);
  for (float sample : next) {
    largest = std::max(largest, std::fabs(sample - previous));
    previous = sample;
  }
  EXPECT_LT(largest, 0.01f);
}

TEST(DjEqTest, ResetClearsFilterState) {
  DjEq eq(kRate, 2);
  ASSERT_TRUE(eq.set_band_db(EqBand::low, 3.0f));  // not flat: the filter runs
  std::vector<float> noise(kBlock * 2);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& v : noise) v = dist(rng);
  eq.process(noise.data(), kBlock);
  eq.reset();
  std::vector<float> silence(kBlock * 2, 0.0f);
  eq.process(silence.data(), kBlock);
  for (float v : silence) EXPECT_LT(std::fabs(v), 1e-15f);
}

TEST(DjEqTest, OutputHasNoSubnormalsAfterSignalStops) {
  DjEq eq(kRate, 2);
  ASSERT_TRUE(eq.set_band_db(EqBand::low, kKill));
  ASSERT_TRUE(eq.set_band_db(EqBand::high, 6.0f));
  std::vector<float> signal = sine(300.0, 4800, 2);
  process_in_blocks(eq, signal);
  std::vector<float> silence(480000, 0.0f);  // 5 s stereo
  process_in_blocks(eq, silence);
  const auto subnormals =
      std::count_if(silence.begin(), silence.end(), [](float v) { return std::fpclassify(v) == FP_SUBNORMAL; });
  EXPECT_EQ(subnormals, 0);
}

TEST(DjEqTest, ChannelsAreProcessedIndependently) {
  for (int channels : {2, 3}) {
    DjEq eq(kRate, channels);
    ASSERT_TRUE(eq.set_band_db(EqBand::mid, 6.0f));
    std::vector<float> signal(kSettleFrames * channels, 0.0f);
    const std::vector<float> tone = sine(1000.0, kSettleFrames, 1);
    for (std::size_t f = 0; f < kSettleFrames; ++f) signal[f * channels] = tone[f];
    process_in_blocks(eq, signal);
    float leak = 0.0f;
    for (std::size_t f = 0; f < kSettleFrames; ++f) {
      for (int c = 1; c < channels; ++c) leak = std::max(leak, std::fabs(signal[f * channels + c]));
    }
    EXPECT_LT(leak, 1e-15f) << channels << " channels";
  }
}

TEST(DjEqTest, MultichannelOutputMatchesMonoPerChannel) {
  for (int channels : {2, 3}) {
    DjEq mono(kRate, 1);
    DjEq multi(kRate, channels);
    for (DjEq* eq : {&mono, &multi}) {
      ASSERT_TRUE(eq->set_band_db(EqBand::low, 4.0f));
      ASSERT_TRUE(eq->set_band_db(EqBand::high, -20.0f));
    }
    std::vector<float> tone = sine(440.0, 4096, 1);
    std::vector<float> interleaved = sine(440.0, 4096, channels);
    process_in_blocks(mono, tone);
    process_in_blocks(multi, interleaved);
    float largest = 0.0f;
    for (std::size_t f = 0; f < tone.size(); ++f) {
      for (int c = 0; c < channels; ++c) {
        largest = std::max(largest, std::fabs(interleaved[f * channels + c] - tone[f]));
      }
    }
    EXPECT_LT(largest, 1e-6f) << channels << " channels";
  }
}

TEST(DjEqTest, FlatEqLeavesTheSamplesUntouched) {
  DjEq eq(kRate, 2);
  std::vector<float> noise(kBlock * 8 * 2);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& v : noise) v = dist(rng);
  std::vector<float> out = noise;
  process_in_blocks(eq, out);
  EXPECT_TRUE(eq.bypassed());
  EXPECT_EQ(out, noise);
}

TEST(DjEqTest, EnteringAndLeavingTheBypassNeitherClicksNorStaysFiltered) {
  // 1 kHz at 0.5: consecutive samples differ by at most 2π·1000/48000·0.5 ≈ 0.065.
  // A switch between the dry signal and the all-pass-shifted filtered one without
  // a fade would step by up to ~0.5.
  DjEq eq(kRate, 1);
  std::vector<float> signal = sine(1000.0, 3 * 48000, 1);
  const std::vector<float> input = signal;
  for (std::size_t f = 0; f < signal.size(); f += kBlock) {
    if (f == 47 * kBlock) ASSERT_TRUE(eq.set_band_db(EqBand::mid, 0.5f));  // a small touch: same level, other phase
    if (f == 235 * kBlock) ASSERT_TRUE(eq.set_band_db(EqBand::mid, 0.0f));
    eq.process(signal.data() + f, std::min(kBlock, signal.size() - f));
    if (f == 118 * kBlock) EXPECT_FALSE(eq.bypassed());
  }
  float largest = 0.0f;
  for (std::size_t i = 1; i < signal.size(); ++i) largest = std::max(largest, std::fabs(signal[i] - signal[i - 1]));
  EXPECT_LT(largest, 0.08f);
  EXPECT_TRUE(eq.bypassed()) << "flat again: back to the bypass";
  const std::size_t tail = 100'000;  // well after the 10 ms fade out of the filter
  EXPECT_TRUE(std::equal(signal.begin() + tail, signal.end(), input.begin() + tail));
  EXPECT_FALSE(std::equal(signal.begin() + 20'000, signal.begin() + 50'000, input.begin() + 20'000))
      << "the filter ran while the band was touched";
}

TEST(DjEqTest, ConstructorRejectsInvalidCrossovers) {
  EXPECT_THROW(DjEq(kRate, 2, 2000.0f, 200.0f), std::invalid_argument);
  EXPECT_THROW(DjEq(kRate, 2, 200.0f, 30000.0f), std::invalid_argument);
  EXPECT_THROW(DjEq(kRate, 0), std::invalid_argument);
}

}  // namespace
}  // namespace crowdmesh::dsp
