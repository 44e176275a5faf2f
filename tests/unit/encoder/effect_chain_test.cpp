#include "encoder/effect_chain.hpp"

#include <ebur128.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "common/error.hpp"
#include "encoder/preset.hpp"

namespace crowdmesh::encoder {
namespace {

constexpr PcmFormat kStereo{48000, 2};
constexpr std::size_t kBlock = 480;

double integrated_lufs(const std::vector<float>& audio, PcmFormat format) {
  ebur128_state* st = ebur128_init(format.channels, format.sample_rate_hz, EBUR128_MODE_I);
  ebur128_add_frames_float(st, audio.data(), audio.size() / format.channels);
  double out = 0.0;
  ebur128_loudness_global(st, &out);
  ebur128_destroy(&st);
  return out;
}

// Pink-ish noise (Paul Kellet's economy filter), independent per channel, at roughly `rms_dbfs`.
std::vector<float> pink_noise(double rms_dbfs, double seconds, unsigned seed = 11) {
  const auto frames = static_cast<std::size_t>(seconds * kStereo.sample_rate_hz);
  std::vector<float> out(frames * 2);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> white(-1.0f, 1.0f);
  float b[2][3] = {};
  for (std::size_t f = 0; f < frames; ++f) {
    for (std::size_t c = 0; c < 2; ++c) {
      const float w = white(rng);
      b[c][0] = 0.99765f * b[c][0] + w * 0.0990460f;
      b[c][1] = 0.96300f * b[c][1] + w * 0.2965164f;
      b[c][2] = 0.57000f * b[c][2] + w * 1.0526913f;
      out[2 * f + c] = b[c][0] + b[c][1] + b[c][2] + w * 0.1848f;
    }
  }
  double sum = 0.0;
  for (float v : out) sum += double(v) * v;
  const double rms = std::sqrt(sum / static_cast<double>(out.size()));
  const auto scale = static_cast<float>(std::pow(10.0, rms_dbfs / 20.0) / rms);
  for (float& v : out) v *= scale;
  return out;
}

std::vector<float> stereo_sine(double hz, double peak_dbfs, double seconds) {
  const auto frames = static_cast<std::size_t>(seconds * kStereo.sample_rate_hz);
  const double a = std::pow(10.0, peak_dbfs / 20.0);
  std::vector<float> out(frames * 2);
  for (std::size_t f = 0; f < frames; ++f) {
    out[2 * f] = out[2 * f + 1] =
        static_cast<float>(a * std::sin(2.0 * M_PI * hz * static_cast<double>(f) / kStereo.sample_rate_hz));
  }
  return out;
}

void run(EffectChain& chain, std::vector<float>& audio) {
  const std::size_t frames = audio.size() / 2;
  for (std::size_t f = 0; f < frames; f += kBlock) chain.process(audio.data() + 2 * f, std::min(kBlock, frames - f));
}

double rms_db(const std::vector<float>& audio, std::size_t first_sample) {
  double sum = 0.0;
  for (std::size_t i = first_sample; i < audio.size(); ++i) sum += double(audio[i]) * audio[i];
  return 10.0 * std::log10(sum / static_cast<double>(audio.size() - first_sample));
}

float max_abs(const std::vector<float>& audio) {
  float m = 0.0f;
  for (float v : audio) m = std::max(m, std::fabs(v));
  return m;
}

EffectChain make(const EffectSettings& settings, PcmFormat format = kStereo) {
  auto chain = make_effect_chain(settings, format);
  EXPECT_TRUE(chain) << error_sentence(chain.error());
  return std::move(*chain);
}

TEST(EffectChainTest, ChainWithoutEffectsPassesAudioBitForBit) {
  EffectChain chain = make(EffectSettings{});
  std::vector<float> audio = pink_noise(-10.0, 2.0);
  const std::vector<float> input = audio;
  run(chain, audio);
  EXPECT_EQ(audio, input);
  EXPECT_EQ(chain.compressor(), nullptr);
  EXPECT_EQ(chain.loudness(), nullptr);
  EXPECT_EQ(chain.limiter(), nullptr);
  EXPECT_EQ(chain.eq_sections(), 0u);
}

TEST(EffectChainTest, PodcastChainBringsQuietNoiseToMinus16LufsUnderTheCeiling) {
  auto preset = make_preset("podcast");
  ASSERT_TRUE(preset);
  EffectChain chain = make(preset->effects);
  std::vector<float> audio = pink_noise(-32.0, 60.0);
  run(chain, audio);
  EXPECT_NEAR(integrated_lufs(audio, kStereo), -16.0, 1.0);
  EXPECT_LE(max_abs(audio), std::pow(10.0f, -1.0f / 20.0f));
  ASSERT_NE(chain.loudness(), nullptr);
  EXPECT_GT(chain.loudness()->gain_db(), 5.0);
}

TEST(EffectChainTest, EqHighpassRemovesRumble) {
  EffectSettings settings;
  settings.eq.enabled = true;
  EffectChain chain = make(settings);
  EXPECT_EQ(chain.eq_sections(), 4u);
  std::vector<float> rumble = stereo_sine(20.0, -6.0, 2.0);
  const double before = rms_db(rumble, 48000);
  run(chain, rumble);
  EXPECT_LT(rms_db(rumble, 48000) - before, -20.0);
}

TEST(EffectChainTest, EqBandsApplyTheirGains) {
  EffectSettings settings;
  settings.eq.enabled = true;
  settings.eq.highpass = false;
  settings.eq.low_db = 0.0;
  settings.eq.mid_db = 6.0;
  settings.eq.high_db = 0.0;
  EffectChain chain = make(settings);
  EXPECT_EQ(chain.eq_sections(), 1u);
  std::vector<float> tone = stereo_sine(2500.0, -20.0, 1.0);
  const double before = rms_db(tone, 24000);
  run(chain, tone);
  EXPECT_NEAR(rms_db(tone, 24000) - before, 6.0, 0.1);
}

TEST(EffectChainTest, CompressorStageReducesLoudPassages) {
  EffectSettings settings;
  settings.compressor.enabled = true;
  settings.compressor.params.threshold_dbfs = -20.0f;
  settings.compressor.params.ratio = 4.0f;
  EffectChain chain = make(settings);
  std::vector<float> tone = stereo_sine(997.0, -8.0, 1.0);
  run(chain, tone);
  ASSERT_NE(chain.compressor(), nullptr);
  EXPECT_NEAR(chain.compressor()->gain_reduction_db(), 9.0, 0.5);
  EXPECT_NEAR(20.0 * std::log10(max_abs(std::vector<float>(tone.begin() + 48000, tone.end()))), -17.0, 0.5);
}

TEST(EffectChainTest, LimiterStageKeepsEverySampleUnderTheCeiling) {
  EffectSettings settings;
  settings.limiter.enabled = true;
  settings.limiter.ceiling_dbfs = -3.0;
  EffectChain chain = make(settings);
  std::vector<float> hot = stereo_sine(440.0, 6.0, 1.0);
  run(chain, hot);
  EXPECT_LE(max_abs(hot), std::pow(10.0f, -3.0f / 20.0f));
  EXPECT_GT(chain.limiter()->gain_reduction_db(), 5.0f);
}

TEST(EffectChainTest, MobileChainCompressesThenLimits) {
  auto preset = make_preset("mobile");
  ASSERT_TRUE(preset);
  EffectChain chain = make(preset->effects);
  std::vector<float> audio = pink_noise(-6.0, 5.0);
  run(chain, audio);
  EXPECT_LE(max_abs(audio), std::pow(10.0f, -1.0f / 20.0f));
  EXPECT_GT(chain.compressor()->gain_reduction_db(), 3.0f);
}

TEST(EffectChainTest, InvalidSettingsOrFormatAreRefusedNamingTheValue) {
  EffectSettings settings;
  settings.compressor.enabled = true;
  settings.compressor.params.ratio = 0.5f;
  auto chain = make_effect_chain(settings, kStereo);
  ASSERT_FALSE(chain);
  EXPECT_EQ(error_code(chain.error()), errc::value_out_of_range);
  EXPECT_EQ(error_sentence(chain.error()), "compressor ratio 0.5 is out of range: must be within 1..50");

  EffectSettings eq;
  eq.eq.enabled = true;
  eq.eq.mid_db = 30.0;
  auto bad_eq = make_effect_chain(eq, kStereo);
  ASSERT_FALSE(bad_eq);
  EXPECT_EQ(error_sentence(bad_eq.error()), "EQ mid gain 30 dB is out of range: must be within -12..12 dB");

  EffectSettings limiter;
  limiter.limiter.enabled = true;
  limiter.limiter.ceiling_dbfs = 2.0;
  auto bad_limiter = make_effect_chain(limiter, kStereo);
  ASSERT_FALSE(bad_limiter);
  EXPECT_NE(error_sentence(bad_limiter.error()).find("limiter ceiling 2 dBFS"), std::string::npos);

  auto bad_format = make_effect_chain(EffectSettings{}, PcmFormat{48000, 0});
  ASSERT_FALSE(bad_format);
  EXPECT_NE(error_sentence(bad_format.error()).find("channels 0"), std::string::npos);
}

TEST(EffectChainTest, EqAtLowSampleRateLeavesOutBandsAboveNyquist) {
  EffectSettings settings;
  settings.eq.enabled = true;
  EffectChain chain = make(settings, PcmFormat{8000, 1});
  EXPECT_EQ(chain.eq_sections(), 3u);  // highpass, low shelf, 2.5 kHz peak; no 8 kHz shelf
}

}  // namespace
}  // namespace crowdmesh::encoder
