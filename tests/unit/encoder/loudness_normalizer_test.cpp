#include "encoder/loudness_normalizer.hpp"

#include <ebur128.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

constexpr PcmFormat kStereo{48000, 2};
constexpr std::size_t kBlock = 480;  // 10 ms, like a mix chunk

// Integrated loudness (LUFS) of interleaved audio, by a libebur128 meter of its own.
double integrated_lufs(const std::vector<float>& audio, PcmFormat format) {
  ebur128_state* st = ebur128_init(format.channels, format.sample_rate_hz, EBUR128_MODE_I);
  if (format.channels == 1) ebur128_set_channel(st, 0, EBUR128_DUAL_MONO);
  ebur128_add_frames_float(st, audio.data(), audio.size() / format.channels);
  double out = 0.0;
  ebur128_loudness_global(st, &out);
  ebur128_destroy(&st);
  return out;
}

// Pink-ish noise (Paul Kellet's economy filter on white noise), independent per channel, in
// sections of `section_seconds` whose levels follow `section_db`; scaled so that the first section
// measures `start_lufs`.
std::vector<float> music_like(double start_lufs, double seconds, const std::vector<double>& section_db,
                              double section_seconds, PcmFormat format = kStereo, unsigned seed = 7) {
  const std::size_t nch = format.channels;
  const auto frames = static_cast<std::size_t>(seconds * format.sample_rate_hz);
  std::vector<float> out(frames * nch);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> white(-1.0f, 1.0f);
  std::vector<float> b(3 * nch, 0.0f);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto section =
        std::min(section_db.size() - 1,
                 static_cast<std::size_t>(static_cast<double>(f) / format.sample_rate_hz / section_seconds));
    const auto gain = static_cast<float>(std::pow(10.0, section_db[section] / 20.0));
    for (std::size_t c = 0; c < nch; ++c) {
      const float w = white(rng);
      float* s = &b[3 * c];
      s[0] = 0.99765f * s[0] + w * 0.0990460f;
      s[1] = 0.96300f * s[1] + w * 0.2965164f;
      s[2] = 0.57000f * s[2] + w * 1.0526913f;
      out[f * nch + c] = gain * (s[0] + s[1] + s[2] + w * 0.1848f);
    }
  }
  const auto first = static_cast<std::size_t>(section_seconds * format.sample_rate_hz) * nch;
  const std::vector<float> head(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(first, out.size())));
  const auto scale = static_cast<float>(std::pow(10.0, (start_lufs - integrated_lufs(head, format)) / 20.0));
  for (float& v : out) v *= scale;
  return out;
}

const std::vector<double> kSections = {0.0, 3.0, -2.0, 1.0, -3.0, 2.0};  // dB, 10 s each

// Runs the normaliser over the audio in kBlock chunks; returns the gain after every chunk.
std::vector<double> run(LoudnessNormalizer& norm, std::vector<float>& audio) {
  const std::size_t nch = norm.format().channels;
  const std::size_t frames = audio.size() / nch;
  std::vector<double> gains;
  for (std::size_t f = 0; f < frames; f += kBlock) {
    norm.process(audio.data() + f * nch, std::min(kBlock, frames - f));
    gains.push_back(norm.gain_db());
  }
  return gains;
}

float max_abs(const std::vector<float>& audio) {
  float m = 0.0f;
  for (float v : audio) m = std::max(m, std::fabs(v));
  return m;
}

float ceiling_linear(double dbfs) { return static_cast<float>(std::pow(10.0, dbfs / 20.0)); }

LoudnessNormalizer make(PcmFormat format = kStereo, LoudnessNormalizerParams params = {}) {
  auto norm = LoudnessNormalizer::create(format, params);
  EXPECT_TRUE(norm) << error_sentence(norm.error());
  return std::move(*norm);
}

TEST(LoudnessNormalizerTest, QuietMusicStartingAtMinus30LufsComesOutAtMinus16LufsIntegrated) {
  std::vector<float> audio = music_like(-30.0, 60.0, kSections, 10.0);
  ASSERT_NEAR(integrated_lufs(audio, kStereo), -29.4, 0.3);  // the level changes add 0.6 LU
  LoudnessNormalizer norm = make();
  run(norm, audio);
  EXPECT_NEAR(integrated_lufs(audio, kStereo), -16.0, 1.0);
  EXPECT_LE(max_abs(audio), ceiling_linear(-1.0));
}

TEST(LoudnessNormalizerTest, LoudMusicStartingAtMinus8LufsComesOutAtMinus16LufsIntegrated) {
  std::vector<float> audio = music_like(-8.0, 60.0, kSections, 10.0);
  LoudnessNormalizer norm = make();
  run(norm, audio);
  EXPECT_NEAR(integrated_lufs(audio, kStereo), -16.0, 1.0);
  EXPECT_LE(max_abs(audio), ceiling_linear(-1.0));
}

TEST(LoudnessNormalizerTest, OtherTargetIsReachedToo) {
  LoudnessNormalizerParams params;
  params.target_lufs = -23.0;
  std::vector<float> audio = music_like(-12.0, 60.0, kSections, 10.0);
  LoudnessNormalizer norm = make(kStereo, params);
  run(norm, audio);
  EXPECT_NEAR(integrated_lufs(audio, kStereo), -23.0, 1.0);
}

