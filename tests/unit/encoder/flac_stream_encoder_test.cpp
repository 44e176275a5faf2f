#include "encoder/flac_stream_encoder.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "audio_files.hpp"
#include "codec_test_util.hpp"
#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

using test::MemoryOutput;

constexpr PcmFormat kStereo48k{48000, 2};
constexpr double kLsb = 1.0 / 8388608.0;  // one 24-bit step

std::unique_ptr<FlacStreamEncoder> make(MemoryOutput& out, PcmFormat format = kStereo48k,
                                        const StreamMetadata& meta = {}, int level = 5) {
  CodecSettings s;
  s.codec = Codec::flac;
  s.flac_level = level;
  auto enc = FlacStreamEncoder::create(s, format, out, meta);
  EXPECT_TRUE(enc) << (enc ? "" : error_sentence(enc.error()));
  return enc ? std::move(*enc) : nullptr;
}

// Byte offset of the first frame: after "fLaC" and every metadata block.
std::size_t audio_offset(const std::vector<std::uint8_t>& b) {
  std::size_t pos = 4;
  for (;;) {
    if (pos + 4 > b.size()) return 0;
    const bool last = (b[pos] & 0x80) != 0;
    const std::size_t len = (std::size_t{b[pos + 1]} << 16) | (std::size_t{b[pos + 2]} << 8) | b[pos + 3];
    pos += 4 + len;
    if (last) return pos;
  }
}

struct SeekPoint {
  std::uint64_t sample = 0;
  std::uint64_t offset = 0;
  std::uint64_t frame_samples = 0;
};

class FlacStreamEncoderTest : public ::testing::Test {
 protected:
  std::string dir_ = crowdmesh::test::make_temp_dir("crowdmesh-flac-test");
  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Filled seek points and placeholder count, as metaflac lists them.
  std::vector<SeekPoint> seek_points(const std::string& path, int* placeholders) {
    const auto r = test::run_tool(dir_, "metaflac", {"--list", "--block-type=SEEKTABLE", path});
    std::vector<SeekPoint> points;
    *placeholders = 0;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      unsigned index = 0;
      unsigned long long sample = 0, offset = 0, frame_samples = 0;
      char word[16] = {};
      if (std::sscanf(line.c_str(), " point %u: sample_number=%llu, stream_offset=%llu, frame_samples=%llu", &index,
                      &sample, &offset, &frame_samples) == 4)
        points.push_back({sample, offset, frame_samples});
      else if (std::sscanf(line.c_str(), " point %u: %15s", &index, word) == 2 && std::string(word) == "PLACEHOLDER")
        ++*placeholders;
    }
    return points;
  }
};

TEST_F(FlacStreamEncoderTest, WritesTheMetadataAtCreation) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_GE(out.bytes.size(), 42u);  // "fLaC" + STREAMINFO
  EXPECT_EQ(std::string(out.bytes.begin(), out.bytes.begin() + 4), "fLaC");
  EXPECT_EQ(enc->bytes_out(), out.bytes.size());
}

TEST_F(FlacStreamEncoderTest, FinishedStreamPassesFlacTestWithTheEncodedDuration) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 10.0)));
  ASSERT_TRUE(enc->finish());
  EXPECT_EQ(enc->frames_in(), 480000u);
  EXPECT_EQ(enc->bytes_out(), out.bytes.size());  // the header rewrite is not counted
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  EXPECT_EQ(test::run_tool(dir_, "flac", {"-t", "-s", file("a.flac")}).status, 0);
  EXPECT_NEAR(test::ffprobe_duration(dir_, file("a.flac")), 10.0, 0.040);
}

TEST_F(FlacStreamEncoderTest, FinishWritesTotalSamplesIntoStreamInfo) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 3.0)));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  const auto r = test::run_tool(dir_, "metaflac", {"--show-total-samples", "--show-bps", file("a.flac")});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "144000\n24\n");
}

