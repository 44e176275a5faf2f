#include "netaudio/loss_concealer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace crowdmesh::netaudio {
namespace {

float sine(std::uint32_t i, std::uint32_t c) {
  return 0.5f * static_cast<float>(std::sin(2.0 * M_PI * 440.0 * i / 48000.0 + c));
}

TEST(LossConcealerTest, AudioWithoutLossPassesBitExact) {
  LossConcealer lc(2, 96);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const float in[2] = {sine(i, 0), sine(i, 1)};
    float out[2];
    lc.good(in, out);
    ASSERT_EQ(out[0], in[0]);
    ASSERT_EQ(out[1], in[1]);
  }
}

TEST(LossConcealerTest, LossBeforeAnyAudioIsSilence) {
  LossConcealer lc(1, 16);
  for (int i = 0; i < 40; ++i) {
    float out = 1.0f;
    lc.missing(&out);
    EXPECT_EQ(out, 0.0f);
  }
}

TEST(LossConcealerTest, RepeatsTheLastPeriodFadingToSilenceWithinOnePeriod) {
  const std::uint32_t period = 64;
  LossConcealer lc(1, period);
  ASSERT_EQ(lc.fade_frames(), 16u);
  std::vector<float> last(period);
  for (std::uint32_t i = 0; i < 3 * period; ++i) {
    const float in = sine(i, 0);
    float out;
    lc.good(&in, &out);
    last[i % period] = in;
  }
  float prev = sine(3 * period - 1, 0);
  for (std::uint32_t j = 0; j < 3 * period; ++j) {
    float out;
    lc.missing(&out);
    if (j == 0) {
      EXPECT_EQ(out, prev) << "the first concealed frame continues from the last one played";
    }
    if (j >= period) {
      EXPECT_EQ(out, 0.0f) << "frame " << j << " of the loss: silence after one period";
      continue;
    }
    const float gain = 1.0f - static_cast<float>(j) / period;
    if (j >= lc.fade_frames()) {
      EXPECT_NEAR(out, gain * last[j % period], 1e-6f) << "frame " << j << ": the last period, attenuated";
    }
    // No jump: a 440 Hz sine at 0.5 moves by at most 0.029 per frame; the
    // cross-fade spreads the gap between the held frame and the repeat
    // (at most 1.0) over 16 steps, 0.0625 per frame.
    EXPECT_LT(std::fabs(out - prev), 0.029f + 1.0f / 16.0f) << "frame " << j;
    prev = out;
  }
}

TEST(LossConcealerTest, CrossFadesBackIntoAudioOverAQuarterPeriod) {
  const std::uint32_t period = 64;
  LossConcealer lc(1, period);
  for (std::uint32_t i = 0; i < period; ++i) {
    const float in = 0.5f;
    float out;
    lc.good(&in, &out);
  }
  for (int j = 0; j < 8; ++j) {
    float out;
    lc.missing(&out);
  }
  // Audio returns at -0.5: the output moves there over fade_frames() frames, monotonically.
  float prev = 1.0f;
  for (std::uint32_t r = 0; r < 2 * lc.fade_frames(); ++r) {
    const float in = -0.5f;
    float out;
    lc.good(&in, &out);
    if (r < lc.fade_frames()) {
      EXPECT_GT(out, -0.5f) << r;
      EXPECT_LT(out, prev) << r;
    } else {
      EXPECT_EQ(out, -0.5f) << r;
    }
    prev = out;
  }
}

TEST(LossConcealerTest, ResetForgetsTheHistory) {
  LossConcealer lc(1, 16);
  for (int i = 0; i < 32; ++i) {
    const float in = 0.25f;
    float out;
    lc.good(&in, &out);
  }
  lc.reset();
  float out = 1.0f;
  lc.missing(&out);
  EXPECT_EQ(out, 0.0f);
}

}  // namespace
}  // namespace crowdmesh::netaudio