TEST(LoudnessNormalizerTest, MonoInputIsNormalisedAsDualMono) {
  const PcmFormat mono{44100, 1};
  std::vector<float> audio = music_like(-26.0, 60.0, kSections, 10.0, mono);
  LoudnessNormalizer norm = make(mono);
  run(norm, audio);
  EXPECT_NEAR(integrated_lufs(audio, mono), -16.0, 1.0);
}

TEST(LoudnessNormalizerTest, GainNeverChangesFasterThanTheSlewRate) {
  std::vector<float> audio = music_like(-30.0, 20.0, kSections, 10.0);
  LoudnessNormalizer norm = make();
  const std::vector<double> gains = run(norm, audio);
  const double max_step = norm.params().slew_db_per_s * static_cast<double>(kBlock) / kStereo.sample_rate_hz;
  double previous = 0.0;
  for (double g : gains) {
    EXPECT_LE(std::fabs(g - previous), max_step + 1e-9);
    previous = g;
  }
  EXPECT_GT(gains.back(), 10.0);  // it did move towards +14 dB
}

TEST(LoudnessNormalizerTest, SilenceIsNeverAmplified) {
  // Room noise at about −65 LUFS: below the −50 LUFS gate.
  std::vector<float> audio = music_like(-65.0, 20.0, {0.0}, 20.0);
  const std::vector<float> input = audio;
  LoudnessNormalizer norm = make();
  run(norm, audio);
  EXPECT_EQ(norm.gain_db(), 0.0);
  EXPECT_EQ(audio, input);
}

TEST(LoudnessNormalizerTest, GainIsHeldThroughAPauseAndNotRaised) {
  std::vector<float> audio = music_like(-24.0, 30.0, {0.0}, 30.0);
  LoudnessNormalizer norm = make();
  run(norm, audio);
  const double before = norm.gain_db();
  ASSERT_NEAR(before, 8.0, 1.0);
  std::vector<float> pause(20 * 48000 * 2, 0.0f);
  run(norm, pause);
  EXPECT_NEAR(norm.gain_db(), before, 0.5);
  for (float v : pause) ASSERT_EQ(v, 0.0f);
}

TEST(LoudnessNormalizerTest, GainIsCappedAtTheMaximum) {
  std::vector<float> audio = music_like(-45.0, 30.0, {0.0}, 30.0);  // needs +29 dB
  LoudnessNormalizer norm = make();
  run(norm, audio);
  EXPECT_DOUBLE_EQ(norm.target_gain_db(), 20.0);
  EXPECT_DOUBLE_EQ(norm.gain_db(), 20.0);
}

TEST(LoudnessNormalizerTest, ReadoutsMatchAnIndependentMeterOnTheInput) {
  std::vector<float> audio = music_like(-20.0, 30.0, {0.0, 2.0, -2.0}, 10.0);
  const double expected = integrated_lufs(audio, kStereo);
  LoudnessNormalizer norm = make();
  run(norm, audio);
  EXPECT_NEAR(norm.integrated_lufs(), expected, 0.1);
  EXPECT_NEAR(norm.short_term_lufs(), -22.0, 1.0);  // the last section
  EXPECT_NEAR(norm.momentary_lufs(), -22.0, 1.5);
}

TEST(LoudnessNormalizerTest, IntegratedMeasurementForgetsAudioOlderThanTheHistory) {
  LoudnessNormalizerParams params;
  params.history_seconds = 10.0;
  LoudnessNormalizer norm = make(kStereo, params);
  std::vector<float> loud = music_like(-14.0, 30.0, {0.0}, 30.0);
  run(norm, loud);
  std::vector<float> quiet = music_like(-34.0, 30.0, {0.0}, 30.0, kStereo, 8);
  run(norm, quiet);
  EXPECT_NEAR(norm.integrated_lufs(), -34.0, 0.5);
  EXPECT_NEAR(norm.gain_db(), 18.0, 0.5);
}

TEST(LoudnessNormalizerTest, ResetForANewFormatStartsOver) {
  std::vector<float> audio = music_like(-30.0, 10.0, {0.0}, 10.0);
  LoudnessNormalizer norm = make();
  run(norm, audio);
  ASSERT_GT(norm.gain_db(), 5.0);
  const PcmFormat mono{44100, 1};
  ASSERT_TRUE(norm.reset(mono));
  EXPECT_EQ(norm.format(), mono);
  EXPECT_EQ(norm.gain_db(), 0.0);
  EXPECT_TRUE(std::isinf(norm.integrated_lufs()));
  std::vector<float> mono_audio = music_like(-30.0, 5.0, {0.0}, 5.0, mono);
  run(norm, mono_audio);
  EXPECT_GT(norm.gain_db(), 3.0);
}

TEST(LoudnessNormalizerTest, InvalidSettingsAreRefusedWithValueAndRange) {
  LoudnessNormalizerParams params;
  params.target_lufs = -3.0;
  auto norm = LoudnessNormalizer::create(kStereo, params);
  ASSERT_FALSE(norm);
  EXPECT_EQ(error_code(norm.error()), errc::value_out_of_range);
  EXPECT_EQ(error_sentence(norm.error()),
            "loudness normaliser target -3 LUFS is out of range: must be within -40..-5 LUFS");
  auto nine = LoudnessNormalizer::create(PcmFormat{48000, 9});
  ASSERT_FALSE(nine);
  EXPECT_NE(error_sentence(nine.error()).find("channels 9"), std::string::npos);
  auto again = make();
  EXPECT_FALSE(again.reset(PcmFormat{0, 2}));
  EXPECT_EQ(again.format(), kStereo);
}

}  // namespace
}  // namespace crowdmesh::encoder
