#include "stretch/file_source.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "common/error.hpp"
#include "stretch_test_support.hpp"

namespace crowdmesh::stretch {
namespace {

using test::TempDir;

constexpr int kFloatWav = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
constexpr int kMp3 = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;

// 2 s of a 997 Hz sine (amplitude 0.5) at 44.1 kHz, resampled to 48 kHz stereo;
// returns the IEEE 1057 SNR of channel 0, skipping 2000 frames at each end.
double resampling_snr_db(ResamplerQuality quality) {
  TempDir dir;
  const auto path = dir.file("sine997.wav");
  EXPECT_TRUE(test::write_audio(path, kFloatWav, 44100, 1, test::sine(88200, 1, 44100, 997, 0.5)));
  SourceConfig cfg;
  cfg.quality = quality;
  auto src = FileSource::open(path, cfg);
  EXPECT_TRUE(src);
  if (!src) return 0.0;
  const auto out = test::read_all(**src);
  const auto x = test::channel(out, 2, 0);
  EXPECT_GT(x.size(), 10000u);
  if (x.size() <= 10000u) return 0.0;
  const auto fit = test::fit_sine(x, 2000, x.size() - 2000, 997, 48000);
  std::cout << "[ SNR      ] " << to_string(quality) << " 44.1k->48k 997 Hz: " << fit.snr_db << " dB\n";
  ::testing::Test::RecordProperty("snr_db_" + to_string(quality), std::to_string(fit.snr_db));
  return fit.snr_db;
}

TEST(FileSourceTest, SincBestResamplingSnrIsAtLeast120Db) {
  EXPECT_GE(resampling_snr_db(ResamplerQuality::sinc_best), 120.0);
}

TEST(FileSourceTest, SincMediumResamplingSnrIsAtLeast135Db) {
  EXPECT_GE(resampling_snr_db(ResamplerQuality::sinc_medium), 135.0);
}

TEST(FileSourceTest, OutputFrameCountMatchesRateRatio) {
  TempDir dir;
  const auto path = dir.file("count.wav");
  const std::size_t in_frames = 44100 * 3 / 2;
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 44100, 2, test::sine(in_frames, 2, 44100, 440, 0.3)));
  auto src = FileSource::open(path, SourceConfig{});
  ASSERT_TRUE(src) << error_sentence(src.error());
  const auto out = test::read_all(**src);
  const double expected = static_cast<double>(in_frames) * 48000.0 / 44100.0;
  EXPECT_NEAR(static_cast<double>(out.size() / 2), expected, 4.0);
  EXPECT_EQ((*src)->frames_read(), static_cast<std::int64_t>(out.size() / 2));
  EXPECT_TRUE((*src)->finished());
  EXPECT_EQ((*src)->decode_errors(), 0u);
}

TEST(FileSourceTest, MonoFileIsDuplicatedToBothStereoChannels) {
  TempDir dir;
  const auto path = dir.file("mono.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 44100, 1, test::sine(20000, 1, 44100, 300, 0.7)));
  auto src = FileSource::open(path, SourceConfig{});
  ASSERT_TRUE(src);
  EXPECT_EQ((*src)->info().file_channels, 1);
  const auto out = test::read_all(**src);
  ASSERT_GT(out.size(), 40000u);
  double energy = 0;
  for (std::size_t n = 0; n < out.size() / 2; ++n) {
    ASSERT_EQ(out[2 * n], out[2 * n + 1]) << "frame " << n;
    energy += out[2 * n] * out[2 * n];
  }
  EXPECT_GT(energy, 1000.0);  // not silence
}

TEST(FileSourceTest, LoopedShortFileIsContinuousAcrossTheSeam) {
  TempDir dir;
  const auto path = dir.file("loop.wav");
  // 0.1 s holding exactly 100 cycles of 1 kHz: looping it is one unbroken sine.
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 44100, 1, test::sine(4410, 1, 44100, 1000, 0.5)));
  SourceConfig cfg;
  cfg.quality = ResamplerQuality::sinc_best;
  cfg.loop = true;
  cfg.fifo_frames = 4096;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src);
  const std::size_t want = 48000;  // 1 s = 10 passes through the file
  const auto out = test::read_all(**src, want);
  ASSERT_EQ(out.size() / 2, want);
  EXPECT_FALSE((*src)->finished());
  const auto x = test::channel(out, 2, 0);
  // Skip the converter's start-up transient; the seams fall at every 4800 frames.
  const auto fit = test::fit_sine(x, 2000, x.size(), 1000, 48000);
  EXPECT_GT(fit.snr_db, 100.0);
  EXPECT_LT(fit.max_abs_residual, 1e-4);
  EXPECT_NEAR(std::hypot(fit.a, fit.b), 0.5, 1e-3);
}

