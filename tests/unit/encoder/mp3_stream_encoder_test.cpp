#include "encoder/mp3_stream_encoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "audio_files.hpp"
#include "codec_test_util.hpp"
#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

using test::MemoryOutput;

constexpr PcmFormat kStereo48k{48000, 2};

std::unique_ptr<Mp3StreamEncoder> make(MemoryOutput& out, PcmFormat format = kStereo48k,
                                       const StreamMetadata& meta = {}, int bitrate_kbps = 192) {
  CodecSettings s;
  s.codec = Codec::mp3;
  s.bitrate_kbps = bitrate_kbps;
  auto enc = Mp3StreamEncoder::create(s, format, out, meta);
  EXPECT_TRUE(enc) << (enc ? "" : error_sentence(enc.error()));
  return enc ? std::move(*enc) : nullptr;
}

// Size of the ID3v2 tag at the start of `b` (0 when there is none).
std::size_t id3v2_size(const std::vector<std::uint8_t>& b) {
  if (b.size() < 10 || b[0] != 'I' || b[1] != 'D' || b[2] != '3') return 0;
  return 10 + ((std::size_t{b[6]} << 21) | (std::size_t{b[7]} << 14) | (std::size_t{b[8]} << 7) | b[9]);
}

// Position of `what` in the first `span` bytes from `from`, or npos.
std::size_t find_in(const std::vector<std::uint8_t>& b, std::size_t from, std::size_t span, const std::string& what) {
  const auto end = b.begin() + static_cast<std::ptrdiff_t>(std::min(b.size(), from + span));
  const auto it = std::search(b.begin() + static_cast<std::ptrdiff_t>(from), end, what.begin(), what.end());
  return it == end ? std::string::npos : static_cast<std::size_t>(it - b.begin());
}

class Mp3StreamEncoderTest : public ::testing::Test {
 protected:
  std::string dir_ = crowdmesh::test::make_temp_dir("crowdmesh-mp3-test");
  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

TEST(Mp3QualityTest, QualityFollowsComplexity) {
  EXPECT_EQ(Mp3StreamEncoder::quality_from_complexity(10), 2);
  EXPECT_EQ(Mp3StreamEncoder::quality_from_complexity(5), 5);
  EXPECT_EQ(Mp3StreamEncoder::quality_from_complexity(0), 9);
}

TEST_F(Mp3StreamEncoderTest, FinishedStreamHasTheEncodedDuration) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 10.0)));
  ASSERT_TRUE(enc->finish());
  EXPECT_EQ(enc->frames_in(), 480000u);
  EXPECT_EQ(enc->bytes_out(), out.bytes.size());  // the Info tag rewrite is not counted
  ASSERT_TRUE(test::write_file(file("a.mp3"), out.bytes));
  EXPECT_NEAR(test::ffprobe_duration(dir_, file("a.mp3")), 10.0, 0.040);
}

TEST_F(Mp3StreamEncoderTest, FinishWritesTheInfoTagOverTheFirstFrame) {
  MemoryOutput out;
  StreamMetadata meta;
  meta.title = "Opening";
  auto enc = make(out, kStereo48k, meta);
  ASSERT_TRUE(enc);
  const std::size_t first_frame = id3v2_size(out.bytes);
  ASSERT_GT(first_frame, 0u);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 2.0)));
  // Before finish the reserved frame holds no LAME tag yet.
  EXPECT_EQ(find_in(out.bytes, first_frame, 200, "LAME"), std::string::npos);
  ASSERT_TRUE(enc->finish());
  ASSERT_GT(out.bytes.size(), first_frame + 2);
  EXPECT_EQ(out.bytes[first_frame], 0xFF);  // MPEG frame sync right after the ID3v2 tag
  EXPECT_EQ(out.bytes[first_frame + 1] & 0xE0, 0xE0);
  EXPECT_NE(find_in(out.bytes, first_frame, 64, "Info"), std::string::npos);
  EXPECT_NE(find_in(out.bytes, first_frame, 200, "LAME"), std::string::npos);
  EXPECT_EQ(out.tell(), out.bytes.size());  // the position is back at the end
}

