#include "dsp/smoothed_gain.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr float kRate = 48000.0f;
constexpr float kTauMs = 10.0f;
constexpr std::size_t kTauFrames = 480;  // 10 ms at 48 kHz

TEST(SmoothedGainTest, ReachesWithinOnePercentOfTargetAfterFiveTimeConstants) {
  SmoothedGain gain(kRate, kTauMs, 0.0f);
  gain.set_target(1.0f);
  std::vector<float> block(5 * kTauFrames, 1.0f);
  gain.apply(block.data(), block.size(), 1);
  EXPECT_NEAR(block.back(), 1.0f, 0.01f);
  EXPECT_NEAR(gain.current(), 1.0f, 0.01f);
}

TEST(SmoothedGainTest, IsStillRampingAfterOneTimeConstant) {
  SmoothedGain gain(kRate, kTauMs, 0.0f);
  gain.set_target(1.0f);
  std::vector<float> block(kTauFrames, 1.0f);
  gain.apply(block.data(), block.size(), 1);
  // 1 - e^-1 = 0.632 after one time constant.
  EXPECT_NEAR(gain.current(), 0.632f, 0.01f);
  EXPECT_FALSE(gain.settled());
}

TEST(SmoothedGainTest, StepFromZeroToOneChangesDcBlockByAtMostOneSmoothingStepPerFrame) {
  SmoothedGain gain(kRate, kTauMs, 0.0f);
  gain.set_target(1.0f);
  std::vector<float> block(20 * kTauFrames, 1.0f);
  gain.apply(block.data(), block.size(), 1);
  // One-pole step response: the largest per-frame change is the first, 1 - p ≈ 1/τ.
  const float max_step = 1.0f - gain.pole();
  EXPECT_LE(max_step, 1.0f / kTauFrames);
  float previous = 0.0f;
  float largest = 0.0f;
  for (float sample : block) {
    largest = std::max(largest, std::fabs(sample - previous));
    previous = sample;
  }
  EXPECT_LE(largest, max_step * 1.001f);
  EXPECT_GT(largest, 0.0f);
}

TEST(SmoothedGainTest, SnapsExactlyToTargetAndReportsSettled) {
  SmoothedGain gain(kRate, kTauMs, 0.25f);
  gain.set_target(1.0f);
  std::vector<float> block(40 * kTauFrames, 1.0f);
  gain.apply(block.data(), block.size(), 1);
  EXPECT_TRUE(gain.settled());
  EXPECT_EQ(gain.current(), 1.0f);
  EXPECT_EQ(block.back(), 1.0f);
}

TEST(SmoothedGainTest, SettlesOnLargeTargetWithoutStallingShortOfIt) {
  SmoothedGain gain(kRate, kTauMs, 0.0f);
  gain.set_target(16.0f);
  std::vector<float> block(40 * kTauFrames, 1.0f);
  gain.apply(block.data(), block.size(), 1);
  EXPECT_TRUE(gain.settled());
  EXPECT_EQ(gain.current(), 16.0f);
}

TEST(SmoothedGainTest, DecayToZeroEndsExactlyAtZeroWithoutSubnormals) {
  SmoothedGain gain(kRate, 0.01f, 1.0f);  // half a frame: decays fast toward subnormal range
  gain.set_target(0.0f);
  bool subnormal = false;
  for (int i = 0; i < 2000; ++i) {
    subnormal |= std::fpclassify(gain.next()) == FP_SUBNORMAL;
  }
  EXPECT_FALSE(subnormal);
  EXPECT_EQ(gain.current(), 0.0f);
}

TEST(SmoothedGainTest, JumpToChangesGainWithoutRamp) {
  SmoothedGain gain(kRate, kTauMs, 1.0f);
  gain.jump_to(0.5f);
  EXPECT_TRUE(gain.settled());
  std::vector<float> block(8, 2.0f);
  gain.apply(block.data(), 4, 2);
  for (float sample : block) EXPECT_EQ(sample, 1.0f);
}

TEST(SmoothedGainTest, SettledUnityGainIsBitTransparent) {
  SmoothedGain gain(kRate);
  std::vector<float> block = {0.1f, -0.3f, 1e-30f, 3.5f};
  const std::vector<float> original = block;
  gain.apply(block.data(), 2, 2);
  EXPECT_EQ(block, original);
}