TEST(FileSourceTest, ClearingLoopEndsAtTheNextEndOfFile) {
  TempDir dir;
  const auto path = dir.file("loop.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, test::sine(4800, 1, 48000, 1000, 0.5)));
  SourceConfig cfg;
  cfg.loop = true;
  cfg.fifo_frames = 1024;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src);
  auto first = test::read_all(**src, 12000);  // 2.5 passes
  ASSERT_EQ(first.size() / 2, 12000u);
  (*src)->set_loop(false);
  EXPECT_FALSE((*src)->loop());
  auto rest = test::read_all(**src);
  EXPECT_TRUE((*src)->finished());
  const auto total = static_cast<double>((first.size() + rest.size()) / 2);
  // Ends within the pass that was playing (≤ 3 passes, plus FIFO/tail slack).
  EXPECT_GT(total, 12000.0);
  EXPECT_LE(total, 3.0 * 4800.0 + 64.0);
}

TEST(FileSourceTest, StartFrameSkipsTheFirstFileFrames) {
  TempDir dir;
  const auto path = dir.file("ramp.wav");
  const std::size_t n = 10000;
  std::vector<float> ramp(n);
  for (std::size_t i = 0; i < n; ++i) ramp[i] = static_cast<float>(i) / static_cast<float>(n);
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, ramp));
  SourceConfig cfg;
  cfg.device_channels = 1;
  cfg.quality = ResamplerQuality::linear;  // at ratio 1: exact samples, constant delay
  auto whole = FileSource::open(path, cfg);
  ASSERT_TRUE(whole);
  cfg.start_frame = 4000;
  auto seeked = FileSource::open(path, cfg);
  ASSERT_TRUE(seeked) << error_sentence(seeked.error());
  const auto all = test::read_all(**whole);
  const auto tail = test::read_all(**seeked);
  EXPECT_NEAR(static_cast<double>(tail.size()), 6000.0, 2.0);
  ASSERT_GT(tail.size(), 5000u);
  ASSERT_GT(all.size(), 9000u);
  // Same stream, shifted by exactly 4000 frames (the converter's delay cancels).
  for (std::size_t k = 10; k < 5000; k += 7) ASSERT_EQ(tail[k], all[4000 + k]) << k;
}

// A ramp file (sample = frame / n), played at its own rate and tempo 1: the
// passthrough copies file samples exactly, so each output value names its frame.
std::vector<float> ramp_frames(std::size_t n) {
  std::vector<float> ramp(n);
  for (std::size_t i = 0; i < n; ++i) ramp[i] = static_cast<float>(i) / static_cast<float>(n);
  return ramp;
}

TEST(FileSourceTest, LoopRegionWrapsFromItsEndToItsBegin) {
  TempDir dir;
  const auto path = dir.file("ramp.wav");
  const std::size_t n = 10000;
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, ramp_frames(n)));
  SourceConfig cfg;
  cfg.device_channels = 1;
  cfg.start_frame = 1000;
  cfg.loop_begin_frame = 1000;
  cfg.end_frame = 3000;
  cfg.loop = true;
  cfg.fifo_frames = 1024;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src) << error_sentence(src.error());
  const auto out = test::read_all(**src, 7000);  // 3.5 laps of 2000 frames
  ASSERT_EQ(out.size(), 7000u);
  for (std::size_t k = 0; k < out.size(); ++k)
    ASSERT_EQ(out[k], static_cast<float>(1000 + k % 2000) / static_cast<float>(n)) << "output frame " << k;
  EXPECT_NEAR((*src)->file_position_seconds(), 2000.0 / 48000.0, 1e-9) << "7000 frames in: frame 1000 + 1000";
}

TEST(FileSourceTest, RegionWithoutLoopEndsAtItsEnd) {
  TempDir dir;
  const auto path = dir.file("ramp.wav");
  const std::size_t n = 10000;
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, ramp_frames(n)));
  SourceConfig cfg;
  cfg.device_channels = 1;
  cfg.start_frame = 4000;
  cfg.end_frame = 6500;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src) << error_sentence(src.error());
  const auto out = test::read_all(**src);
  EXPECT_TRUE((*src)->finished());
  ASSERT_EQ(out.size(), 2500u);
  EXPECT_EQ(out.front(), 4000.0f / n);
  EXPECT_EQ(out.back(), 6499.0f / n);
}

