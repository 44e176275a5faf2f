#include "mixer/mixer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "common/error.hpp"
#include "tone_reader.hpp"

namespace crowdmesh::mixer {
namespace {

using test::ToneReader;
constexpr int kRate = 48000;
constexpr int kCh = 2;

class MixerTest : public ::testing::Test {
 protected:
  MixerTest() : mixer_(config()) {}
  static MixerConfig config() {
    MixerConfig c;
    c.sample_rate_hz = kRate;
    c.channels = kCh;
    c.max_block_frames = 1024;
    return c;
  }
  std::shared_ptr<ToneReader> load(DeckId d, std::uint32_t id, double freq, float amp, std::int64_t len = 0) {
    auto r = std::make_shared<ToneReader>(kRate, kCh, freq, amp, len);
    mixer_.begin_load(d, id, "/tmp/test.wav");
    BufferInfo info;
    info.path = "/tmp/test.wav";
    EXPECT_TRUE(mixer_.finish_load(d, id, r, info));
    return r;
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

TEST_F(MixerTest, FailedLoadShowsTheReasonInStatus) {
  mixer_.begin_load(DeckId::D, 1, "/tmp/x.wav");
  mixer_.fail_load(DeckId::D, 1, "file not found: /tmp/x.wav");
  auto s = mixer_.status();
  ASSERT_EQ(s.decks[3].buffers.size(), 1u);
  EXPECT_EQ(s.decks[3].buffers[0].state, BufferState::failed);
  EXPECT_EQ(s.decks[3].buffers[0].error, "file not found: /tmp/x.wav");
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
  const std::int64_t pts0 = 1'000'000'000;                    // mesh time of frame 0
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
  auto out = render(256);  // unknown PTS: a scheduled start waits
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

}  // namespace
}  // namespace crowdmesh::mixer
