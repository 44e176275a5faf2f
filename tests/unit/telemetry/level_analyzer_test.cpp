#include "telemetry/level_analyzer.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::telemetry {
namespace {

constexpr std::uint32_t kRate = 48000;

// `frames` of a sine with peak `amplitude` on every channel (interleaved); `phase_frames` continues a signal.
std::vector<float> sine(double amplitude, double hz, std::size_t frames, std::uint32_t channels = 2,
                        std::size_t phase_frames = 0) {
  std::vector<float> out(frames * channels);
  for (std::size_t f = 0; f < frames; ++f) {
    const auto v =
        static_cast<float>(amplitude * std::sin(2.0 * M_PI * hz * static_cast<double>(f + phase_frames) / kRate));
    for (std::uint32_t c = 0; c < channels; ++c) out[f * channels + c] = v;
  }
  return out;
}

double db_to_amplitude(double db) { return std::pow(10.0, db / 20.0); }

LevelAnalyzer make(std::uint32_t channels = 2) {
  auto a = LevelAnalyzer::create(kRate, channels);
  if (!a) throw std::runtime_error(error_sentence(a.error()));
  return std::move(*a);
}

// Feeds `signal` in blocks of 480 frames, as the telemetry actor would.
void feed(LevelAnalyzer& a, const std::vector<float>& signal) {
  const std::size_t ch = a.channels();
  const std::size_t frames = signal.size() / ch;
  for (std::size_t f = 0; f < frames; f += 480)
    a.process(signal.data() + f * ch, std::min<std::size_t>(480, frames - f));
}

TEST(LevelAnalyzerTest, SineAtMinus20DbfsRmsReadsMinus20DbfsRms) {
  LevelAnalyzer a = make();
  feed(a, sine(0.1 * std::sqrt(2.0), 1000.0, kRate));
  EXPECT_NEAR(a.take().rms_dbfs, -20.0, 0.1);
}

TEST(LevelAnalyzerTest, SineAtMinus20DbfsRmsReadsMinus17DbfsPeak) {
  LevelAnalyzer a = make();
  feed(a, sine(0.1 * std::sqrt(2.0), 1000.0, kRate));
  EXPECT_NEAR(a.take().peak_dbfs, -16.99, 0.05);
}

// EBU Tech 3341 (2016), table 1, test 1: stereo 1 kHz sine at −23.0 dBFS → M, S = −23.0 ± 0.1 LUFS.
TEST(LevelAnalyzerTest, StereoSineAtMinus23DbfsReadsMinus23LufsMomentaryAndShortTerm) {
  LevelAnalyzer a = make();
  feed(a, sine(db_to_amplitude(-23.0), 1000.0, 5 * kRate));
  const LevelReport r = a.take();
  EXPECT_NEAR(r.momentary_lufs, -23.0, 0.1);
  EXPECT_NEAR(r.short_term_lufs, -23.0, 0.1);
}

// EBU Tech 3341 test 2: stereo 1 kHz sine at −33.0 dBFS → −33.0 ± 0.1 LUFS.
TEST(LevelAnalyzerTest, StereoSineAtMinus33DbfsReadsMinus33Lufs) {
  LevelAnalyzer a = make();
  feed(a, sine(db_to_amplitude(-33.0), 1000.0, 5 * kRate));
  const LevelReport r = a.take();
  EXPECT_NEAR(r.momentary_lufs, -33.0, 0.1);
  EXPECT_NEAR(r.short_term_lufs, -33.0, 0.1);
}

TEST(LevelAnalyzerTest, MonoStreamReadsTheSameLoudnessAsItsStereoCopy) {
  LevelAnalyzer a = make(1);
  feed(a, sine(db_to_amplitude(-23.0), 1000.0, 5 * kRate, 1));
  EXPECT_NEAR(a.take().momentary_lufs, -23.0, 0.1);
}

TEST(LevelAnalyzerTest, DigitalSilenceReadsTheFloorEverywhere) {
  LevelAnalyzer a = make();
  feed(a, std::vector<float>(2 * kRate, 0.0f));
  const LevelReport r = a.take();
  EXPECT_EQ(r.rms_dbfs, LevelAnalyzer::kFloorDb);
  EXPECT_EQ(r.peak_dbfs, LevelAnalyzer::kFloorDb);
  EXPECT_EQ(r.momentary_lufs, LevelAnalyzer::kFloorDb);
  EXPECT_EQ(r.short_term_lufs, LevelAnalyzer::kFloorDb);
  EXPECT_EQ(r.frames, kRate);
}

TEST(LevelAnalyzerTest, MusicAfterLongDigitalSilenceReadsAsAfterAFreshStart) {
  // The meter skips long digital silence: what follows must read exactly as on
  // a meter whose windows were zeros all along.
  LevelAnalyzer idle = make();
  LevelAnalyzer fresh = make();
  feed(idle, std::vector<float>(2 * 30 * kRate, 0.0f));
  feed(fresh, std::vector<float>(2 * 3 * kRate, 0.0f));
  idle.take();
  fresh.take();
  const auto tone = sine(0.1, 997.0, kRate * 5 / 4);  // > kShortTermRefreshSeconds: both refresh short-term
  feed(idle, tone);
  feed(fresh, tone);
  const LevelReport a = idle.take(), b = fresh.take();
  EXPECT_GT(a.momentary_lufs, LevelAnalyzer::kFloorDb);
  EXPECT_NEAR(a.momentary_lufs, b.momentary_lufs, 1e-9);
  EXPECT_NEAR(a.short_term_lufs, b.short_term_lufs, 1e-9);
  feed(idle, std::vector<float>(2 * 10 * kRate, 0.0f));
  EXPECT_EQ(idle.take().short_term_lufs, LevelAnalyzer::kFloorDb);
}

TEST(LevelAnalyzerTest, ShortTermLoudnessIsRefreshedOncePerSecondOfAudio) {
  LevelAnalyzer a = make();
  feed(a, sine(db_to_amplitude(-33.0), 1000.0, 4 * kRate));
  EXPECT_NEAR(a.take().short_term_lufs, -33.0, 0.1);
  // 0.5 s at −13 dBFS: momentary follows at once, short-term keeps its last value.
  feed(a, sine(db_to_amplitude(-13.0), 1000.0, kRate / 2));
  const LevelReport early = a.take();
  EXPECT_GT(early.momentary_lufs, -16.0);
  EXPECT_NEAR(early.short_term_lufs, -33.0, 0.1);
  // A whole second after the last query: refreshed (1 s of −13 in a 3 s window of −33 reads ≈ −17.5).
  feed(a, sine(db_to_amplitude(-13.0), 1000.0, kRate / 2, 2, kRate / 2));
  const LevelReport refreshed = a.take();
  EXPECT_GT(refreshed.short_term_lufs, -20.0);
  EXPECT_LT(refreshed.short_term_lufs, -15.0);
}

TEST(LevelAnalyzerTest, TakeStartsANewIntervalForRmsPeakAndClipping) {
  LevelAnalyzer a = make();
  std::vector<float> loud = sine(1.2, 1000.0, kRate / 10);
  feed(a, loud);
  const LevelReport first = a.take();
  EXPECT_GT(first.peak_dbfs, 0.0);
  EXPECT_TRUE(first.clipping);
  feed(a, sine(0.01, 1000.0, kRate / 10, 2, kRate / 10));
  const LevelReport second = a.take();
  EXPECT_NEAR(second.peak_dbfs, -40.0, 0.05);
  EXPECT_FALSE(second.clipping);
  EXPECT_EQ(second.clipped_samples, 0u);
  EXPECT_EQ(second.frames, kRate / 10);
  const LevelReport empty = a.take();
  EXPECT_EQ(empty.frames, 0u);
  EXPECT_EQ(empty.rms_dbfs, LevelAnalyzer::kFloorDb);
}

TEST(LevelAnalyzerTest, ClippingCountsSamplesAtOrAboveFullScale) {
  LevelAnalyzer a = make();
  const std::vector<float> frames = {1.0f, 0.5f, -1.0f, 0.99999f, 1.5f, -0.2f, 0.0f, -3.0f};
  a.process(frames.data(), 4);
  const LevelReport r = a.take();
  EXPECT_EQ(r.clipped_samples, 4u);
  EXPECT_TRUE(r.clipping);
}

TEST(LevelAnalyzerTest, SilenceFlagTurnsOnAfterTwoSecondsOfFramesAndNotBefore) {
  LevelAnalyzer a = make();
  feed(a, sine(0.5, 1000.0, kRate));
  EXPECT_FALSE(a.take().silent);
  const std::vector<float> quiet = sine(db_to_amplitude(-70.0), 1000.0, 2 * kRate);
  a.process(quiet.data(), 2 * kRate - 1);
  const LevelReport before = a.take();
  EXPECT_FALSE(before.silent);
  EXPECT_NEAR(before.silent_seconds, 1.99, 0.011);
  a.process(quiet.data() + 2 * (2 * kRate - 1), 1);
  const LevelReport after = a.take();
  EXPECT_TRUE(after.silent);
  EXPECT_DOUBLE_EQ(after.silent_seconds, 2.0);
  feed(a, sine(0.5, 1000.0, 480));
  const LevelReport back = a.take();
  EXPECT_FALSE(back.silent);
  EXPECT_EQ(back.silent_seconds, 0.0);
}

TEST(LevelAnalyzerTest, QuietButAudibleAudioIsNotSilence) {
  LevelAnalyzer a = make();
  feed(a, sine(db_to_amplitude(-55.0), 1000.0, 3 * kRate));
  const LevelReport r = a.take();
  EXPECT_FALSE(r.silent);
  EXPECT_EQ(r.silent_seconds, 0.0);
}

TEST(LevelAnalyzerTest, OneAudibleChannelIsNotSilence) {
  LevelAnalyzer a = make();
  std::vector<float> signal = sine(db_to_amplitude(-50.0), 1000.0, 3 * kRate);
  for (std::size_t f = 0; f < 3 * kRate; ++f) signal[2 * f] = 0.0f;  // left silent, right at −50 dBFS peak
  feed(a, signal);
  EXPECT_FALSE(a.take().silent);
}

TEST(LevelAnalyzerTest, NonFiniteSamplesAreCountedAndDoNotPoisonLoudness) {
  LevelAnalyzer a = make();
  std::vector<float> signal = sine(db_to_amplitude(-23.0), 1000.0, 5 * kRate);
  signal[1001] = std::numeric_limits<float>::quiet_NaN();
  signal[kRate] = std::numeric_limits<float>::infinity();
  feed(a, signal);
  const LevelReport r = a.take();
  EXPECT_EQ(r.nonfinite_samples, 2u);
  EXPECT_NEAR(r.momentary_lufs, -23.0, 0.1);
  EXPECT_NEAR(r.peak_dbfs, -23.0, 0.05);
  EXPECT_FALSE(r.clipping);
}

TEST(LevelAnalyzerTest, RejectsSampleRateAndChannelsOutOfRange) {
  auto low = LevelAnalyzer::create(1000, 2);
  ASSERT_FALSE(low);
  EXPECT_EQ(error_code(low.error()), errc::value_out_of_range);
  EXPECT_EQ(error_sentence(low.error()), "level analyser: sample rate 1000 Hz is outside 8000..384000 Hz");
  auto none = LevelAnalyzer::create(kRate, 0);
  ASSERT_FALSE(none);
  EXPECT_EQ(error_sentence(none.error()), "level analyser: 0 channels is outside 1..32");
  EXPECT_TRUE(LevelAnalyzer::create(44100, 6));
}

// Cost on the telemetry thread: 10 s of 48 kHz stereo in 10 ms blocks, a take() every 100 ms.
}  // namespace
}  // namespace crowdmesh::telemetry