TEST(FileSourceTest, RegionEndBeforeItsStartOrPastTheFileIsValueOutOfRange) {
  TempDir dir;
  const auto path = dir.file("ramp.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, ramp_frames(10000)));
  SourceConfig cfg;
  cfg.start_frame = 4000;
  for (std::int64_t end : {std::int64_t{4000}, std::int64_t{100}, std::int64_t{10001}, std::int64_t{-1}}) {
    cfg.end_frame = end;
    auto src = FileSource::open(path, cfg);
    ASSERT_FALSE(src) << end;
    EXPECT_EQ(error_code(src.error()), errc::value_out_of_range);
    EXPECT_NE(error_sentence(src.error()).find("end frame " + std::to_string(end)), std::string::npos)
        << error_sentence(src.error());
  }
  cfg.end_frame = 6000;
  cfg.loop_begin_frame = 6000;
  auto src = FileSource::open(path, cfg);
  ASSERT_FALSE(src);
  EXPECT_NE(error_sentence(src.error()).find("loop begin frame 6000"), std::string::npos)
      << error_sentence(src.error());
}

TEST(FileSourceTest, StartFrameBeyondTheEndIsValueOutOfRange) {
  TempDir dir;
  const auto path = dir.file("short.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 1, std::vector<float>(1000, 0.1f)));
  SourceConfig cfg;
  cfg.start_frame = 5000;
  auto src = FileSource::open(path, cfg);
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::value_out_of_range);
  const auto s = error_sentence(src.error());
  EXPECT_NE(s.find("5000"), std::string::npos) << s;
  EXPECT_NE(s.find("0..1000"), std::string::npos) << s;
}

TEST(FileSourceTest, MissingFileErrorNamesAbsolutePath) {
  TempDir dir;
  const auto path = dir.file("nope.wav");
  auto src = FileSource::open(path, SourceConfig{});
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::file_not_found);
  EXPECT_NE(error_sentence(src.error()).find(path), std::string::npos) << error_sentence(src.error());
}

TEST(FileSourceTest, RelativeMissingPathIsReportedAsAbsolute) {
  auto src = FileSource::open("no_such_dir/missing.mp3", SourceConfig{});
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::file_not_found);
  const auto expected = (std::filesystem::current_path() / "no_such_dir/missing.mp3").string();
  EXPECT_NE(error_sentence(src.error()).find(expected), std::string::npos) << error_sentence(src.error());
}

TEST(FileSourceTest, RandomBytesAreUnreadableFile) {
  TempDir dir;
  const auto path = dir.file("x.wav");
  {
    std::ofstream f(path, std::ios::binary);
    std::mt19937 rng(42);
    for (int i = 0; i < 65536; ++i) f.put(static_cast<char>(rng() & 0xff));
  }
  auto src = FileSource::open(path, SourceConfig{});
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::unreadable_file);
  const auto s = error_sentence(src.error());
  EXPECT_NE(s.find(path), std::string::npos) << s;
  EXPECT_NE(s.find("libsndfile"), std::string::npos) << s;
}

TEST(FileSourceTest, TruncatedMp3PlaysItsFirstPartThenFinishesCleanly) {
  TempDir dir;
  const auto full = dir.file("full.mp3");
  const auto cut = dir.file("cut.mp3");
  const std::size_t frames = 44100 * 4;
  ASSERT_TRUE(test::write_audio(full, kMp3, 44100, 2, test::sine(frames, 2, 44100, 440, 0.5)));
  const auto size = std::filesystem::file_size(full);
  std::filesystem::copy_file(full, cut);
  std::filesystem::resize_file(cut, size / 2);

  auto src = FileSource::open(cut, SourceConfig{});
  if (!src) {
    // Acceptable outcome: a clear error naming the file.
    EXPECT_EQ(error_code(src.error()), errc::unreadable_file);
    EXPECT_NE(error_sentence(src.error()).find(cut), std::string::npos);
    GTEST_SKIP() << "libsndfile refused the truncated MP3: " << error_sentence(src.error());
  }
  const auto out = test::read_all(**src);
  EXPECT_TRUE((*src)->finished());
  EXPECT_TRUE((*src)->input_ended());
  const double full_out = static_cast<double>(frames) * 48000.0 / 44100.0;
  const double got = static_cast<double>(out.size() / 2);
  std::cout << "[ INFO     ] truncated MP3: " << got << " of " << full_out
            << " frames, decode_errors=" << (*src)->decode_errors() << " last_error=\"" << (*src)->last_error()
            << "\"\n";
  EXPECT_GT(got, 0.25 * full_out);  // the first part plays
  EXPECT_LT(got, 0.75 * full_out);  // and stops where the data stops
  if ((*src)->decode_errors() > 0) {
    EXPECT_FALSE((*src)->last_error().empty());
  }
}

