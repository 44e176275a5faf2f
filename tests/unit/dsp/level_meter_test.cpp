#include "dsp/level_meter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
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


// process() runs four samples at a time, then a scalar tail: a NaN, an
// infinity or the peak at any position of any length reads as the plain
// one-sample-at-a-time definition does.
TEST(LevelMeterTest, LanesAndTailAgreeWithThePlainDefinitionAtEveryPosition) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (std::size_t n = 1; n <= 19; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      std::vector<float> x(n);
      for (std::size_t i = 0; i < n; ++i) x[i] = 0.01f * static_cast<float>(i + 1) * (i % 2 ? -1.0f : 1.0f);
      x[at] = -0.9f;                   // the peak
      x[(at + 1) % n] = n > 1 ? nan : x[(at + 1) % n];
      x[(at + 2) % n] = n > 2 ? -inf : x[(at + 2) % n];
      double sum = 0.0;
      float peak = 0.0f;
      std::uint64_t counted = 0;
      for (float v : x) {
        if (!std::isfinite(v)) continue;
        sum += static_cast<double>(v) * v;
        peak = std::max(peak, std::fabs(v));
        ++counted;
      }
      LevelMeter meter;
      meter.process(x.data(), n, 1);
      ASSERT_EQ(meter.samples(), counted) << "n " << n << " at " << at;
      ASSERT_EQ(meter.peak(), peak) << "n " << n << " at " << at;
      ASSERT_NEAR(meter.rms_dbfs(), 20.0 * std::log10(std::sqrt(sum / static_cast<double>(counted))), 1e-4)
          << "n " << n << " at " << at;
    }
  }
}

TEST(LevelMeterTest, LongBlocksSumWithinAHundredthOfADecibel) {
  // 1 s of a −20 dBFS sine in one call: the float lanes are drained into a
  // double every 512 samples, so the RMS stays exact to well under 0.01 dB.
  LevelMeter meter;
  const auto x = stereo_sine(0.1, 48000);
  meter.process(x.data(), 48000, 2);
  EXPECT_NEAR(meter.rms_dbfs(), -20.0 - 3.0103, 0.001);
}

}  // namespace
}  // namespace crowdmesh::dsp