TEST(SmoothedGainTest, ApplyAdvancesGainOncePerFrameForAllChannels) {
  SmoothedGain gain(kRate, kTauMs, 0.0f);
  gain.set_target(1.0f);
  constexpr int kChannels = 3;
  std::vector<float> block(64 * kChannels, 1.0f);
  gain.apply(block.data(), 64, kChannels);
  SmoothedGain reference(kRate, kTauMs, 0.0f);
  reference.set_target(1.0f);
  for (std::size_t f = 0; f < 64; ++f) {
    const float g = reference.next();
    for (int c = 0; c < kChannels; ++c) EXPECT_EQ(block[f * kChannels + c], g);
  }
}

TEST(SmoothedGainTest, ApplyAddMixesScaledSourceIntoDestination) {
  SmoothedGain gain(kRate, kTauMs, 0.5f);
  const std::vector<float> src = {1.0f, -2.0f, 4.0f, 8.0f};
  std::vector<float> dst = {1.0f, 1.0f, 1.0f, 1.0f};
  gain.apply_add(src.data(), dst.data(), 2, 2);
  EXPECT_EQ(dst, (std::vector<float>{1.5f, 0.0f, 3.0f, 5.0f}));
}

TEST(SmoothedGainTest, ApplyAddRampsLikeApply) {
  SmoothedGain mixer(kRate, kTauMs, 0.0f);
  SmoothedGain scaler(kRate, kTauMs, 0.0f);
  mixer.set_target(0.8f);
  scaler.set_target(0.8f);
  std::vector<float> src(256 * 2);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = std::sin(0.01f * static_cast<float>(i));
  std::vector<float> dst(src.size(), 0.0f);
  std::vector<float> scaled = src;
  mixer.apply_add(src.data(), dst.data(), 256, 2);
  scaler.apply(scaled.data(), 256, 2);
  EXPECT_EQ(dst, scaled);
}

TEST(SmoothedGainTest, ZeroTimeConstantReachesTargetImmediately) {
  SmoothedGain gain(kRate, 0.0f, 0.0f);
  gain.set_target(0.7f);
  EXPECT_EQ(gain.next(), 0.7f);
  EXPECT_TRUE(gain.settled());
}

}  // namespace
}  // namespace crowdmesh::dsp

TEST(SmoothedGainRampTest, RampIsLinearAndLandsExactlyOnTheTargetAtTheLastFrame) {
  crowdmesh::dsp::SmoothedGain g(48000.0f, 10.0f, 1.0f);
  g.ramp_to(0.0f, 4800);  // 100 ms fade-out
  EXPECT_EQ(g.ramp_frames_left(), 4800u);
  float prev = 1.0f;
  for (int i = 1; i <= 4800; ++i) {
    const float v = g.next();
    ASSERT_NEAR(v, 1.0f - static_cast<float>(i) / 4800.0f, 1e-6f) << "frame " << i;
    ASSERT_LE(v, prev);
    prev = v;
  }
  EXPECT_EQ(g.current(), 0.0f);
  EXPECT_TRUE(g.settled());
  EXPECT_EQ(g.next(), 0.0f);
}

TEST(SmoothedGainRampTest, LongRampKeepsItsLengthAndHalfwayValue) {
  crowdmesh::dsp::SmoothedGain g(48000.0f, 10.0f, 0.0f);
  const std::uint64_t frames = 48000ull * 600;  // a 10-minute fade-in
  g.ramp_to(1.0f, frames);
  for (std::uint64_t i = 0; i < frames / 2; ++i) g.next();
  EXPECT_NEAR(g.current(), 0.5f, 1e-6f);
  EXPECT_FALSE(g.settled());
  for (std::uint64_t i = frames / 2; i < frames; ++i) g.next();
  EXPECT_EQ(g.current(), 1.0f);
  EXPECT_TRUE(g.settled());
}

TEST(SmoothedGainRampTest, SetTargetDuringARampEndsItAndSmoothsFromWhereItWas) {
  crowdmesh::dsp::SmoothedGain g(48000.0f, 10.0f, 1.0f);
  g.ramp_to(0.0f, 1000);
  for (int i = 0; i < 500; ++i) g.next();
  const float mid = g.current();
  g.set_target(1.0f);
  EXPECT_EQ(g.ramp_frames_left(), 0u);
  EXPECT_NEAR(g.current(), mid, 1e-7f);  // no jump
  EXPECT_GT(g.next(), mid);
}

TEST(SmoothedGainRampTest, ZeroFramesIsASmoothedStep) {
  crowdmesh::dsp::SmoothedGain g(48000.0f, 10.0f, 1.0f);
  g.ramp_to(0.5f, 0);
  EXPECT_EQ(g.ramp_frames_left(), 0u);
  EXPECT_EQ(g.target(), 0.5f);
  EXPECT_GT(g.next(), 0.5f);  // the one-pole smoothing, not a jump
}
