#include "dsp/dj_filter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr double kRate = 48000.0;
constexpr int kChannels = 2;
constexpr std::size_t kBlock = 256;

std::vector<float> sine(double hz, std::size_t frames, double amplitude = 0.5) {
  std::vector<float> out(frames * kChannels);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v = static_cast<float>(amplitude * std::sin(2.0 * M_PI * hz * static_cast<double>(f) / kRate));
    for (int c = 0; c < kChannels; ++c) out[f * kChannels + c] = v;
  }
  return out;
}

void process_in_blocks(DjFilter& filter, std::vector<float>& signal) {
  const std::size_t frames = signal.size() / kChannels;
  for (std::size_t pos = 0; pos < frames; pos += kBlock)
    filter.process(signal.data() + pos * kChannels, std::min(kBlock, frames - pos));
}

// RMS level (dBFS) of the frames from `from` on.
double rms_db(const std::vector<float>& s, std::size_t from_frame) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t i = from_frame * kChannels; i < s.size(); ++i, ++n) sum += static_cast<double>(s[i]) * s[i];
  return 10.0 * std::log10(sum / static_cast<double>(n) + 1e-30);
}

// Gain (dB) the filter, already at `amount`, applies to a sine at `hz` after 0.5 s of settling.
double gain_at(double amount, double hz) {
  DjFilter f(kRate, kChannels);
  f.set_amount(amount);
  f.reset();  // straight to the amount, no sweep
  auto s = sine(hz, 72000);
  const auto in = s;
  process_in_blocks(f, s);
  return rms_db(s, 24000) - rms_db(in, 24000);
}

TEST(DjFilterTest, OffLeavesTheAudioBitExact) {
  DjFilter f(kRate, kChannels);
  auto s = sine(1000.0, 4800);
  const auto in = s;
  process_in_blocks(f, s);
  EXPECT_EQ(s, in);
  EXPECT_TRUE(f.is_off());
}

TEST(DjFilterTest, FullLowPassKeepsTheBassAndCutsTheTop) {
  EXPECT_GT(gain_at(-1.0, 50.0), -1.0);
  EXPECT_LT(gain_at(-1.0, 5000.0), -40.0);
}

TEST(DjFilterTest, FullHighPassKeepsTheTopAndCutsTheBass) {
  EXPECT_GT(gain_at(1.0, 14000.0), -3.0);
  EXPECT_LT(gain_at(1.0, 200.0), -40.0);
}

TEST(DjFilterTest, HalfwayCutoffsSitAtTheGeometricMeansOfTheEnds) {
  DjFilter f(kRate, kChannels);
  EXPECT_NEAR(f.lowpass_hz(-0.5), std::sqrt(20000.0 * DjFilter::kLowpassMinHz), 1e-6);
  EXPECT_NEAR(f.highpass_hz(0.5), std::sqrt(DjFilter::kHighpassOpenHz * DjFilter::kHighpassMaxHz), 1e-6);
  // The -3 dB point of the Butterworth sections is the cutoff.
  EXPECT_NEAR(gain_at(-0.5, f.lowpass_hz(-0.5)), -3.0, 0.3);
  EXPECT_NEAR(gain_at(0.5, f.highpass_hz(0.5)), -3.0, 0.3);
}

TEST(DjFilterTest, CutoffsStayBelowNyquistAtALowSampleRate) {
  DjFilter f(22050.0, 1);
  EXPECT_LT(f.lowpass_hz(0.0), 11025.0);
  EXPECT_LT(f.highpass_hz(1.0), 11025.0);
}

TEST(DjFilterTest, SuddenKnobJumpsDoNotClick) {
  // A 200 Hz sine moves at most 2π·200/48000·0.5 ≈ 0.013 per sample; a click is a jump far above that.
  DjFilter f(kRate, kChannels);
  auto s = sine(200.0, 48000 * 4);
  const std::size_t frames = s.size() / kChannels;
  for (std::size_t pos = 0; pos < frames; pos += kBlock) {
    if (pos == 24000) f.set_amount(-1.0);
    if (pos == 72000) f.set_amount(1.0);
    if (pos == 120000) f.set_amount(0.0);
    f.process(s.data() + pos * kChannels, std::min(kBlock, frames - pos));
  }
  float worst = 0.0f;
  for (std::size_t i = kChannels; i < s.size(); ++i) worst = std::max(worst, std::fabs(s[i] - s[i - kChannels]));
  EXPECT_LT(worst, 0.03f);
}

TEST(DjFilterTest, TurnedBackOffItReturnsToBitExactPassThrough) {
  DjFilter f(kRate, kChannels);
  ASSERT_TRUE(f.set_amount(-0.6));
  auto warm = sine(1000.0, 48000);
  process_in_blocks(f, warm);
  ASSERT_TRUE(f.set_amount(0.0));
  process_in_blocks(f, warm);  // 1 s: the smoothing settles
  EXPECT_TRUE(f.is_off());
  auto s = sine(700.0, 4800);
  const auto in = s;
  process_in_blocks(f, s);
  EXPECT_EQ(s, in);
}

TEST(DjFilterTest, NanAndOutOfRangeAmountsAreRefusedAndChangeNothing) {
  DjFilter f(kRate, kChannels);
  ASSERT_TRUE(f.set_amount(0.25));
  EXPECT_FALSE(f.set_amount(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(f.set_amount(1.01));
  EXPECT_FALSE(f.set_amount(-1.5));
  EXPECT_FALSE(f.set_amount(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(f.amount(), 0.25);
}

TEST(DjFilterTest, BadRateOrChannelsThrowNamingTheValue) {
  try {
    DjFilter f(1000.0, 2);
    FAIL() << "a 1000 Hz rate was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("1000"), std::string::npos) << e.what();
  }
  EXPECT_THROW(DjFilter(48000.0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace crowdmesh::dsp