TEST(FileSourceTest, CorruptFlacEndsCleanlyAndReportsTheDecodeError) {
  TempDir dir;
  const auto path = dir.file("corrupt.flac");
  const std::size_t frames = 44100 * 4;
  ASSERT_TRUE(
      test::write_audio(path, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 44100, 2, test::sine(frames, 2, 44100, 440, 0.5)));
  const auto size = std::filesystem::file_size(path);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(i * 37));  // garbage mid-file
  }
  SourceConfig cfg;
  cfg.loop = true;  // an error ends the stream even when looping
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src) << error_sentence(src.error());
  const auto out = test::read_all(**src);
  EXPECT_TRUE((*src)->finished());
  EXPECT_EQ((*src)->decode_errors(), 1u);
  EXPECT_NE((*src)->last_error().find(path), std::string::npos) << (*src)->last_error();
  const double full_out = static_cast<double>(frames) * 48000.0 / 44100.0;
  EXPECT_GT(static_cast<double>(out.size() / 2), 0.25 * full_out);  // the good part played
  EXPECT_LT(static_cast<double>(out.size() / 2), 0.75 * full_out);
}

TEST(FileSourceTest, TwelveChannelFileIsUnsupportedChannelsWithCountAndRange) {
  TempDir dir;
  const auto path = dir.file("twelve.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 48000, 12, std::vector<float>(12 * 100, 0.0f)));
  auto src = FileSource::open(path, SourceConfig{});
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::unsupported_channels);
  const auto s = error_sentence(src.error());
  EXPECT_NE(s.find("12"), std::string::npos) << s;
  EXPECT_NE(s.find("1..8"), std::string::npos) << s;
  EXPECT_NE(s.find(path), std::string::npos) << s;
}

TEST(FileSourceTest, DeviceChannelsOutsideOneToEightIsValueOutOfRange) {
  SourceConfig cfg;
  cfg.device_channels = 0;
  auto src = FileSource::open("/does/not/matter.wav", cfg);
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(src.error()).find("1..8"), std::string::npos);
}

TEST(FileSourceTest, DeviceRateOutsideRangeIsValueOutOfRange) {
  SourceConfig cfg;
  cfg.device_rate_hz = 500000;
  auto src = FileSource::open("/does/not/matter.wav", cfg);
  ASSERT_FALSE(src);
  EXPECT_EQ(error_code(src.error()), errc::value_out_of_range);
  const auto s = error_sentence(src.error());
  EXPECT_NE(s.find("500000"), std::string::npos) << s;
  EXPECT_NE(s.find("8000..384000"), std::string::npos) << s;
}

TEST(FileSourceTest, FillStopsWhenTheFifoIsFull) {
  TempDir dir;
  const auto path = dir.file("long.wav");
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 44100, 2, test::sine(44100 * 2, 2, 44100, 440, 0.3)));
  SourceConfig cfg;
  cfg.fifo_frames = 4096;
  auto src = FileSource::open(path, cfg);
  ASSERT_TRUE(src);
  EXPECT_EQ((*src)->fifo_capacity(), 4096u);
  EXPECT_EQ((*src)->fill(), 4096u);
  EXPECT_EQ((*src)->available(), 4096u);
  EXPECT_EQ((*src)->fill(), 0u);
  EXPECT_FALSE((*src)->input_ended());
  std::vector<float> buf(100 * 2);
  EXPECT_EQ((*src)->read(buf.data(), 100), 100u);
  EXPECT_EQ((*src)->fill(50), 50u);
}