TEST_F(Mp3StreamEncoderTest, DecodedSineKeepsItsLevel) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 3.0, 997.0, -6.0)));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.mp3"), out.bytes));
  const auto audio = crowdmesh::test::read_audio(file("a.mp3"));
  ASSERT_EQ(audio.channels, 2);
  ASSERT_GT(audio.frames, 120000);
  EXPECT_NEAR(crowdmesh::test::rms_dbfs(audio, 24000, 96000), -9.03, 0.5);
}

TEST_F(Mp3StreamEncoderTest, TitleEndsUpInTheId3v2Tag) {
  MemoryOutput out;
  StreamMetadata meta;
  meta.title = "Nuit Blanche – Café";
  meta.artist = "Crowdmesh";
  auto enc = make(out, kStereo48k, meta);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 1.0)));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.mp3"), out.bytes));
  EXPECT_EQ(test::ffprobe_title(dir_, file("a.mp3")), meta.title);
}

TEST_F(Mp3StreamEncoderTest, NonSeekableOutputGetsNoInfoFrameAndStillDecodes) {
  MemoryOutput out(/*seekable=*/false);
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 3.0)));
  ASSERT_TRUE(enc->finish());
  EXPECT_EQ(out.seeks, 0);
  EXPECT_EQ(find_in(out.bytes, 0, 400, "Info"), std::string::npos);
  EXPECT_EQ(find_in(out.bytes, 0, 400, "Xing"), std::string::npos);
  ASSERT_TRUE(test::write_file(file("a.mp3"), out.bytes));
  EXPECT_NEAR(test::ffprobe_duration(dir_, file("a.mp3")), 3.0, 0.1);
}

TEST_F(Mp3StreamEncoderTest, StreamKilledBeforeFinishDecodes) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 3.0)));
  ASSERT_TRUE(enc->flush());
  ASSERT_TRUE(test::write_file(file("killed.mp3"), out.bytes));
  const auto audio = crowdmesh::test::read_audio(file("killed.mp3"));
  EXPECT_GT(audio.frames, 144000 - 4800);  // all but LAME's look-ahead (< 100 ms)
}

TEST_F(Mp3StreamEncoderTest, EncodesMonoAt22050Hz) {
  MemoryOutput out;
  auto enc = make(out, PcmFormat{22050, 1}, {}, 64);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(22050, 1, 4.0), 441));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.mp3"), out.bytes));
  const auto audio = crowdmesh::test::read_audio(file("a.mp3"));
  EXPECT_EQ(audio.channels, 1);
  EXPECT_EQ(audio.sample_rate_hz, 22050);
  EXPECT_NEAR(test::ffprobe_duration(dir_, file("a.mp3")), 4.0, 0.080);
  EXPECT_NEAR(crowdmesh::test::rms_dbfs(audio, 11025, 44100), -9.03, 0.5);
}

TEST_F(Mp3StreamEncoderTest, RefusedOutputIsReportedAsIoError) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  out.refuse = true;
  const auto pcm = test::sine(48000, 2, 1.0);
  auto ok = enc->encode(pcm.data(), 48000);
  ASSERT_FALSE(ok);
  EXPECT_EQ(error_code(ok.error()), errc::io_error);
  EXPECT_NE(error_sentence(ok.error()).find("mp3"), std::string::npos);
}

TEST_F(Mp3StreamEncoderTest, ClipsOutOfRangeAndNanInputWithoutFailing) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  std::vector<float> pcm(48000 * 2);
  for (std::size_t i = 0; i < pcm.size(); ++i) pcm[i] = i % 3 == 0 ? std::nanf("") : (i % 3 == 1 ? 4.0f : -4.0f);
  ASSERT_TRUE(test::encode_all(*enc, pcm));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.mp3"), out.bytes));
  EXPECT_NEAR(test::ffprobe_duration(dir_, file("a.mp3")), 1.0, 0.080);
}

}  // namespace
}  // namespace crowdmesh::encoder
