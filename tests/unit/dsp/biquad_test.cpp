#include "dsp/biquad.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr double kRate = 48000.0;
constexpr std::size_t kBlock = 256;
constexpr std::size_t kSettleFrames = 48000;   // 1 s: transients of a 20 Hz corner decay
constexpr std::size_t kMeasureFrames = 48000;  // 1 s: whole periods of every integer Hz

std::vector<float> sine(double hz, std::size_t frames, int channels, double amplitude = 0.5) {
  std::vector<float> out(frames * static_cast<std::size_t>(channels));
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v = static_cast<float>(amplitude * std::sin(2.0 * M_PI * hz * static_cast<double>(f) / kRate));
    for (int c = 0; c < channels; ++c) out[f * static_cast<std::size_t>(channels) + c] = v;
  }
  return out;
}

void process_in_blocks(Biquad& filter, std::vector<float>& signal) {
  const std::size_t ch = static_cast<std::size_t>(filter.channels());
  const std::size_t frames = signal.size() / ch;
  for (std::size_t f = 0; f < frames; f += kBlock) filter.process(signal.data() + f * ch, std::min(kBlock, frames - f));
}

// RMS of one channel over frames [first, end), dBFS-style (20·log10).
double rms_db(const std::vector<float>& signal, int channels, int channel, std::size_t first_frame) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t f = first_frame; f < signal.size() / channels; ++f, ++n) {
    const double v = signal[f * channels + channel];
    sum += v * v;
  }
  return 10.0 * std::log10(sum / static_cast<double>(n) + 1e-30);
}

// Measured gain of the filter for a sine at hz (dB), after the transient.
double measured_gain_db(BiquadType type, double f0, double q, double gain_db, double hz) {
  Biquad filter(type, kRate, 1, f0, q, gain_db);
  std::vector<float> signal = sine(hz, kSettleFrames + kMeasureFrames, 1);
  const std::vector<float> input = signal;
  process_in_blocks(filter, signal);
  return rms_db(signal, 1, 0, kSettleFrames) - rms_db(input, 1, 0, kSettleFrames);
}

TEST(BiquadTest, HighpassAt80HzAttenuates20HzByMoreThan20dB) {
  EXPECT_LT(measured_gain_db(BiquadType::highpass, 80.0, kButterworthQ, 0.0, 20.0), -20.0);
}

TEST(BiquadTest, HighpassAt80HzPasses1kHzWithinATenthOfADecibel) {
  EXPECT_NEAR(measured_gain_db(BiquadType::highpass, 80.0, kButterworthQ, 0.0, 1000.0), 0.0, 0.1);
}

TEST(BiquadTest, ButterworthHighpassIsMinus3dBAtItsCorner) {
  EXPECT_NEAR(measured_gain_db(BiquadType::highpass, 80.0, kButterworthQ, 0.0, 80.0), -3.01, 0.1);
}

TEST(BiquadTest, LowpassAt1kHzPasses100HzAndAttenuates10kHz) {
  EXPECT_NEAR(measured_gain_db(BiquadType::lowpass, 1000.0, kButterworthQ, 0.0, 100.0), 0.0, 0.1);
  EXPECT_LT(measured_gain_db(BiquadType::lowpass, 1000.0, kButterworthQ, 0.0, 10000.0), -35.0);
}

TEST(BiquadTest, PeakingPlus6dBAt1kHzGivesPlus6dBThere) {
  EXPECT_NEAR(measured_gain_db(BiquadType::peaking, 1000.0, 1.0, 6.0, 1000.0), 6.0, 0.1);
}

TEST(BiquadTest, PeakingLeavesFrequenciesFarAwayAlmostUnchanged) {
  EXPECT_NEAR(measured_gain_db(BiquadType::peaking, 1000.0, 1.0, 6.0, 50.0), 0.0, 0.2);
  EXPECT_NEAR(measured_gain_db(BiquadType::peaking, 1000.0, 1.0, 6.0, 15000.0), 0.0, 0.3);
}

TEST(BiquadTest, LowShelfBoostsBelowAndLeavesAboveAndIsHalfwayAtItsFrequency) {
  EXPECT_NEAR(measured_gain_db(BiquadType::low_shelf, 200.0, 1.0, 6.0, 20.0), 6.0, 0.2);
  EXPECT_NEAR(measured_gain_db(BiquadType::low_shelf, 200.0, 1.0, 6.0, 200.0), 3.0, 0.1);
  EXPECT_NEAR(measured_gain_db(BiquadType::low_shelf, 200.0, 1.0, 6.0, 5000.0), 0.0, 0.1);
}

