#include "dsp/test_tone.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr double kRate = 48000.0;
constexpr int kChannels = 2;

std::vector<float> render(TestToneGenerator& g, std::size_t frames, std::size_t block = 256) {
  std::vector<float> out(frames * kChannels, 0.0f);
  for (std::size_t pos = 0; pos < frames; pos += block)
    g.add(out.data() + pos * kChannels, std::min(block, frames - pos));
  return out;
}

// Rising zero crossings of channel 0 between frames [from, to).
int rising_crossings(const std::vector<float>& s, std::size_t from, std::size_t to) {
  int n = 0;
  for (std::size_t f = from + 1; f < to; ++f)
    if (s[(f - 1) * kChannels] < 0.0f && s[f * kChannels] >= 0.0f) ++n;
  return n;
}

TEST(TestToneTest, PlaysTheFrequencyAtThePeakLevelOnEveryChannel) {
  TestToneGenerator g(kRate, kChannels);
  g.start(1000.0, 0.1, 48000);
  const auto s = render(g, 48000);
  EXPECT_NEAR(rising_crossings(s, 4800, 43200), 800, 1);  // 0.8 s of 1 kHz
  float peak = 0.0f;
  for (std::size_t f = 4800; f < 43200; ++f) {
    peak = std::max(peak, std::fabs(s[f * kChannels]));
    ASSERT_EQ(s[f * kChannels], s[f * kChannels + 1]) << "frame " << f;
  }
  EXPECT_NEAR(peak, 0.1f, 0.001f);
}

TEST(TestToneTest, LastsTheRequestedFramesThenFallsSilent) {
  TestToneGenerator g(kRate, kChannels);
  g.start(440.0, 0.5, 9600);
  const auto s = render(g, 20000);
  std::size_t last = 0;
  for (std::size_t f = 0; f < 20000; ++f)
    if (s[f * kChannels] != 0.0f) last = f;
  EXPECT_GE(last, 9500u);
  EXPECT_LT(last, 9600u);
  EXPECT_FALSE(g.active());
}

TEST(TestToneTest, StartStopAndReplacementDoNotClick) {
  // The steepest signal here is the 880 Hz tone while its level still glides
  // down from 0.5: at most 2π·880/48000·0.5 ≈ 0.058 per sample. A click jumps far more.
  TestToneGenerator g(kRate, kChannels);
  std::vector<float> s(48000 * kChannels, 0.0f);
  g.start(440.0, 0.5, 96000);
  g.add(s.data(), 12000);
  g.start(880.0, 0.25, 96000);  // replaces the playing tone
  g.add(s.data() + 12000 * kChannels, 12000);
  g.stop();
  g.add(s.data() + 24000 * kChannels, 24000);
  float worst = 0.0f;
  for (std::size_t f = 1; f < 48000; ++f) worst = std::max(worst, std::fabs(s[f * kChannels] - s[(f - 1) * kChannels]));
  EXPECT_LT(worst, 0.065f);
  EXPECT_FALSE(g.active());
  EXPECT_EQ(s[47999 * kChannels], 0.0f);
}

TEST(TestToneTest, AddsToWhatIsAlreadyOnTheBus) {
  TestToneGenerator g(kRate, 1);
  std::vector<float> bus(4800, 0.25f);
  g.start(1000.0, 0.1, 48000);
  g.add(bus.data(), bus.size());
  float lo = 1.0f, hi = -1.0f;
  for (std::size_t f = 960; f < bus.size(); ++f) {
    lo = std::min(lo, bus[f]);
    hi = std::max(hi, bus[f]);
  }
  EXPECT_NEAR(lo, 0.15f, 0.002f);
  EXPECT_NEAR(hi, 0.35f, 0.002f);
}

TEST(TestToneTest, InactiveGeneratorLeavesTheBusUntouched) {
  TestToneGenerator g(kRate, kChannels);
  std::vector<float> bus(512, 0.5f);
  g.add(bus.data(), 256);
  EXPECT_TRUE(std::all_of(bus.begin(), bus.end(), [](float v) { return v == 0.5f; }));
}

}  // namespace
}  // namespace crowdmesh::dsp
