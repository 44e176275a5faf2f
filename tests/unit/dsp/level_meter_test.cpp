#include "dsp/level_meter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace crowdmesh::dsp {
namespace {

// 1 kHz at 48 kHz: sample 12 of each period is exactly the crest.
std::vector<float> stereo_sine(double amplitude, std::size_t frames) {
  std::vector<float> out(frames * 2);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v = static_cast<float>(amplitude * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(f) / 48000.0));
    out[2 * f] = v;
    out[2 * f + 1] = v;
  }
  return out;
}

TEST(LevelMeterTest, FullScaleSineReadsMinus3Point01DbfsRms) {
  LevelMeter meter;
  const std::vector<float> signal = stereo_sine(1.0, 48000);
  meter.process(signal.data(), 48000, 2);
  EXPECT_NEAR(meter.rms_dbfs(), -3.0103, 0.01);
}

TEST(LevelMeterTest, FullScaleSineReadsZeroDbfsPeak) {
  LevelMeter meter;
  const std::vector<float> signal = stereo_sine(1.0, 48000);
  meter.process(signal.data(), 48000, 2);
  EXPECT_NEAR(meter.peak_dbfs(), 0.0, 0.001);
}

TEST(LevelMeterTest, HalfScaleSineReadsSixDbLower) {
  LevelMeter meter;
  const std::vector<float> signal = stereo_sine(0.5, 48000);
  meter.process(signal.data(), 48000, 2);
  EXPECT_NEAR(meter.rms_dbfs(), -3.0103 - 6.0206, 0.01);
  EXPECT_NEAR(meter.peak_dbfs(), -6.0206, 0.001);
}

TEST(LevelMeterTest, SilenceReadsMinus200Dbfs) {
  LevelMeter meter;
  EXPECT_EQ(meter.rms_dbfs(), -200.0);
  EXPECT_EQ(meter.peak_dbfs(), -200.0);
  const std::vector<float> silence(512, 0.0f);
  meter.process(silence.data(), 256, 2);
  EXPECT_EQ(meter.rms_dbfs(), -200.0);
  EXPECT_EQ(meter.peak_dbfs(), -200.0);
}

TEST(LevelMeterTest, AccumulatesAcrossCallsUntilReset) {
  LevelMeter meter;
  const std::vector<float> loud = stereo_sine(1.0, 480);
  const std::vector<float> silence(960, 0.0f);
  meter.process(loud.data(), 480, 2);
  meter.process(silence.data(), 480, 2);
  // Half the samples silent: mean square halves → 3.01 dB lower; the peak is kept.
  EXPECT_NEAR(meter.rms_dbfs(), -6.0206, 0.01);
  EXPECT_NEAR(meter.peak_dbfs(), 0.0, 0.001);
  meter.reset();
  EXPECT_EQ(meter.samples(), 0u);
  EXPECT_EQ(meter.rms_dbfs(), -200.0);
  EXPECT_EQ(meter.peak_dbfs(), -200.0);
}

TEST(LevelMeterTest, SkipsNonFiniteSamples) {
  LevelMeter meter;
  const std::vector<float> samples = {0.5f, std::numeric_limits<float>::quiet_NaN(),
                                      std::numeric_limits<float>::infinity(), -0.5f};
  meter.process(samples.data(), 2, 2);
  EXPECT_EQ(meter.samples(), 2u);
  EXPECT_NEAR(meter.peak_dbfs(), -6.0206, 0.001);
  EXPECT_NEAR(meter.rms_dbfs(), -6.0206, 0.001);
}

}  // namespace
}  // namespace crowdmesh::dsp
