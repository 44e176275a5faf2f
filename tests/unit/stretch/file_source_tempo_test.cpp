// FileSource under a tempo ratio: both stretch methods, switching, position.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "stretch/file_source.hpp"
#include "stretch_test_support.hpp"

namespace crowdmesh::stretch {
namespace {

using test::TempDir;

constexpr int kFloatWav = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
constexpr double kRate = 48000;

// Mean frequency from positive-going zero crossings (linearly interpolated) of
// x[begin, end).
double zero_crossing_hz(const std::vector<double>& x, std::size_t begin, std::size_t end, double rate) {
  double first = -1, last = -1;
  int crossings = 0;
  for (std::size_t n = begin + 1; n < end; ++n) {
    if (x[n - 1] < 0 && x[n] >= 0) {
      const double t = static_cast<double>(n - 1) + (-x[n - 1]) / (x[n] - x[n - 1]);
      if (first < 0) first = t;
      last = t;
      ++crossings;
    }
  }
  if (crossings < 2) return 0;
  return (crossings - 1) * rate / (last - first);
}

double max_step(const std::vector<double>& x) {
  double m = 0;
  for (std::size_t n = 1; n < x.size(); ++n) m = std::max(m, std::fabs(x[n] - x[n - 1]));
  return m;
}

struct Rendered {
  std::vector<double> left;  // channel 0 of the device output
  double pitch_hz = 0;
  double seconds = 0;
};

// Renders a 10 s 440 Hz sine (48 kHz file, 48 kHz stereo device) at `tempo`.
Rendered render_sine(StretchMethod method, double tempo) {
  TempDir dir;
  const auto path = dir.file("sine440.wav");
  EXPECT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, test::sine(480000, 1, 48000, 440, 0.5)));
  SourceConfig cfg;
  cfg.method = method;
  cfg.tempo_ratio = tempo;
  auto src = FileSource::open(path, cfg);
  EXPECT_TRUE(src) << (src ? "" : error_sentence(src.error()));
  Rendered r;
  if (!src) return r;
  const auto out = test::read_all(**src);
  EXPECT_TRUE((*src)->finished());
  r.left = test::channel(out, 2, 0);
  r.seconds = static_cast<double>(r.left.size()) / kRate;
  if (r.left.size() > 48000) r.pitch_hz = zero_crossing_hz(r.left, 24000, r.left.size() - 24000, kRate);
  std::cout << "[ TEMPO    ] " << to_string(method) << " ratio " << tempo << ": pitch " << r.pitch_hz
            << " Hz, duration " << r.seconds << " s (expected " << 10.0 / tempo << " s)\n";
  return r;
}

TEST(FileSourceTempoTest, SoundTouchKeepsPitchAndShortensDuration) {
  const auto r = render_sine(StretchMethod::soundtouch, 1.10);
  EXPECT_NEAR(r.pitch_hz, 440.0, 1.0);
  EXPECT_NEAR(r.seconds, 10.0 / 1.10, 10.0 / 1.10 * 0.005);
}

TEST(FileSourceTempoTest, PlaybackRateRaisesPitchAndShortensDuration) {
  const auto r = render_sine(StretchMethod::playback_rate, 1.10);
  EXPECT_NEAR(r.pitch_hz, 484.0, 1.0);
  EXPECT_NEAR(r.seconds, 10.0 / 1.10, 10.0 / 1.10 * 0.005);
}

TEST(FileSourceTempoTest, SoundTouchAtRatioOneKeepsDuration) {
  const auto r = render_sine(StretchMethod::soundtouch, 1.0);
  EXPECT_NEAR(r.seconds, 10.0, 10.0 * 0.005);
  EXPECT_NEAR(r.pitch_hz, 440.0, 1.0);
}

TEST(FileSourceTempoTest, SlowerTempoLengthensOutputForBothMethods) {
  for (auto m : {StretchMethod::playback_rate, StretchMethod::soundtouch}) {
    const auto r = render_sine(m, 0.9);
    EXPECT_NEAR(r.seconds, 10.0 / 0.9, 10.0 / 0.9 * 0.005) << to_string(m);
  }
}

