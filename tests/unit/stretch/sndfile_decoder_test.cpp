#include "stretch/sndfile_decoder.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "common/error.hpp"
#include "stretch_test_support.hpp"

namespace crowdmesh::stretch {
namespace {

using test::TempDir;

std::vector<float> ramp(std::size_t frames, int channels) {
  std::vector<float> out(frames * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(i) / static_cast<float>(out.size());
  return out;
}

TEST(SndfileDecoderTest, ReadsFramesInBlocksExactlyAsWritten) {
  TempDir dir;
  const auto path = dir.file("ramp.wav");
  const auto data = ramp(5000, 2);
  ASSERT_TRUE(test::write_audio(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 2, data));
  auto dec = SndfileDecoder::open(path);
  ASSERT_TRUE(dec) << error_sentence(dec.error());
  EXPECT_EQ((*dec)->info().file_frames, 5000);
  EXPECT_EQ((*dec)->info().file_channels, 2);
  EXPECT_EQ((*dec)->info().file_rate_hz, 44100);
  EXPECT_EQ((*dec)->info().format, "WAV");
  std::vector<float> got;
  std::vector<float> block(1000 * 2);
  while (std::size_t n = (*dec)->read_frames(block.data(), 1000))
    got.insert(got.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n * 2));
  EXPECT_EQ(got, data);
  EXPECT_FALSE((*dec)->failed());
}

TEST(SndfileDecoderTest, SeekStartsTheNextReadAtThatFrame) {
  TempDir dir;
  const auto path = dir.file("ramp.wav");
  const auto data = ramp(3000, 1);
  ASSERT_TRUE(test::write_audio(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, data));
  auto dec = SndfileDecoder::open(path);
  ASSERT_TRUE(dec);
  ASSERT_TRUE((*dec)->seek(1234));
  float v = -1.0f;
  ASSERT_EQ((*dec)->read_frames(&v, 1), 1u);
  EXPECT_EQ(v, data[1234]);
}

TEST(SndfileDecoderTest, NegativeSeekIsValueOutOfRange) {
  TempDir dir;
  const auto path = dir.file("ramp.wav");
  ASSERT_TRUE(test::write_audio(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, ramp(100, 1)));
  auto dec = SndfileDecoder::open(path);
  ASSERT_TRUE(dec);
  auto r = (*dec)->seek(-5);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(r.error()).find("-5"), std::string::npos);
}

TEST(SndfileDecoderTest, ReportsShortFormatNamesForFlacAndMp3) {
  TempDir dir;
  const auto data = test::sine(4800, 2, 48000, 440, 0.5);
  ASSERT_TRUE(test::write_audio(dir.file("a.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 48000, 2, data));
  ASSERT_TRUE(test::write_audio(dir.file("a.mp3"), SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, 48000, 2, data));
  auto flac = SndfileDecoder::open(dir.file("a.flac"));
  auto mp3 = SndfileDecoder::open(dir.file("a.mp3"));
  ASSERT_TRUE(flac);
  ASSERT_TRUE(mp3);
  EXPECT_EQ((*flac)->info().format, "FLAC");
  EXPECT_EQ((*mp3)->info().format, "MP3");
  EXPECT_FALSE((*mp3)->info().format_name.empty());
}

TEST(SndfileDecoderTest, DirectoryIsUnreadableFile) {
  TempDir dir;
  auto dec = SndfileDecoder::open(dir.path());
  ASSERT_FALSE(dec);
  EXPECT_EQ(error_code(dec.error()), errc::unreadable_file);
  EXPECT_NE(error_sentence(dec.error()).find(dir.path()), std::string::npos);
}

TEST(SndfileDecoderTest, EmptyPathIsFileNotFound) {
  auto dec = SndfileDecoder::open("");
  ASSERT_FALSE(dec);
  EXPECT_EQ(error_code(dec.error()), errc::file_not_found);
}

TEST(SndfileDecoderTest, AFifoIsRefusedAtOnceInsteadOfWaitingForAWriter) {
  TempDir dir;
  const auto path = dir.file("track.wav");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto dec = SndfileDecoder::open(path);  // a blocking open() would wait here for ever
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ASSERT_FALSE(dec);
  EXPECT_EQ(error_code(dec.error()), errc::unreadable_file);
  EXPECT_NE(error_sentence(dec.error()).find("not a regular file (a FIFO)"), std::string::npos)
      << error_sentence(dec.error());
  EXPECT_NE(error_sentence(dec.error()).find(path), std::string::npos);
}

TEST(SndfileDecoderTest, ADeviceIsRefusedAsNotARegularFile) {
  auto dec = SndfileDecoder::open("/dev/zero");  // endless zeros would decode for ever
  ASSERT_FALSE(dec);
  EXPECT_EQ(error_code(dec.error()), errc::unreadable_file);
  EXPECT_NE(error_sentence(dec.error()).find("/dev/zero: it is not a regular file (a character device)"),
            std::string::npos)
      << error_sentence(dec.error());
}

}  // namespace
}  // namespace crowdmesh::stretch