TEST_F(FlacStreamEncoderTest, DecodedSamplesEqualTheInputWithin24BitRounding) {
  MemoryOutput out;
  auto enc = make(out, kStereo48k, {}, 8);
  ASSERT_TRUE(enc);
  const auto pcm = test::sine(48000, 2, 2.0, 997.0, -6.0);
  ASSERT_TRUE(test::encode_all(*enc, pcm, 333));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  const auto audio = crowdmesh::test::read_audio(file("a.flac"));
  ASSERT_EQ(audio.channels, 2);
  ASSERT_EQ(audio.samples.size(), pcm.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < pcm.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(audio.samples[i]) - pcm[i]));
  EXPECT_LE(worst, 0.5 * kLsb + 1e-9);
  EXPECT_NEAR(crowdmesh::test::rms_dbfs(audio), -9.03, 0.05);
}

TEST_F(FlacStreamEncoderTest, ClipsOutOfRangeSamplesAndEncodesNanAsZero) {
  MemoryOutput out;
  auto enc = make(out, PcmFormat{48000, 1});
  ASSERT_TRUE(enc);
  const std::vector<float> pcm{1.5f, -2.0f, std::nanf(""), 0.25f, INFINITY, -INFINITY};
  ASSERT_TRUE(enc->encode(pcm.data(), pcm.size()));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  const auto audio = crowdmesh::test::read_audio(file("a.flac"));
  ASSERT_EQ(audio.samples.size(), pcm.size());
  EXPECT_FLOAT_EQ(audio.samples[0], static_cast<float>(1.0 - kLsb));
  EXPECT_FLOAT_EQ(audio.samples[1], -1.0f);
  EXPECT_FLOAT_EQ(audio.samples[2], 0.0f);
  EXPECT_FLOAT_EQ(audio.samples[3], 0.25f);
  EXPECT_FLOAT_EQ(audio.samples[4], static_cast<float>(1.0 - kLsb));
  EXPECT_FLOAT_EQ(audio.samples[5], -1.0f);
}

TEST_F(FlacStreamEncoderTest, StreamKilledBeforeFinishDecodesUpToItsLastFrame) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 5.0)));
  ASSERT_TRUE(enc->flush());
  // The process dies here: the bytes so far are all a file would hold.
  ASSERT_TRUE(test::write_file(file("killed.flac"), out.bytes));
  EXPECT_EQ(test::run_tool(dir_, "flac", {"-t", "-s", file("killed.flac")}).status, 0);
  const auto r = test::run_tool(dir_, "metaflac", {"--show-total-samples", file("killed.flac")});
  EXPECT_EQ(r.out, "0\n");
  const auto audio = crowdmesh::test::read_audio(file("killed.flac"));
  EXPECT_GT(audio.frames, 240000 - 4096);  // all but the partial block
  EXPECT_LE(audio.frames, 240000);
  int placeholders = 0;
  EXPECT_TRUE(seek_points(file("killed.flac"), &placeholders).empty());
  EXPECT_EQ(placeholders, static_cast<int>(FlacStreamEncoder::kSeekPoints));
}

TEST_F(FlacStreamEncoderTest, SeekTableHasAPointEveryTenSecondsPointingAtFrames) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 35.0), 4800));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  EXPECT_EQ(test::run_tool(dir_, "flac", {"-t", "-s", file("a.flac")}).status, 0);
  int placeholders = 0;
  const auto points = seek_points(file("a.flac"), &placeholders);
  ASSERT_EQ(points.size(), 4u);  // 0, 10, 20, 30 s
  EXPECT_EQ(placeholders, static_cast<int>(FlacStreamEncoder::kSeekPoints) - 4);
  const std::size_t first_frame = audio_offset(out.bytes);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::uint64_t target = i * 480000;
    // The point is the frame holding the target sample (as `flac -S 10s`).
    EXPECT_LE(points[i].sample, target);
    EXPECT_GT(points[i].sample + 4096, target);
    EXPECT_EQ(points[i].frame_samples, 4096u);
    const std::size_t at = first_frame + points[i].offset;
    ASSERT_LT(at + 1, out.bytes.size());
    // A fixed-blocksize FLAC frame header starts with the sync code 0xFFF8.
    EXPECT_EQ(out.bytes[at], 0xFF) << "point " << i;
    EXPECT_EQ(out.bytes[at + 1], 0xF8) << "point " << i;
  }
}