TEST(FileSourceTest, TwoThreadsDeliverEveryFrameIntactAndInOrder) {
  TempDir dir;
  const auto path = dir.file("two_tones.wav");
  const std::size_t n = 44100 * 5;
  const auto left = test::sine(n, 1, 44100, 997, 0.5);
  const auto right = test::sine(n, 1, 44100, 1500, 0.3);
  std::vector<float> data(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    data[2 * i] = left[i];
    data[2 * i + 1] = right[i];
  }
  ASSERT_TRUE(test::write_audio(path, kFloatWav, 44100, 2, data));
  SourceConfig cfg;
  cfg.quality = ResamplerQuality::sinc_medium;
  cfg.fifo_frames = 1024;  // many wrap-arounds and many full/empty transitions
  auto reference_src = FileSource::open(path, cfg);
  auto opened = FileSource::open(path, cfg);
  ASSERT_TRUE(reference_src);
  ASSERT_TRUE(opened);
  const auto reference = test::read_all(**reference_src);  // single-threaded
  FileSource& src = **opened;

  std::thread producer([&src] {
    while (!src.input_ended())
      if (src.fill(700) == 0) std::this_thread::yield();
  });
  std::vector<float> out;
  out.reserve(reference.size() + 64);
  std::vector<float> block(333 * 2);
  while (!src.finished()) {
    const std::size_t got = src.read(block.data(), 333);
    if (got == 0) {
      std::this_thread::yield();
      continue;
    }
    out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(got * 2));
  }
  producer.join();

  ASSERT_EQ(out.size(), reference.size());
  EXPECT_EQ(src.frames_read(), static_cast<std::int64_t>(out.size() / 2));
  // A lost, repeated or swapped frame or channel would differ by ~0.05 or more;
  // only float rounding from different block sizes may differ.
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (std::fabs(out[i] - reference[i]) > 1e-5f) ++mismatches;
  EXPECT_EQ(mismatches, 0u);
  // And the reference is the file's content: both tones, at the device rate.
  const auto fit_l = test::fit_sine(test::channel(out, 2, 0), 2000, out.size() / 2 - 2000, 997, 48000);
  const auto fit_r = test::fit_sine(test::channel(out, 2, 1), 2000, out.size() / 2 - 2000, 1500, 48000);
  EXPECT_GT(fit_l.snr_db, 90.0);
  EXPECT_GT(fit_r.snr_db, 90.0);
}

TEST(FileSourceTest, EightSevenMinuteMp3SourcesStayUnder100MegabytesResident) {
  TempDir dir;
  const auto path = dir.file("seven_minutes.mp3");
  {
    SF_INFO info{};
    info.samplerate = 44100;
    info.channels = 2;
    info.format = kMp3;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    ASSERT_NE(f, nullptr);
    const auto block = test::sine(44100, 2, 44100, 440, 0.3);
    for (int s = 0; s < 7 * 60; ++s) sf_writef_float(f, block.data(), 44100);
    sf_close(f);
  }
  const std::size_t before = test::resident_bytes();
  std::vector<std::unique_ptr<FileSource>> sources;
  std::vector<float> sink(4096 * 2);
  for (int i = 0; i < 8; ++i) {
    SourceConfig cfg;
    cfg.quality = ResamplerQuality::sinc_medium;
    cfg.start_frame = 44100 * 60 * i / 2;
    auto src = FileSource::open(path, cfg);
    ASSERT_TRUE(src) << error_sentence(src.error());
    EXPECT_NEAR(static_cast<double>((*src)->info().file_frames), 44100.0 * 420, 44100.0);
    sources.push_back(std::move(*src));
  }
  for (int round = 0; round < 4; ++round)  // ~2.7 s of playback per source (FIFO 1 s)
    for (auto& s : sources) {
      s->fill();
      while (s->read(sink.data(), 4096) > 0) {
      }
    }
  for (auto& s : sources) s->fill();
  const std::size_t after = test::resident_bytes();
  const double delta_mb = static_cast<double>(after - std::min(after, before)) / (1024.0 * 1024.0);
  std::cout << "[ MEMORY   ] 8 sources: +" << delta_mb << " MB, process RSS "
            << static_cast<double>(after) / (1024.0 * 1024.0) << " MB\n";
  // One whole decoded 7-minute stereo track would be 148 MB; 8 sources with full
  // FIFOs must together stay far below that.
  EXPECT_LT(delta_mb, 40.0);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  EXPECT_LT(static_cast<double>(after) / (1024.0 * 1024.0), 100.0);
#endif
}

}  // namespace
}  // namespace crowdmesh::stretch
