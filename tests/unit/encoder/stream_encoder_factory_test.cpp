#include <gtest/gtest.h>

#include <string>

#include "codec_test_util.hpp"
#include "common/error.hpp"
#include "encoder/stream_encoder.hpp"

namespace crowdmesh::encoder {
namespace {

using test::MemoryOutput;

CodecSettings settings(Codec codec) {
  CodecSettings s;
  s.codec = codec;
  s.bitrate_kbps = codec == Codec::mp3 ? 192 : 96;
  return s;
}

// The sentence of the error make_stream_encoder returns (empty when it succeeded).
std::string rejection(const CodecSettings& s, PcmFormat f, errc* code = nullptr) {
  MemoryOutput out;
  auto enc = make_stream_encoder(s, f, out);
  if (enc) return {};
  if (code) *code = error_code(enc.error());
  return error_sentence(enc.error());
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(StreamEncoderFactoryTest, NamesContentTypesAndExtensionsMatchTheCodec) {
  EXPECT_STREQ(to_string(Codec::opus), "opus");
  EXPECT_STREQ(to_string(Codec::flac), "flac");
  EXPECT_STREQ(to_string(Codec::mp3), "mp3");
  EXPECT_STREQ(content_type(Codec::opus), "audio/ogg");
  EXPECT_STREQ(content_type(Codec::flac), "audio/flac");
  EXPECT_STREQ(content_type(Codec::mp3), "audio/mpeg");
  EXPECT_STREQ(file_extension(Codec::opus), "opus");
  EXPECT_STREQ(file_extension(Codec::flac), "flac");
  EXPECT_STREQ(file_extension(Codec::mp3), "mp3");
}

TEST(StreamEncoderFactoryTest, CreatesTheRequestedCodecAndWritesItsHeaderAtOnce) {
  for (Codec c : {Codec::opus, Codec::flac, Codec::mp3}) {
    MemoryOutput out;
    StreamMetadata meta;
    meta.title = "Now";
    auto enc = make_stream_encoder(settings(c), PcmFormat{44100, 2}, out, meta);
    ASSERT_TRUE(enc) << to_string(c) << ": " << error_sentence(enc.error());
    EXPECT_EQ((*enc)->codec(), c);
    EXPECT_EQ((*enc)->format(), (PcmFormat{44100, 2}));
    EXPECT_GT(out.bytes.size(), 0u) << to_string(c);
    EXPECT_EQ((*enc)->bytes_out(), out.bytes.size()) << to_string(c);
    EXPECT_EQ((*enc)->frames_in(), 0u);
  }
}

TEST(StreamEncoderFactoryTest, RejectsOpusBitrateOutOfRangeNamingValueAndRange) {
  auto s = settings(Codec::opus);
  s.bitrate_kbps = 700;
  errc code{};
  const auto why = rejection(s, PcmFormat{}, &code);
  EXPECT_EQ(code, errc::value_out_of_range);
  EXPECT_TRUE(contains(why, "opus bitrate 700 kb/s")) << why;
  EXPECT_TRUE(contains(why, "6..510")) << why;
  s.bitrate_kbps = 5;
  EXPECT_TRUE(contains(rejection(s, PcmFormat{}), "bitrate 5 kb/s"));
  s.bitrate_kbps = 6;
  EXPECT_EQ(rejection(s, PcmFormat{}), "");
  s.bitrate_kbps = 510;
  EXPECT_EQ(rejection(s, PcmFormat{}), "");
}

TEST(StreamEncoderFactoryTest, RejectsMp3BitrateOutsideTheLayerIIISet) {
  auto s = settings(Codec::mp3);
  s.bitrate_kbps = 100;
  errc code{};
  const auto why = rejection(s, PcmFormat{}, &code);
  EXPECT_EQ(code, errc::value_out_of_range);
  EXPECT_TRUE(contains(why, "mp3 bitrate 100 kb/s")) << why;
  EXPECT_TRUE(contains(why, "32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320")) << why;
  s.bitrate_kbps = 320;
  EXPECT_EQ(rejection(s, PcmFormat{}), "");
}

TEST(StreamEncoderFactoryTest, RejectsFlacLevelOutOfRangeNamingValueAndRange) {
  auto s = settings(Codec::flac);
  s.flac_level = 9;
  errc code{};
  const auto why = rejection(s, PcmFormat{}, &code);
  EXPECT_EQ(code, errc::value_out_of_range);
  EXPECT_TRUE(contains(why, "flac compression level 9")) << why;
  EXPECT_TRUE(contains(why, "0..8")) << why;
  s.flac_level = -1;
  EXPECT_TRUE(contains(rejection(s, PcmFormat{}), "level -1"));
}

TEST(StreamEncoderFactoryTest, FlacIgnoresTheBitrate) {
  auto s = settings(Codec::flac);
  s.bitrate_kbps = 0;
  EXPECT_EQ(rejection(s, PcmFormat{}), "");
}

TEST(StreamEncoderFactoryTest, RejectsChannelCountsOutsideEachCodecsRange) {
  const auto opus = rejection(settings(Codec::opus), PcmFormat{48000, 9});
  EXPECT_TRUE(contains(opus, "opus channel count 9")) << opus;
  EXPECT_TRUE(contains(opus, "1..8")) << opus;
  const auto flac = rejection(settings(Codec::flac), PcmFormat{48000, 0});
  EXPECT_TRUE(contains(flac, "flac channel count 0")) << flac;
  EXPECT_TRUE(contains(flac, "1..8")) << flac;
  const auto mp3 = rejection(settings(Codec::mp3), PcmFormat{48000, 3});
  EXPECT_TRUE(contains(mp3, "mp3 channel count 3")) << mp3;
  EXPECT_TRUE(contains(mp3, "1..2")) << mp3;
  EXPECT_EQ(rejection(settings(Codec::opus), PcmFormat{48000, 8}), "");
  EXPECT_EQ(rejection(settings(Codec::flac), PcmFormat{48000, 8}), "");
  EXPECT_EQ(rejection(settings(Codec::mp3), PcmFormat{48000, 1}), "");
}

TEST(StreamEncoderFactoryTest, RejectsSampleRatesTheCodecCannotTake) {
  const auto mp3 = rejection(settings(Codec::mp3), PcmFormat{96000, 2});
  EXPECT_TRUE(contains(mp3, "mp3 sample rate 96000 Hz")) << mp3;
  EXPECT_TRUE(contains(mp3, "8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000")) << mp3;
  const auto opus = rejection(settings(Codec::opus), PcmFormat{4000, 2});
  EXPECT_TRUE(contains(opus, "opus sample rate 4000 Hz")) << opus;
  EXPECT_TRUE(contains(opus, "8000..192000")) << opus;
  const auto flac = rejection(settings(Codec::flac), PcmFormat{0, 2});
  EXPECT_TRUE(contains(flac, "flac sample rate 0 Hz")) << flac;
  EXPECT_EQ(rejection(settings(Codec::opus), PcmFormat{22050, 2}), "");
  EXPECT_EQ(rejection(settings(Codec::flac), PcmFormat{96000, 2}), "");
  EXPECT_EQ(rejection(settings(Codec::mp3), PcmFormat{11025, 2}), "");
}

TEST(StreamEncoderFactoryTest, RejectsComplexityOutOfRange) {
  for (Codec c : {Codec::opus, Codec::mp3}) {
    auto s = settings(c);
    s.complexity = 11;
    const auto why = rejection(s, PcmFormat{});
    EXPECT_TRUE(contains(why, std::string(to_string(c)) + " complexity 11")) << why;
    EXPECT_TRUE(contains(why, "0..10")) << why;
  }
}

TEST(StreamEncoderFactoryTest, RejectsAnUnknownCodecValue) {
  CodecSettings s;
  s.codec = static_cast<Codec>(7);
  errc code{};
  const auto why = rejection(s, PcmFormat{}, &code);
  EXPECT_EQ(code, errc::value_out_of_range);
  EXPECT_TRUE(contains(why, "codec 7")) << why;
}

}  // namespace
}  // namespace crowdmesh::encoder
