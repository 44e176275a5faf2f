#include "encoder/opus_stream_encoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audio_files.hpp"
#include "codec_test_util.hpp"
#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

using test::MemoryOutput;

constexpr PcmFormat kStereo48k{48000, 2};

std::unique_ptr<OpusStreamEncoder> make(MemoryOutput& out, PcmFormat format = kStereo48k,
                                        const StreamMetadata& meta = {}) {
  CodecSettings s;
  s.codec = Codec::opus;
  s.bitrate_kbps = 128;
  auto enc = OpusStreamEncoder::create(s, format, out, meta);
  EXPECT_TRUE(enc) << (enc ? "" : error_sentence(enc.error()));
  return enc ? std::move(*enc) : nullptr;
}

// Decodes an Ogg/Opus file with opusdec into a 48 kHz float WAV and reads it back.
crowdmesh::test::AudioData decode(const std::string& dir, const std::string& path) {
  const std::string wav = path + ".wav";
  test::run_tool(dir, "opusdec", {"--quiet", "--float", "--rate", "48000", path, wav});
  return crowdmesh::test::read_audio(wav);
}

class OpusStreamEncoderTest : public ::testing::Test {
 protected:
  std::string dir_ = crowdmesh::test::make_temp_dir("crowdmesh-opus-test");
  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

TEST_F(OpusStreamEncoderTest, WritesTheHeaderPagesAtCreation) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_GE(out.bytes.size(), 4u);
  EXPECT_EQ(std::string(out.bytes.begin(), out.bytes.begin() + 4), "OggS");
  EXPECT_EQ(enc->bytes_out(), out.bytes.size());
}

TEST_F(OpusStreamEncoderTest, FinishedStreamPassesOpusinfoWithTheEncodedDuration) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  const auto pcm = test::sine(48000, 2, 10.0);
  ASSERT_TRUE(test::encode_all(*enc, pcm));
  ASSERT_TRUE(enc->finish());
  EXPECT_EQ(enc->frames_in(), 480000u);
  EXPECT_EQ(enc->bytes_out(), out.bytes.size());
  ASSERT_TRUE(test::write_file(file("a.opus"), out.bytes));
  EXPECT_EQ(test::run_tool(dir_, "opusinfo", {file("a.opus")}).status, 0);
  EXPECT_NEAR(test::ffprobe_duration(dir_, file("a.opus")), 10.0, 0.040);
}

TEST_F(OpusStreamEncoderTest, DecodedSineKeepsItsLevel) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 3.0, 997.0, -6.0)));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.opus"), out.bytes));
  const auto audio = decode(dir_, file("a.opus"));
  ASSERT_EQ(audio.channels, 2);
  EXPECT_NEAR(static_cast<double>(audio.frames), 144000.0, 480.0);
  // A sine peaking at −6 dBFS has an RMS of −9.03 dBFS; skip the first 0.5 s.
  EXPECT_NEAR(crowdmesh::test::rms_dbfs(audio, 24000, 96000), -9.03, 0.5);
}

TEST_F(OpusStreamEncoderTest, ResamplesA44100HzInputKeepingItsDuration) {
  MemoryOutput out;
  auto enc = make(out, PcmFormat{44100, 2});
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(44100, 2, 5.0), 441));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.opus"), out.bytes));
  EXPECT_EQ(test::run_tool(dir_, "opusinfo", {file("a.opus")}).status, 0);
  EXPECT_NEAR(test::ffprobe_duration(dir_, file("a.opus")), 5.0, 0.040);
}

TEST_F(OpusStreamEncoderTest, EncodesSixChannelSurround) {
  MemoryOutput out;
  auto enc = make(out, PcmFormat{48000, 6});
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 6, 2.0)));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.opus"), out.bytes));
  const auto info = test::run_tool(dir_, "opusinfo", {file("a.opus")});
  EXPECT_EQ(info.status, 0);
  EXPECT_NE(info.out.find("Channels: 6"), std::string::npos) << info.out;
}

TEST_F(OpusStreamEncoderTest, TitleEndsUpInTheVorbisComments) {
  MemoryOutput out;
  StreamMetadata meta;
  meta.title = "Nuit Blanche – Café";
  meta.artist = "Crowdmesh";
  auto enc = make(out, kStereo48k, meta);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 1.0)));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.opus"), out.bytes));
  EXPECT_EQ(test::ffprobe_title(dir_, file("a.opus")), meta.title);
}

TEST_F(OpusStreamEncoderTest, PagesReachTheOutputWithinOneSecondWithoutFlush) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 2.0)));
  // The process dies here: no flush(), no finish().
  ASSERT_TRUE(test::write_file(file("killed.opus"), out.bytes));
  const auto audio = decode(dir_, file("killed.opus"));
  EXPECT_GE(audio.frames, 48000);
}

TEST_F(OpusStreamEncoderTest, FlushLeavesLessThan100MsInsideTheEncoder) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 2.5)));
  ASSERT_TRUE(enc->flush());
  ASSERT_TRUE(test::write_file(file("killed.opus"), out.bytes));
  const auto audio = decode(dir_, file("killed.opus"));
  EXPECT_GE(audio.frames, 120000 - 4800);
  EXPECT_LE(audio.frames, 120000);
}

TEST_F(OpusStreamEncoderTest, RefusedOutputIsReportedAsIoError) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  out.refuse = true;
  const auto pcm = test::sine(48000, 2, 2.0);
  auto ok = enc->encode(pcm.data(), 96000);  // 2 s: at least one page is due
  ASSERT_FALSE(ok);
  EXPECT_EQ(error_code(ok.error()), errc::io_error);
  EXPECT_NE(error_sentence(ok.error()).find("opus"), std::string::npos) << error_sentence(ok.error());
  out.refuse = false;
  EXPECT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 1.0)));
}

TEST_F(OpusStreamEncoderTest, FinishIsIdempotentAndEncodeAfterItFails) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  ASSERT_TRUE(test::encode_all(*enc, test::sine(48000, 2, 0.5)));
  ASSERT_TRUE(enc->finish());
  const auto size = out.bytes.size();
  EXPECT_TRUE(enc->finish());
  EXPECT_EQ(out.bytes.size(), size);
  const float frame[2] = {0.0f, 0.0f};
  EXPECT_FALSE(enc->encode(frame, 1));
}

TEST_F(OpusStreamEncoderTest, NanSamplesAreEncodedAsSilence) {
  MemoryOutput out;
  auto enc = make(out);
  ASSERT_TRUE(enc);
  std::vector<float> pcm(48000 * 2, std::nanf(""));
  ASSERT_TRUE(test::encode_all(*enc, pcm));
  ASSERT_TRUE(enc->finish());
  ASSERT_TRUE(test::write_file(file("a.opus"), out.bytes));
  const auto audio = decode(dir_, file("a.opus"));
  ASSERT_GT(audio.frames, 0);
  EXPECT_LT(crowdmesh::test::rms_dbfs(audio), -90.0);
}

}  // namespace
}  // namespace crowdmesh::encoder