TEST(BiquadTest, HighShelfCutsAboveAndLeavesBelowAndIsHalfwayAtItsFrequency) {
  EXPECT_NEAR(measured_gain_db(BiquadType::high_shelf, 4000.0, 1.0, -6.0, 18000.0), -6.0, 0.3);
  EXPECT_NEAR(measured_gain_db(BiquadType::high_shelf, 4000.0, 1.0, -6.0, 4000.0), -3.0, 0.1);
  EXPECT_NEAR(measured_gain_db(BiquadType::high_shelf, 4000.0, 1.0, -6.0, 100.0), 0.0, 0.1);
}

TEST(BiquadTest, AnalyticResponseMatchesMeasuredGain) {
  const BiquadCoefficients c = design_biquad(BiquadType::peaking, kRate, 3000.0, 0.7, -4.0);
  for (double hz : {100.0, 1000.0, 3000.0, 9000.0}) {
    EXPECT_NEAR(biquad_response_db(c, kRate, hz), measured_gain_db(BiquadType::peaking, 3000.0, 0.7, -4.0, hz), 0.05)
        << hz << " Hz";
  }
}

TEST(BiquadTest, ChannelsKeepSeparateState) {
  Biquad filter(BiquadType::lowpass, kRate, 2, 1000.0);
  std::vector<float> signal = sine(440.0, 4800, 2);
  for (std::size_t f = 0; f < 4800; ++f) signal[2 * f + 1] = 0.0f;  // right channel silent
  process_in_blocks(filter, signal);
  float right_peak = 0.0f;
  for (std::size_t f = 0; f < 4800; ++f) right_peak = std::max(right_peak, std::fabs(signal[2 * f + 1]));
  EXPECT_LT(right_peak, 1e-12f);
  EXPECT_GT(rms_db(signal, 2, 0, 2400), -10.0);
}

TEST(BiquadTest, ProcessingInBlocksEqualsProcessingAtOnce) {
  std::vector<float> a = sine(997.0, 10000, 2);
  std::vector<float> b = a;
  Biquad whole(BiquadType::high_shelf, kRate, 2, 2000.0, 0.8, 5.0);
  Biquad blocks(BiquadType::high_shelf, kRate, 2, 2000.0, 0.8, 5.0);
  whole.process(a.data(), 10000);
  process_in_blocks(blocks, b);
  EXPECT_EQ(a, b);
}

TEST(BiquadTest, ResetClearsTheState) {
  Biquad filter(BiquadType::lowpass, kRate, 1, 200.0);
  std::vector<float> loud = sine(100.0, 4800, 1);
  filter.process(loud.data(), loud.size());
  filter.reset();
  std::vector<float> silence(480, 0.0f);
  filter.process(silence.data(), silence.size());
  for (float v : silence) EXPECT_LT(std::fabs(v), 1e-12f);
}

TEST(BiquadTest, InvalidParametersAreRejectedWithTheValueInTheSentence) {
  EXPECT_NE(check_biquad(BiquadType::highpass, kRate, 30000.0, 0.7, 0.0).find("30000"), std::string::npos);
  EXPECT_NE(check_biquad(BiquadType::peaking, kRate, 1000.0, 0.0, 3.0).find("Q 0"), std::string::npos);
  EXPECT_NE(check_biquad(BiquadType::peaking, kRate, 1000.0, 1.0, 60.0).find("60 dB"), std::string::npos);
  EXPECT_NE(check_biquad(BiquadType::low_shelf, kRate, 1000.0, 10.0, 12.0).find("slope 10"), std::string::npos);
  EXPECT_NE(check_biquad(BiquadType::lowpass, NAN, 1000.0, 1.0, 0.0).find("sample rate"), std::string::npos);
  EXPECT_TRUE(check_biquad(BiquadType::low_shelf, kRate, 150.0, 1.0, -2.0).empty());
  EXPECT_THROW(Biquad(BiquadType::lowpass, kRate, 2, -5.0), std::invalid_argument);
  EXPECT_THROW(Biquad(BiquadType::lowpass, kRate, 0, 1000.0), std::invalid_argument);
}

}  // namespace
}  // namespace crowdmesh::dsp
