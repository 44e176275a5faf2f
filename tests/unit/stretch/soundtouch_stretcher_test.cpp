#include "stretch/soundtouch_stretcher.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/error.hpp"
#include "stretch_test_support.hpp"

namespace crowdmesh::stretch {
namespace {

// Streams `in` (interleaved) through `st` in blocks of 1000 frames, flushes, and
// returns everything received.
std::vector<float> stretch_all(SoundTouchStretcher& st, const std::vector<float>& in) {
  const auto ch = static_cast<std::size_t>(st.channels());
  std::vector<float> out;
  std::vector<float> block(4096 * ch);
  auto drain = [&] {
    while (std::size_t n = st.receive(block.data(), 4096))
      out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n * ch));
  };
  const std::size_t frames = in.size() / ch;
  for (std::size_t pos = 0; pos < frames; pos += 1000) {
    st.put(in.data() + pos * ch, std::min<std::size_t>(1000, frames - pos));
    drain();
  }
  st.flush();
  drain();
  return out;
}

TEST(SoundTouchStretcherTest, DefaultSettingsAreSoundTouchMusicDefaults) {
  SoundTouchSettings s;
  EXPECT_EQ(s.sequence_ms, 0);
  EXPECT_EQ(s.seek_window_ms, 0);
  EXPECT_EQ(s.overlap_ms, 8);
  EXPECT_FALSE(s.quick_seek);
  EXPECT_TRUE(s.anti_alias);
  EXPECT_TRUE(SoundTouchStretcher::validate(48000, 2, s));
}

TEST(SoundTouchStretcherTest, ValidateRejectsOutOfRangeSettings) {
  SoundTouchSettings s;
  s.overlap_ms = 0;
  auto r = SoundTouchStretcher::validate(48000, 2, s);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(r.error()).find("overlap_ms"), std::string::npos);
  s = SoundTouchSettings{};
  s.sequence_ms = -1;
  EXPECT_FALSE(SoundTouchStretcher::validate(48000, 2, s));
  EXPECT_FALSE(SoundTouchStretcher::validate(48000, 9, SoundTouchSettings{}));
  EXPECT_FALSE(SoundTouchStretcher::validate(1000, 2, SoundTouchSettings{}));
}

TEST(SoundTouchStretcherTest, OutputLengthIsInputDividedByTempo) {
  for (double tempo : {0.8, 1.0, 1.1, 1.5}) {
    SoundTouchStretcher st(48000, 2, SoundTouchSettings{});
    st.set_tempo(tempo);
    const std::size_t in_frames = 48000 * 4;
    const auto out = stretch_all(st, test::sine(in_frames, 2, 48000, 440, 0.5));
    const double expected = static_cast<double>(in_frames) / tempo;
    EXPECT_NEAR(static_cast<double>(out.size() / 2), expected, expected * 0.002) << "tempo " << tempo;
  }
}

TEST(SoundTouchStretcherTest, TempoChangeKeepsPitch) {
  SoundTouchStretcher st(48000, 1, SoundTouchSettings{});
  st.set_tempo(1.25);
  const auto out = stretch_all(st, test::sine(48000 * 4, 1, 48000, 1000, 0.5));
  const auto x = test::channel(out, 1, 0);
  ASSERT_GT(x.size(), 30000u);
  // A sine fit at the original frequency explains almost all of the output.
  const auto fit = test::fit_sine(x, 10000, x.size() - 10000, 1000, 48000);
  EXPECT_GT(fit.snr_db, 20.0);
}

TEST(SoundTouchStretcherTest, SetTempoClampsAndIgnoresNaN) {
  SoundTouchStretcher st(44100, 2, SoundTouchSettings{});
  st.set_tempo(1.05);
  EXPECT_DOUBLE_EQ(st.tempo(), 1.05);
  st.set_tempo(std::nan(""));
  EXPECT_DOUBLE_EQ(st.tempo(), 1.05);
  st.set_tempo(100.0);
  EXPECT_DOUBLE_EQ(st.tempo(), SoundTouchStretcher::kMaxTempo);
  st.set_tempo(0.0);
  EXPECT_DOUBLE_EQ(st.tempo(), SoundTouchStretcher::kMinTempo);
}

TEST(SoundTouchStretcherTest, LatencyCountsHeldInputAndClearDropsIt) {
  SoundTouchStretcher st(48000, 2, SoundTouchSettings{});
  const auto in = test::sine(2000, 2, 48000, 440, 0.5);
  st.put(in.data(), 2000);
  EXPECT_GT(st.latency_frames(), 0u);
  EXPECT_LE(st.latency_frames(), 2000u + 1u);
  st.clear();
  EXPECT_EQ(st.latency_frames(), 0u);
  EXPECT_EQ(st.available(), 0u);
}

}  // namespace
}  // namespace crowdmesh::stretch
