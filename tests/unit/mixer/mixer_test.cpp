#include "mixer/mixer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "common/decibel.hpp"
#include "common/error.hpp"
#include "tone_load.hpp"
#include "tone_reader.hpp"

namespace crowdmesh::mixer {
namespace {

using test::ToneReader;
constexpr int kRate = 48000;
constexpr int kCh = 2;

class MixerTest : public ::testing::Test {
 protected:
  MixerTest() : mixer_(config()) {}
  static MixerConfig config() { return test::test_mixer_config(); }
  std::shared_ptr<ToneReader> load(DeckId d, std::uint32_t id, double freq, float amp, std::int64_t len = 0) {
    return test::load_tone(mixer_, d, id, freq, amp, len);
  }
  std::vector<float> render(std::size_t frames) {
    std::vector<float> out(frames * kCh);
    mixer_.render(out.data(), frames);
    return out;
  }
  Mixer mixer_;
};

TEST(MixerTestStatic, RendersSilenceWithNothingPlaying) {
  Mixer m(MixerConfig{});
  std::vector<float> out(512 * 2, 1.0f);
  m.render(out.data(), 512);
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST_F(MixerTest, SumsTwoDecksAtUnityGainAfterTheFadeIn) {
  load(DeckId::A, 1, 0.0, 0.1f);
  load(DeckId::B, 1, 0.0, 0.2f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  ASSERT_TRUE(mixer_.play(DeckId::B));
  render(kRate / 10);  // 100 ms: far beyond the 10 ms smoothing
  auto out = render(256);
  EXPECT_NEAR(out[0], 0.3f, 1e-4f);
  EXPECT_NEAR(out[511], 0.3f, 1e-4f);
}

TEST_F(MixerTest, StartFadesInWithoutAStep) {
  load(DeckId::A, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  auto out = render(2048);
  EXPECT_LT(out[0], 0.01f);
  float max_step = 0;
  for (std::size_t i = kCh; i < out.size(); i += kCh) max_step = std::max(max_step, std::fabs(out[i] - out[i - kCh]));
  EXPECT_LT(max_step, 0.01f);
}

TEST_F(MixerTest, DeckGainChangeIsSmoothedWithoutJumps) {
  load(DeckId::A, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(kRate / 10);
  ASSERT_TRUE(mixer_.set_deck_gain_db(DeckId::A, -60.0));
  auto out = render(4096);
  float max_step = 0;
  for (std::size_t i = kCh; i < out.size(); i += kCh) max_step = std::max(max_step, std::fabs(out[i] - out[i - kCh]));
  EXPECT_LT(max_step, 0.5f / 200.0f) << "a -60 dB step must ramp over many frames";
  EXPECT_LT(out[out.size() - 1], 0.01f);
}

TEST_F(MixerTest, DeckGainRampFadesLinearlyAndLandsAtTheEndOfTheRampSeconds) {
  load(DeckId::A, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(kRate / 10);
  ASSERT_TRUE(mixer_.set_deck_gain_db(DeckId::A, -INFINITY, 1.0));  // a 1 s fade-out
  auto out = render(kRate + 256);
  EXPECT_NEAR(out[(kRate / 4) * kCh], 0.375f, 1e-3f);  // a quarter of the way: 3/4 of 0.5
  EXPECT_NEAR(out[(kRate / 2) * kCh], 0.25f, 1e-3f);
  EXPECT_GT(out[(kRate - 100) * kCh], 0.0f);  // still fading just before the end
  EXPECT_EQ(out[kRate * kCh], 0.0f);          // silent from the ramp's end on
}

TEST_F(MixerTest, DeckLevelsCrossfadeTogetherAndOneBadValueChangesNothing) {
  load(DeckId::A, 1, 0.0, 0.2f);
  load(DeckId::B, 1, 0.0, 0.2f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  ASSERT_TRUE(mixer_.play(DeckId::B));
  ASSERT_TRUE(mixer_.set_deck_gain_db(DeckId::B, -INFINITY));
  render(kRate / 10);
  auto bad = mixer_.set_deck_levels({{DeckId::A, -INFINITY}, {DeckId::B, std::nan("")}}, 0.5);
  ASSERT_FALSE(bad);
  EXPECT_NEAR(mixer_.status().decks[0].gain_db, 0.0f, 1e-3f) << "deck A must not move when B's value is refused";
  ASSERT_TRUE(mixer_.set_deck_levels({{DeckId::A, -INFINITY}, {DeckId::B, 0.0}}, 0.5));
  auto out = render(kRate);
  // A linear crossfade of two equal DC decks keeps their sum constant.
  for (std::size_t f = 0; f < static_cast<std::size_t>(kRate); f += 997) ASSERT_NEAR(out[f * kCh], 0.2f, 1e-4f) << f;
  EXPECT_EQ(mixer_.status().decks[0].gain_db, kSilenceDb);
}

TEST_F(MixerTest, MasterRampOutsideZeroToAnHourIsRefusedWithTheRange) {
  for (double ramp : {-1.0, 7200.0, std::nan("")}) {
    auto res = mixer_.set_master_gain_db(-6.0, ramp);
    ASSERT_FALSE(res);
    EXPECT_NE(error_sentence(res.error()).find("allowed 0 to 3600 s"), std::string::npos)
        << error_sentence(res.error());
  }
  EXPECT_NEAR(mixer_.status().master_gain_db, 0.0f, 1e-3f);
}

TEST_F(MixerTest, HugeFiniteSamplesThroughABoostedEqNeverSilenceTheDeck) {
  // 3e38 is finite, but +6 dB of EQ overflows it to inf; the filter's state
  // then stayed NaN and the deck played silence for good. Decks now clamp to
  // ±64 (+36 dBFS) before their filters, and reset them should they still go bad.
  load(DeckId::A, 1, 0.0, 3e38f);
  ASSERT_TRUE(mixer_.set_eq_db(DeckId::A, dsp::EqBand::low, 6.0));
  ASSERT_TRUE(mixer_.set_eq_db(DeckId::A, dsp::EqBand::high, 6.0));
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(kRate / 10);
  auto out = render(4096);
  float peak = 0;
  for (float v : out) {
    ASSERT_TRUE(std::isfinite(v));
    peak = std::max(peak, std::fabs(v));
  }
  const auto st = mixer_.status();
  EXPECT_GT(peak, 0.5f) << "the deck went silent: dsp resets " << st.decks[0].dsp_resets << ", master non-finite "
                        << st.master_nonfinite_samples << ", buffer non-finite "
                        << st.decks[0].buffers.at(0).nonfinite_samples;
  EXPECT_LT(peak, 1.0f);
}

TEST_F(MixerTest, NanDeckPlaysAsSilenceAndLeavesTheOtherDeckIntact) {
  load(DeckId::A, 1, 0.0, 0.25f);
  load(DeckId::B, 1, 0.0, std::nanf(""));  // a broken float file: every sample NaN
  ASSERT_TRUE(mixer_.play(DeckId::A));
  ASSERT_TRUE(mixer_.play(DeckId::B));
  render(kRate / 10);
  auto out = render(4096);
  for (float v : out) ASSERT_TRUE(std::isfinite(v));
  EXPECT_NEAR(out[0], 0.25f, 1e-4f) << "deck A must play on unchanged";
  const auto st = mixer_.status();
  EXPECT_GT(st.decks[1].buffers.at(0).nonfinite_samples, 0u);
  EXPECT_EQ(st.decks[0].buffers.at(0).nonfinite_samples, 0u);
  // Said once, off the render path.
  const auto first = mixer_.take_findings();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(first[0].find("NaN/infinite samples"), std::string::npos) << first[0];
  render(4096);
  EXPECT_TRUE(mixer_.take_findings().empty());
}

TEST_F(MixerTest, UnderrunBurstIsSaidOnceWithTheFifoFillAndBlockSize) {
  auto r = load(DeckId::A, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  r->set_available(100);
  render(512);  // the reader had 100 of 512 frames: a burst starts
  render(512);  // still short: the same burst
  auto lines = mixer_.take_findings();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("underrun: its FIFO held 100 frames, the block needed 512"), std::string::npos) << lines[0];
  EXPECT_TRUE(mixer_.take_findings().empty());
}

TEST_F(MixerTest, RefusesNanGainAndKeepsThePreviousGain) {
  load(DeckId::A, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  ASSERT_TRUE(mixer_.set_deck_gain_db(DeckId::A, -6.0));
  auto res = mixer_.set_deck_gain_db(DeckId::A, std::nan(""));
  ASSERT_FALSE(res);
  EXPECT_EQ(error_code(res.error()), errc::value_out_of_range);
  EXPECT_NEAR(mixer_.status().decks[0].gain_db, -6.0f, 1e-3f);
}

TEST_F(MixerTest, RefusesGainAboveTwelveDbWithTheRangeInTheMessage) {
  auto res = mixer_.set_master_gain_db(13.0);
  ASSERT_FALSE(res);
  EXPECT_NE(error_sentence(res.error()).find("allowed -96 to +12 dB"), std::string::npos)
      << error_sentence(res.error());
}

TEST_F(MixerTest, PlayOfALoadingBufferFailsNotReady) {
  mixer_.begin_load(DeckId::C, 7, "/tmp/slow.mp3");
  auto res = mixer_.play(DeckId::C);
  ASSERT_FALSE(res);
  EXPECT_EQ(error_code(res.error()), errc::not_ready);
  EXPECT_NE(error_sentence(res.error()).find("buffer 7 on deck C is not ready (loading)"), std::string::npos)
      << error_sentence(res.error());
}

TEST_F(MixerTest, ALoadBeyondTheBuffersADeckHoldsIsRefusedAndChangesNothing) {
  for (std::uint32_t id = 1; id <= kMaxBuffersPerDeck; ++id)
    ASSERT_TRUE(mixer_.begin_load(DeckId::B, id * 1000, "/music/stem.wav")) << id;
  auto res = mixer_.begin_load(DeckId::B, 4'000'000'000u, "/music/one-more.wav");
  ASSERT_FALSE(res);
  EXPECT_EQ(error_code(res.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(res.error()).find("deck B already holds 16 buffers"), std::string::npos)
      << error_sentence(res.error());
  EXPECT_EQ(mixer_.status().decks[1].buffers.size(), kMaxBuffersPerDeck);
  EXPECT_TRUE(mixer_.begin_load(DeckId::B, 1000, "/music/again.wav")) << "an existing id still loads";
  EXPECT_TRUE(mixer_.begin_load(DeckId::C, 1, "/music/c.wav")) << "other decks are not affected";
}

TEST_F(MixerTest, FailedLoadShowsTheReasonInStatus) {
  mixer_.begin_load(DeckId::D, 1, "/tmp/x.wav");
  mixer_.fail_load(DeckId::D, 1, errc::file_not_found, "file not found: /tmp/x.wav");
  auto s = mixer_.status();
  ASSERT_EQ(s.decks[3].buffers.size(), 1u);
  EXPECT_EQ(s.decks[3].buffers[0].state, BufferState::failed);
  EXPECT_EQ(s.decks[3].buffers[0].error, "file not found: /tmp/x.wav");
}

TEST_F(MixerTest, PlayingAFailedBufferAnswersWithItsLoadsCode) {
  mixer_.begin_load(DeckId::D, 1, "/tmp/x.wav");
  mixer_.fail_load(DeckId::D, 1, errc::file_not_found, "file not found: /tmp/x.wav");
  auto res = mixer_.play(DeckId::D);
  ASSERT_FALSE(res);
  EXPECT_EQ(error_code(res.error()), errc::file_not_found) << error_sentence(res.error());
  EXPECT_NE(error_sentence(res.error()).find("buffer 1 on deck D failed to load: file not found: /tmp/x.wav"),
            std::string::npos)
      << error_sentence(res.error());
}

TEST_F(MixerTest, ReloadThatFailsLeavesThePlayingBufferPlaying) {
  load(DeckId::A, 1, 440.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(4800);
  mixer_.begin_load(DeckId::A, 1, "/missing/other.wav");
  render(4800);
  mixer_.fail_load(DeckId::A, 1, errc::file_not_found, "file not found: /missing/other.wav");
  const auto out = render(4800);
  auto s = mixer_.status();
  ASSERT_EQ(s.decks[0].buffers.size(), 1u);
  EXPECT_EQ(s.decks[0].buffers[0].state, BufferState::playing);
  EXPECT_EQ(s.decks[0].buffers[0].info.path, "/tmp/test.wav");
  float peak = 0;
  for (float v : out) peak = std::max(peak, std::abs(v));
  EXPECT_GT(peak, 0.3f) << "the deck fell silent after a failed reload";
}

TEST_F(MixerTest, ReloadThatSucceedsReplacesTheBufferReadyToPlay) {
  load(DeckId::A, 1, 440.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(4800);
  mixer_.begin_load(DeckId::A, 1, "/tmp/next.wav");
  EXPECT_EQ(mixer_.status().decks[0].buffers[0].state, BufferState::playing) << "playing while the new file opens";
  EXPECT_TRUE(mixer_.reloading(DeckId::A));
  const auto play = mixer_.play(DeckId::A);
  ASSERT_FALSE(play) << "play must wait for the new file, as for a first load";
  EXPECT_EQ(error_code(play.error()), errc::not_ready);
  BufferInfo info;
  info.path = "/tmp/next.wav";
  ASSERT_TRUE(mixer_.finish_load(DeckId::A, 1, std::make_shared<ToneReader>(kRate, kCh, 220.0, 0.5f, 0), info));
  auto s = mixer_.status();
  ASSERT_EQ(s.decks[0].buffers.size(), 1u);
  EXPECT_EQ(s.decks[0].buffers[0].state, BufferState::ready);
  EXPECT_EQ(s.decks[0].buffers[0].info.path, "/tmp/next.wav");
  EXPECT_FALSE(mixer_.reloading(DeckId::A));
  EXPECT_TRUE(mixer_.play(DeckId::A));
}

TEST_F(MixerTest, ResetStopsEveryDeckDropsScheduledStartsAndCanUnloadEverything) {
  load(DeckId::A, 1, 440.0, 0.5f);
  load(DeckId::B, 1, 220.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  mixer_.schedule_start({DeckId::B}, 5'000'000'000LL);
  EXPECT_EQ(mixer_.reset(false), 0u);
  EXPECT_EQ(mixer_.scheduled_starts(), 0u);
  render(4800);  // the stop fades out
  auto s = mixer_.status();
  EXPECT_EQ(s.decks[0].buffers[0].state, BufferState::stopped);
  EXPECT_EQ(s.decks[1].buffers[0].state, BufferState::ready);
  EXPECT_EQ(mixer_.reset(true), 2u);
  s = mixer_.status();
  for (const auto& d : s.decks) EXPECT_TRUE(d.buffers.empty());
}

TEST_F(MixerTest, BufferEndsWhenItsReaderFinishes) {
  load(DeckId::A, 1, 0.0, 0.5f, 1000);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(2048);
  auto s = mixer_.status();
  EXPECT_EQ(s.decks[0].buffers[0].state, BufferState::ended);
  EXPECT_EQ(s.underrun_frames, 0u) << "the end of a track is not an underrun";
}

TEST_F(MixerTest, ReaderShortfallIsCountedAsUnderrunFrames) {
  auto r = load(DeckId::A, 1, 0.0, 0.5f);
  r->set_available(100);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  EXPECT_TRUE(mixer_.starving(256));
  render(256);
  EXPECT_EQ(mixer_.status().underrun_frames, 156u);
}

TEST_F(MixerTest, LimiterKeepsAHotSumBelowFullScale) {
  for (auto d : kAllDecks) load(d, 1, 100.0, 0.9f);
  for (auto d : kAllDecks) ASSERT_TRUE(mixer_.play(d));
  render(kRate / 10);
  auto out = render(kRate / 2);
  float peak = 0;
  for (float v : out) peak = std::max(peak, std::fabs(v));
  EXPECT_LT(peak, 1.0f);
  EXPECT_GT(peak, 0.5f);
  EXPECT_GT(mixer_.status().limited_frames, 0u);
}

TEST_F(MixerTest, StopFadesOutThenReportsStopped) {
  load(DeckId::A, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(kRate / 10);
  mixer_.stop(DeckId::A);
  auto out = render(256);
  EXPECT_GT(out[0], 0.4f) << "no cut on the first frame after stop";
  render(kRate / 10);
  EXPECT_EQ(mixer_.status().decks[0].buffers[0].state, BufferState::stopped);
  auto after = render(256);
  EXPECT_EQ(after[0], 0.0f);
}

TEST_F(MixerTest, MuteSilencesTheDeckSmoothly) {
  load(DeckId::B, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::B));
  render(kRate / 10);
  mixer_.set_deck_mute(DeckId::B, true);
  auto out = render(kRate / 10);
  EXPECT_GT(out[0], 0.4f);
  EXPECT_LT(std::fabs(out[out.size() - 1]), 1e-4f);
}

TEST_F(MixerTest, UnknownBufferErrorListsTheLoadedIds) {
  load(DeckId::A, 3, 0.0, 0.5f);
  load(DeckId::A, 5, 0.0, 0.5f);
  auto res = mixer_.play_buffer(DeckId::A, 4);
  ASSERT_FALSE(res);
  EXPECT_EQ(error_sentence(res.error()), "no buffer 4 on deck A (loaded: 3 5)");
}

TEST_F(MixerTest, EqGainAboveSixDbIsRefusedWithTheRange) {
  auto res = mixer_.set_eq_db(DeckId::A, dsp::EqBand::low, 7.0);
  ASSERT_FALSE(res);
  EXPECT_NE(error_sentence(res.error()).find("+6 dB"), std::string::npos) << error_sentence(res.error());
}

float peak_of(const std::vector<float>& s, std::size_t from_sample = 0) {
  float p = 0.0f;
  for (std::size_t i = from_sample; i < s.size(); ++i) p = std::max(p, std::fabs(s[i]));
  return p;
}

TEST_F(MixerTest, FullLowPassFilterCutsADecksTopAndShowsInStatus) {
  load(DeckId::A, 1, 5000.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(kRate / 10);
  EXPECT_GT(peak_of(render(4800)), 0.45f);
  ASSERT_TRUE(mixer_.set_filter(DeckId::A, -1.0));
  render(kRate / 2);  // the knob glides (20 ms time constant)
  EXPECT_LT(peak_of(render(4800)), 0.01f) << "a 5 kHz tone must be cut by the 100 Hz low-pass";
  EXPECT_EQ(mixer_.status().decks[0].filter_amount, -1.0);
}

TEST_F(MixerTest, FilterAmountOutsideMinusOneToOneIsRefusedWithTheRangeAndChangesNothing) {
  ASSERT_TRUE(mixer_.set_filter(DeckId::B, 0.3));
  for (double bad : {1.5, -1.01, std::nan("")}) {
    auto res = mixer_.set_filter(DeckId::B, bad);
    ASSERT_FALSE(res) << bad;
    EXPECT_EQ(error_code(res.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(res.error()).find("deck B filter amount"), std::string::npos)
        << error_sentence(res.error());
    EXPECT_NE(error_sentence(res.error()).find("allowed: -1"), std::string::npos) << error_sentence(res.error());
  }
  EXPECT_EQ(mixer_.status().decks[1].filter_amount, 0.3);
}

TEST_F(MixerTest, TestToneSoundsAtItsLevelWhateverTheMasterGainThenEnds) {
  ASSERT_TRUE(mixer_.set_master_gain_db(-96.0));
  ASSERT_TRUE(mixer_.start_test_tone(1000.0, -20.0, 0.5));
  const auto on = render(kRate / 4);
  EXPECT_NEAR(peak_of(on, kRate / 10 * kCh), 0.1f, 0.002f);
  auto s = mixer_.status();
  EXPECT_EQ(s.test_tone_hz, 1000.0);
  EXPECT_NEAR(s.test_tone_remaining_seconds, 0.25, 0.01);
  render(kRate / 4);
  EXPECT_EQ(peak_of(render(4800)), 0.0f) << "the tone must end after its 0.5 s";
  EXPECT_EQ(mixer_.status().test_tone_hz, 0.0);
}

TEST_F(MixerTest, TestToneOutOfRangeIsRefusedWithTheRangeAndPlaysNothing) {
  struct Bad {
    double hz, db, s;
    const char* says;
  };
  for (const Bad& b : {Bad{30000.0, -20.0, 2.0, "frequency 30000 Hz is out of range (allowed: 20 to 20000 Hz)"},
                       Bad{22000.0, -20.0, 2.0, "allowed: 20 to 20000 Hz"},
                       Bad{440.0, 3.0, 2.0, "level 3 dBFS is out of range (allowed: -96 to 0 dBFS)"},
                       Bad{440.0, -20.0, 0.0, "duration 0 s is out of range (allowed: 0.05 to 600 s)"},
                       Bad{std::nan(""), -20.0, 2.0, "frequency nan Hz"}}) {
    auto res = mixer_.start_test_tone(b.hz, b.db, b.s);
    ASSERT_FALSE(res) << b.says;
    EXPECT_EQ(error_code(res.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(res.error()).find(b.says), std::string::npos) << error_sentence(res.error());
  }
  EXPECT_EQ(peak_of(render(4800)), 0.0f);
  EXPECT_EQ(mixer_.status().test_tone_hz, 0.0);
}

TEST_F(MixerTest, SeekReplacesTheReaderAndKeepsPlaying) {
  load(DeckId::A, 1, 0.0, 0.5f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  render(kRate / 10);
  auto fresh = std::make_shared<ToneReader>(kRate, kCh, 0.0, 0.25f);
  BufferInfo info;
  ASSERT_TRUE(mixer_.finish_load(DeckId::A, 1, fresh, info));
  auto out = render(kRate / 10);  // past the EQ all-pass transient of the DC step
  EXPECT_NEAR(out[out.size() - 1], 0.25f, 1e-3f);
  auto s = mixer_.status().decks[0].buffers[0];
  EXPECT_EQ(s.state, BufferState::playing);
  EXPECT_NEAR(s.position_seconds, 0.1, 1e-6) << "the position is the new reader's";
}

TEST_F(MixerTest, ScheduledStartBeginsAtTheFirstFrameWhosePtsReachesIt) {
  load(DeckId::A, 1, 0.0, 0.5f);
  const std::int64_t pts0 = 1'000'000'000;                       // mesh time of frame 0
  const std::int64_t at = pts0 + 100LL * 1'000'000'000 / kRate;  // frame 100 exactly
  mixer_.schedule_start({DeckId::A}, at);
  std::vector<float> out(256 * kCh);
  mixer_.render(out.data(), 256, pts0);
  EXPECT_EQ(out[99 * kCh], 0.0f);
  EXPECT_GT(out[100 * kCh], 0.0f);
  EXPECT_EQ(mixer_.scheduled_starts(), 0u);
  EXPECT_EQ(mixer_.status().decks[0].buffers[0].state, BufferState::playing);
}

TEST_F(MixerTest, ScheduledStartInALaterBlockLeavesThisBlockSilent) {
  load(DeckId::B, 1, 0.0, 0.5f);
  const std::int64_t pts0 = 5'000'000'000;
  mixer_.schedule_start({DeckId::B}, pts0 + 1'000'000'000);  // 1 s later
  auto out = render(256);                                    // unknown PTS: a scheduled start waits
  std::vector<float> block(256 * kCh);
  mixer_.render(block.data(), 256, pts0);
  for (float v : block) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(mixer_.scheduled_starts(), 1u);
}

TEST_F(MixerTest, ScheduledStartOfADeckWithNothingLoadedIsCountedAsFailure) {
  mixer_.schedule_start({DeckId::D}, 1);
  std::vector<float> block(256 * kCh);
  mixer_.render(block.data(), 256, 2);
  EXPECT_EQ(mixer_.scheduled_failures(), 1u);
  EXPECT_EQ(mixer_.scheduled_starts(), 0u);
}

TEST_F(MixerTest, SectionSwitchSwapsTheReaderAtTheFirstFrameWhosePtsReachesIt) {
  load(DeckId::A, 1, 0.0, 0.1f);
  ASSERT_TRUE(mixer_.play(DeckId::A));
  const std::int64_t pts0 = 1'000'000'000;
  std::vector<float> warm(kRate / 10 * kCh);  // past the fade-in, frames 0..4799
  mixer_.render(warm.data(), kRate / 10, pts0);
  const std::int64_t block_pts = pts0 + 100'000'000;                   // frame 4800
  const std::int64_t at = block_pts + 100LL * 1'000'000'000 / kRate;  // 100 frames into the next block
  auto next = std::make_shared<ToneReader>(kRate, kCh, 0.0, 0.3f);
  ASSERT_TRUE(mixer_.schedule_switch(DeckId::A, 1, next, BufferInfo{}, at));
  EXPECT_EQ(mixer_.scheduled_switches(), 1u);
  std::vector<float> out(256 * kCh);
  mixer_.render(out.data(), 256, block_pts);
  EXPECT_NEAR(out[99 * kCh], 0.1f, 1e-4f);
  EXPECT_NEAR(out[100 * kCh], 0.3f, 1e-4f);
  EXPECT_EQ(mixer_.scheduled_switches(), 0u);
  EXPECT_EQ(mixer_.next_pts_ns(), block_pts + 5'333'333) << "256 frames at 48 kHz, rounded to the ns";
  EXPECT_EQ(mixer_.release_switched(), 1u) << "the replaced reader is freed here, off the render path";
}

TEST_F(MixerTest, SecondSwitchOfABufferWhileOneIsPendingIsNotReady) {
  load(DeckId::A, 1, 0.0, 0.1f);
  auto first = std::make_shared<ToneReader>(kRate, kCh, 0.0, 0.3f);
  ASSERT_TRUE(mixer_.schedule_switch(DeckId::A, 1, first, BufferInfo{}, 5'000'000'000));
  auto again = mixer_.schedule_switch(DeckId::A, 1, first, BufferInfo{}, 6'000'000'000);
  ASSERT_FALSE(again);
  EXPECT_EQ(error_code(again.error()), errc::not_ready);
  EXPECT_NE(error_sentence(again.error()).find("already switches at mesh time 5000000000 ns"), std::string::npos)
      << error_sentence(again.error());
  EXPECT_EQ(mixer_.scheduled_switches(), 1u);
  auto unknown = mixer_.schedule_switch(DeckId::B, 1, first, BufferInfo{}, 5'000'000'000);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(error_code(unknown.error()), errc::unknown_buffer);
}

TEST_F(MixerTest, LoadIntoABufferDropsItsPendingSwitch) {
  load(DeckId::A, 1, 0.0, 0.1f);
  ASSERT_TRUE(mixer_.schedule_switch(DeckId::A, 1, std::make_shared<ToneReader>(kRate, kCh, 0.0, 0.3f), BufferInfo{},
                                     5'000'000'000));
  load(DeckId::A, 1, 0.0, 0.2f);  // a new cue of the deck: the old switch must not land on it
  EXPECT_EQ(mixer_.scheduled_switches(), 0u);
  ASSERT_TRUE(mixer_.schedule_switch(DeckId::A, 1, std::make_shared<ToneReader>(kRate, kCh, 0.0, 0.3f), BufferInfo{},
                                     5'000'000'000));
  ASSERT_TRUE(mixer_.unload(DeckId::A, 1));
  EXPECT_EQ(mixer_.scheduled_switches(), 0u);
}

}  // namespace
}  // namespace crowdmesh::mixer