TEST_F(FlacStreamEncoderTest, NonSeekableOutputGetsADecodableStreamWithoutSeekTable) {
  MemoryOutput out(/*seekable=*/false);
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 3.0)));
  ASSERT_TRUE(enc->finish());
  EXPECT_EQ(out.seeks, 0);
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  EXPECT_EQ(test::run_tool(dir_, "flac", {"-t", "-s", file("a.flac")}).status, 0);
  const auto r = test::run_tool(dir_, "metaflac", {"--list", "--block-type=SEEKTABLE", file("a.flac")});
  EXPECT_EQ(r.out.find("SEEKTABLE"), std::string::npos) << r.out;
  EXPECT_EQ(crowdmesh::test::read_audio(file("a.flac")).frames, 144000);
}

TEST_F(FlacStreamEncoderTest, TitleEndsUpInTheVorbisCommentBlock) {
  MemoryOutput out;
  StreamMetadata meta;
  meta.title = "Nuit Blanche – Café";
  meta.album = "Hall 3";
  auto enc = make(out, kStereo48k, meta);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 1.0)));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  EXPECT_EQ(test::ffprobe_title(dir_, file("a.flac")), meta.title);
  const auto r = test::run_tool(dir_, "metaflac", {"--show-tag=ALBUM", file("a.flac")});
  EXPECT_EQ(r.out, "ALBUM=Hall 3\n");
}

TEST_F(FlacStreamEncoderTest, LowRatesUseBlocksOfAtMost100Ms) {
  MemoryOutput out;
  auto enc = make(out, PcmFormat{8000, 1});
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(8000, 1, 2.0, 440.0), 80));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
  EXPECT_EQ(test::run_tool(dir_, "flac", {"-t", "-s", file("a.flac")}).status, 0);
  const auto r = test::run_tool(dir_, "metaflac", {"--show-max-blocksize", file("a.flac")});
  ASSERT_EQ(r.status, 0);
  EXPECT_LE(std::stoi(r.out), 800);  // 100 ms at 8 kHz
}

TEST_F(FlacStreamEncoderTest, RefusedOutputIsReportedAsIoError) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  out.refuse = true;
  const auto pcm = test::sine(48000, 2, 1.0);
  auto ok = enc->encode(pcm.data(), 48000);
  ASSERT_FALSE(ok);
  EXPECT_EQ(error_code(ok.error()), errc::io_error);
  EXPECT_NE(error_sentence(ok.error()).find("flac"), std::string::npos);
  out.refuse = false;
  EXPECT_TRUE(enc->encode(pcm.data(), 48000));
}

TEST_F(FlacStreamEncoderTest, EveryCompressionLevelProducesAValidStream) {
  for (int level = 0; level <= 8; ++level) {
    MemoryOutput out;
    auto enc = make(out, PcmFormat{44100, 1}, {}, level);
    ASSERT_TRUE(enc) << "level " << level;
    ASSERT_TRUE(test::encode_all(*enc, test::sine(44100, 1, 0.5), 441));
    ASSERT_TRUE(enc->finish());
    ASSERT_TRUE(test::write_file(file("a.flac"), out.bytes));
    EXPECT_EQ(test::run_tool(dir_, "flac", {"-t", "-s", file("a.flac")}).status, 0) << "level " << level;
  }
}

}  // namespace
}  // namespace crowdmesh::encoder