TEST(FileSourceTempoTest, MethodSwitchMidStreamDipsWithoutClick) {
  TempDir dir;
  const auto path = dir.file("switch.wav");
  const auto signal = test::sine(480000, 1, 48000, 440, 0.5);
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, signal));
  SourceConfig cfg;
  cfg.tempo_ratio = 1.10;
  cfg.fifo_frames = 4096;
  auto opened = FileSource::open(path, cfg);
  ASSERT_TRUE(opened) << error_sentence(opened.error());
  FileSource& src = **opened;

  std::vector<float> out;
  std::vector<float> block(512 * 2);
  auto play = [&](std::size_t frames) {
    std::size_t got = 0;
    while (got < frames && !src.finished()) {
      src.fill();
      const std::size_t n = src.read(block.data(), std::min<std::size_t>(512, frames - got));
      out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n * 2));
      got += n;
    }
  };
  play(48000);
  src.set_method(StretchMethod::soundtouch);
  play(96000);
  src.set_method(StretchMethod::playback_rate);
  play(96000);
  src.set_method(StretchMethod::soundtouch);
  src.fill(300);                                 // part of the fade-out...
  src.set_method(StretchMethod::playback_rate);  // ...then back before the bottom of the dip
  play(96000);
  EXPECT_EQ(src.method(), StretchMethod::playback_rate);

  const auto x = test::channel(out, 2, 0);
  ASSERT_EQ(x.size(), 48000u + 3u * 96000u);
  std::vector<double> original(signal.begin(), signal.end());
  const double threshold = 2.0 * max_step(original);
  const double worst = max_step(x);
  std::cout << "[ SWITCH   ] max step " << worst << " (threshold " << threshold << ")\n";
  EXPECT_LT(worst, threshold);

  // Each completed switch left a dip: some 1 ms window near silence.
  int dips = 0;
  bool in_dip = false;
  for (std::size_t w = 0; w + 48 <= x.size(); w += 48) {
    double peak = 0;
    for (std::size_t n = w; n < w + 48; ++n) peak = std::max(peak, std::fabs(x[n]));
    if (peak < 0.05 && !in_dip) ++dips;
    in_dip = peak < 0.05;
  }
  EXPECT_GE(dips, 2);
  // And the audio goes on after the last switch.
  double tail_peak = 0;
  for (std::size_t n = x.size() - 4800; n < x.size(); ++n) tail_peak = std::max(tail_peak, std::fabs(x[n]));
  EXPECT_GT(tail_peak, 0.4);
}

// Plays `frames` device frames (fill + read), returns how many were read.
std::size_t play(FileSource& src, std::size_t frames) {
  std::vector<float> block(512 * static_cast<std::size_t>(src.config().device_channels));
  std::size_t got = 0;
  while (got < frames && !src.finished()) {
    src.fill();
    got += src.read(block.data(), std::min<std::size_t>(512, frames - got));
  }
  return got;
}

TEST(FileSourceTempoTest, FilePositionFollowsFileTimeUnderStretching) {
  TempDir dir;
  const auto path = dir.file("pos.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 44100, 2, test::sine(44100 * 20, 2, 44100, 330, 0.4)));
  for (auto m : {StretchMethod::playback_rate, StretchMethod::soundtouch}) {
    SourceConfig cfg;
    cfg.method = m;
    cfg.tempo_ratio = 1.25;
    cfg.start_frame = 44100;  // starts 1 s into the file
    auto src = FileSource::open(path, cfg);
    ASSERT_TRUE(src);
    EXPECT_NEAR((*src)->file_position_seconds(), 1.0, 1e-9);
    ASSERT_EQ(play(**src, 48000 * 4), 48000u * 4);
    // 4 s of output at 1.25 = 5 s of file.
    EXPECT_NEAR((*src)->file_position_seconds(), 6.0, 0.03) << to_string(m);
    // The FIFO is full of 1.25-tempo frames when the ratio changes: those still play
    // at 1.25, only the frames produced afterwards at 0.8.
    const double fifo_s = static_cast<double>((*src)->fifo_capacity()) / kRate;
    (*src)->set_tempo_ratio(0.8);
    ASSERT_EQ(play(**src, 48000 * 4), 48000u * 4);
    EXPECT_NEAR((*src)->file_position_seconds(), 6.0 + fifo_s * 1.25 + (4.0 - fifo_s) * 0.8, 0.03) << to_string(m);
  }
}

TEST(FileSourceTempoTest, FilePositionStaysContinuousAcrossMethodSwitch) {
  TempDir dir;
  const auto path = dir.file("pos_switch.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 2, test::sine(48000 * 20, 2, 48000, 330, 0.4)));
  SourceConfig cfg;
  cfg.tempo_ratio = 1.2;
  cfg.fifo_frames = 4096;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src);
  ASSERT_EQ(play(**src, 48000 * 2), 48000u * 2);
  const double before = (*src)->file_position_seconds();
  EXPECT_NEAR(before, 2.4, 0.02);
  (*src)->set_method(StretchMethod::soundtouch);
  ASSERT_EQ(play(**src, 48000 * 2), 48000u * 2);
  const double mid = (*src)->file_position_seconds();
  EXPECT_NEAR(mid - before, 2.4, 0.05);
  (*src)->set_method(StretchMethod::playback_rate);
  ASSERT_EQ(play(**src, 48000 * 2), 48000u * 2);
  EXPECT_NEAR((*src)->file_position_seconds() - mid, 2.4, 0.05);
}

TEST(FileSourceTempoTest, FilePositionWrapsWhenLooping) {
  TempDir dir;
  const auto path = dir.file("loop.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, test::sine(48000, 1, 48000, 330, 0.4)));
  SourceConfig cfg;
  cfg.loop = true;
  cfg.method = StretchMethod::soundtouch;
  cfg.tempo_ratio = 1.5;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src);
  ASSERT_EQ(play(**src, 48000 * 3), 48000u * 3);  // 4.5 s of file: 4 loops + 0.5 s
  const double pos = (*src)->file_position_seconds();
  EXPECT_GE(pos, 0.0);
  EXPECT_LT(pos, 1.0);
  EXPECT_NEAR(pos, 0.5, 0.05);
}

TEST(FileSourceTempoTest, SetTempoRatioClampsAndIgnoresNaN) {
  TempDir dir;
  const auto path = dir.file("clamp.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, test::sine(4800, 1, 48000, 330, 0.4)));
  auto src = FileSource::open(path, SourceConfig{});
  ASSERT_TRUE(src);
  EXPECT_DOUBLE_EQ((*src)->tempo_ratio(), 1.0);
  (*src)->set_tempo_ratio(1.05);
  EXPECT_DOUBLE_EQ((*src)->tempo_ratio(), 1.05);
  (*src)->set_tempo_ratio(std::nan(""));
  EXPECT_DOUBLE_EQ((*src)->tempo_ratio(), 1.05);
  (*src)->set_tempo_ratio(3.0);
  EXPECT_DOUBLE_EQ((*src)->tempo_ratio(), FileSource::kMaxTempoRatio);
  (*src)->set_tempo_ratio(0.1);
  EXPECT_DOUBLE_EQ((*src)->tempo_ratio(), FileSource::kMinTempoRatio);
  (*src)->set_tempo_ratio(-1.0);
  EXPECT_DOUBLE_EQ((*src)->tempo_ratio(), FileSource::kMinTempoRatio);
  (*src)->set_tempo_ratio(INFINITY);
  EXPECT_DOUBLE_EQ((*src)->tempo_ratio(), FileSource::kMaxTempoRatio);
  EXPECT_EQ((*src)->method(), StretchMethod::playback_rate);
  (*src)->set_method(StretchMethod::soundtouch);
  EXPECT_EQ((*src)->method(), StretchMethod::soundtouch);
}

TEST(FileSourceTempoTest, OpenRejectsTempoRatioOutOfRangeAndBadSoundTouchSettings) {
  TempDir dir;
  const auto path = dir.file("reject.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, test::sine(4800, 1, 48000, 330, 0.4)));
  for (double bad : {0.49, 2.01, std::nan(""), static_cast<double>(INFINITY)}) {
    SourceConfig cfg;
    cfg.tempo_ratio = bad;
    auto src = FileSource::open(path, cfg);
    ASSERT_FALSE(src) << bad;
    EXPECT_EQ(error_code(src.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(src.error()).find("tempo ratio"), std::string::npos);
  }
  SourceConfig cfg;
  cfg.soundtouch.overlap_ms = 0;
  auto src = FileSource::open(path, cfg);
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::value_out_of_range);
}

// The demo track, if it was downloaded (deploy scripts put it in the cache).
std::string music_track() {
  namespace fs = std::filesystem;
  if (const char* dir = std::getenv("CROWDMESH_MUSIC_DIR")) {
    const fs::path p = fs::path(dir) / "frontiers.mp3";
    if (fs::exists(p)) return p.string();
  }
  if (const char* home = std::getenv("HOME")) {
    const fs::path p = fs::path(home) / ".cache/crowdmesh/music/frontiers.mp3";
    if (fs::exists(p)) return p.string();
  }
  return {};
}

TEST(FileSourceTempoTest, RealTrackAt126BpmRendersTheExpectedDuration) {
  const auto track = music_track();
  if (track.empty())
    GTEST_SKIP() << "frontiers.mp3 not found in $CROWDMESH_MUSIC_DIR or "
                    "~/.cache/crowdmesh/music (run the demo-music download in deploy/)";
  // Exactly 60 s of file frames, so output frames per file frame is measured on a
  // known input length (the whole excerpt is rendered, tails flushed).
  SF_INFO info{};
  SNDFILE* in = sf_open(track.c_str(), SFM_READ, &info);
  ASSERT_NE(in, nullptr) << sf_strerror(nullptr);
  const sf_count_t want = static_cast<sf_count_t>(info.samplerate) * 60;
  std::vector<float> pcm(static_cast<std::size_t>(want * info.channels));
  const sf_count_t got = sf_readf_float(in, pcm.data(), want);
  sf_close(in);
  ASSERT_EQ(got, want) << "track shorter than 60 s";
  TempDir dir;
  const auto excerpt = dir.file("frontiers_60s.wav");
  ASSERT_TRUE(test::write_audio(excerpt, kFloatWav, info.samplerate, info.channels, pcm));

  const double ratio = 126.0 / 120.0;
  const double expected_frames = 60.0 * kRate / ratio;  // 60 × 120/126 s at 48 kHz
  for (auto m : {StretchMethod::playback_rate, StretchMethod::soundtouch}) {
    SourceConfig cfg;
    cfg.method = m;
    cfg.tempo_ratio = ratio;
    auto src = FileSource::open(excerpt, cfg);
    ASSERT_TRUE(src) << error_sentence(src.error());
    // Halfway: the reported file position matches output time × ratio.
    ASSERT_EQ(play(**src, 48000 * 30), 48000u * 30);
    EXPECT_NEAR((*src)->file_position_seconds(), 30.0 * ratio, 0.03) << to_string(m);
    std::size_t frames = 48000 * 30;
    frames += play(**src, 48000 * 60);
    EXPECT_TRUE((*src)->finished());
    std::cout << "[ TRACK    ] " << to_string(m) << " 60 s at " << info.samplerate << " Hz, 120→126 BPM: " << frames
              << " frames = " << frames / kRate << " s (expected " << expected_frames / kRate << " s, error "
              << 100.0 * (frames - expected_frames) / expected_frames << " %), end position "
              << (*src)->file_position_seconds() << " s\n";
    EXPECT_NEAR(static_cast<double>(frames), expected_frames, expected_frames * 0.002) << to_string(m);
    EXPECT_NEAR((*src)->file_position_seconds(), 60.0, 0.03) << to_string(m);
  }
}

}  // namespace
}  // namespace crowdmesh::stretch

namespace crowdmesh::stretch {
namespace {

TEST(FileSourcePresentationTest, NoFrameIsKnownBeforeTheMixerMarksAPresentation) {
  test::TempDir dir;
  const auto path = dir.file("sine.wav");
  ASSERT_TRUE(
      test::write_audio(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, test::sine(48000, 1, 48000, 440, 0.5)));
  SourceConfig cfg;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src) << error_sentence(src.error());
  EXPECT_FALSE((*src)->presented_frame_at(1'000'000'000).has_value());
}

TEST(FileSourcePresentationTest, PresentedFrameFollowsTheLastMarkAtTheDeviceRate) {
  test::TempDir dir;
  const auto path = dir.file("sine.wav");
  ASSERT_TRUE(
      test::write_audio(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, test::sine(96000, 1, 48000, 440, 0.5)));
  SourceConfig cfg;  // 48 kHz device
  auto opened = FileSource::open(path, cfg);
  ASSERT_TRUE(opened) << error_sentence(opened.error());
  auto& src = **opened;
  src.fill();
  std::vector<float> buf(1000 * 2);
  // The mixer reads 1000 frames presented from mesh time 5 s, then marks again.
  src.mark_presentation(5'000'000'000);
  ASSERT_EQ(src.read(buf.data(), 1000), 1000u);
  src.mark_presentation(5'000'000'000 + 1000LL * 1'000'000'000 / 48000);
  // Frame 1000 is presented at the second mark; 1 s later is frame 49000.
  EXPECT_EQ(*src.presented_frame_at(5'000'000'000 + 1000LL * 1'000'000'000 / 48000), 1000);
  EXPECT_EQ(*src.presented_frame_at(6'000'000'000 + 1000LL * 1'000'000'000 / 48000), 49000);
  // A time between two frames maps to the first frame presented at or after it.
  EXPECT_EQ(*src.presented_frame_at(5'000'000'000 + 1000LL * 1'000'000'000 / 48000 + 10'000), 1001);
}

}  // namespace
}  // namespace crowdmesh::stretch
