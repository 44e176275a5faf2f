#include "encoder/preset.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"

namespace crowdmesh::encoder {
namespace {

std::string preset_error(const std::string& spec) {
  auto p = make_preset(spec);
  if (p) return "(no error)";
  EXPECT_EQ(error_code(p.error()), errc::value_out_of_range) << spec;
  return error_sentence(p.error());
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(PresetTest, MobileIsOpus96WithCompressorAndLimiter) {
  auto p = make_preset("mobile");
  ASSERT_TRUE(p) << error_sentence(p.error());
  EXPECT_EQ(p->name, "mobile");
  EXPECT_EQ(p->codec.codec, Codec::opus);
  EXPECT_EQ(p->codec.bitrate_kbps, 96);
  EXPECT_TRUE(p->effects.compressor.enabled);
  EXPECT_TRUE(p->effects.limiter.enabled);
  EXPECT_DOUBLE_EQ(p->effects.limiter.ceiling_dbfs, -1.0);
  EXPECT_FALSE(p->effects.eq.enabled);
  EXPECT_FALSE(p->effects.loudness.enabled);
  EXPECT_EQ(p->sink.rotate_seconds, 0.0);
}

TEST(PresetTest, HifiIsFlacLevel5WithoutEffects) {
  auto p = make_preset("hifi");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->codec.codec, Codec::flac);
  EXPECT_EQ(p->codec.flac_level, 5);
  EXPECT_FALSE(p->effects.any());
}

TEST(PresetTest, PodcastIsMp3At192WithEqCompressorAndLoudnessAtMinus16) {
  auto p = make_preset("podcast");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->codec.codec, Codec::mp3);
  EXPECT_EQ(p->codec.bitrate_kbps, 192);
  EXPECT_TRUE(p->effects.eq.enabled);
  EXPECT_TRUE(p->effects.eq.highpass);
  EXPECT_TRUE(p->effects.compressor.enabled);
  EXPECT_TRUE(p->effects.loudness.enabled);
  EXPECT_DOUBLE_EQ(p->effects.loudness.params.target_lufs, -16.0);
}

TEST(PresetTest, PlainCodecPresetsHaveNoEffects) {
  for (const char* name : {"opus", "flac", "mp3"}) {
    auto p = make_preset(name);
    ASSERT_TRUE(p) << name;
    EXPECT_FALSE(p->effects.any()) << name;
    EXPECT_EQ(p->name, name);
  }
  EXPECT_EQ(make_preset("opus")->codec.codec, Codec::opus);
  EXPECT_EQ(make_preset("flac")->codec.codec, Codec::flac);
  EXPECT_EQ(make_preset("mp3")->codec.codec, Codec::mp3);
}

TEST(PresetTest, OverridesReplaceThePresetsValues) {
  auto p = make_preset("podcast,bitrate=128,lufs=-18,eq=off,rotate=3600,name=show,complexity=7");
  ASSERT_TRUE(p) << error_sentence(p.error());
  EXPECT_EQ(p->codec.bitrate_kbps, 128);
  EXPECT_DOUBLE_EQ(p->effects.loudness.params.target_lufs, -18.0);
  EXPECT_FALSE(p->effects.eq.enabled);
  EXPECT_TRUE(p->effects.compressor.enabled);
  EXPECT_DOUBLE_EQ(p->sink.rotate_seconds, 3600.0);
  EXPECT_EQ(p->name, "show");
  EXPECT_EQ(p->codec.complexity, 7);
}

TEST(PresetTest, SwitchesTurnStagesOnAndOff) {
  auto mobile = make_preset("mobile, compressor=off , limiter=off");
  ASSERT_TRUE(mobile) << error_sentence(mobile.error());
  EXPECT_FALSE(mobile->effects.any());
  auto hifi = make_preset("hifi,level=8,lufs=-23,limiter=on,eq=on,compressor=on");
  ASSERT_TRUE(hifi) << error_sentence(hifi.error());
  EXPECT_EQ(hifi->codec.flac_level, 8);
  EXPECT_TRUE(hifi->effects.loudness.enabled);
  EXPECT_DOUBLE_EQ(hifi->effects.loudness.params.target_lufs, -23.0);
  EXPECT_TRUE(hifi->effects.limiter.enabled);
  EXPECT_TRUE(hifi->effects.eq.enabled);
  EXPECT_TRUE(hifi->effects.compressor.enabled);
  auto podcast = make_preset("podcast,lufs=off");
  ASSERT_TRUE(podcast);
  EXPECT_FALSE(podcast->effects.loudness.enabled);
}

TEST(PresetTest, EveryPresetBuildsAnEffectChain) {
  for (const std::string& name : preset_names()) {
    auto p = make_preset(name + ",eq=on,compressor=on,limiter=on,lufs=-20");
    ASSERT_TRUE(p) << name;
    auto chain = make_effect_chain(p->effects, PcmFormat{48000, 2});
    EXPECT_TRUE(chain) << name << ": " << error_sentence(chain.error());
  }
}

TEST(PresetTest, UnknownPresetListsTheKnownOnes) {
  EXPECT_EQ(preset_error("mobil"), "unknown preset 'mobil': use mobile, hifi, podcast, opus, flac, mp3");
  EXPECT_EQ(preset_error(""), "unknown preset '': use mobile, hifi, podcast, opus, flac, mp3");
}

TEST(PresetTest, UnknownKeyListsTheKeys) {
  EXPECT_EQ(preset_error("opus,bitrat=96"),
            "unknown key 'bitrat' in 'opus,bitrat=96': use bitrate, level, complexity, compressor, limiter, eq, "
            "lufs, rotate, name");
}

TEST(PresetTest, BadValuesNameTheValueAndTheRange) {
  EXPECT_EQ(preset_error("opus,bitrate=600"), "bitrate 600 kb/s is out of range: must be 6..510 kb/s");
  EXPECT_EQ(preset_error("opus,bitrate=fast"), "bitrate value 'fast' is not a whole number: must be 6..510 kb/s");
  EXPECT_TRUE(contains(preset_error("mp3,bitrate=100"), "bitrate 100 kb/s is not an MP3 CBR rate"));
  EXPECT_TRUE(contains(preset_error("mp3,bitrate=100"), "32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192"));
  EXPECT_EQ(preset_error("flac,level=9"), "level 9 is out of range: must be 0..8");
  EXPECT_EQ(preset_error("opus,complexity=11"), "complexity 11 is out of range: must be 0..10");
  EXPECT_EQ(preset_error("podcast,lufs=-3"), "lufs -3 is out of range: must be -40..-5 LUFS, or off");
  EXPECT_EQ(preset_error("podcast,lufs=loud"), "lufs loud is out of range: must be -40..-5 LUFS, or off");
  EXPECT_EQ(preset_error("mobile,limiter=yes"), "limiter value 'yes' is invalid: use limiter=on or limiter=off");
  EXPECT_TRUE(contains(preset_error("hifi,rotate=5"), "rotate 5 s is out of range: must be 0 (never) or 10..604800"));
  EXPECT_TRUE(contains(preset_error("hifi,name=my output"), "name 'my output' is invalid"));
}

TEST(PresetTest, KeysThatDoNotApplyToTheCodecAreRefused) {
  EXPECT_TRUE(contains(preset_error("hifi,bitrate=320"), "bitrate does not apply to flac"));
  EXPECT_TRUE(contains(preset_error("mobile,level=3"), "level applies to FLAC only"));
  EXPECT_TRUE(contains(preset_error("flac,complexity=3"), "complexity does not apply to flac"));
}

TEST(PresetTest, MalformedSettingsAreRefused) {
  EXPECT_EQ(preset_error("opus,bitrate=96,bitrate=128"),
            "key 'bitrate' is given twice in 'opus,bitrate=96,bitrate=128'");
  EXPECT_TRUE(contains(preset_error("opus,loud"), "setting 'loud' in 'opus,loud' has no value"));
  EXPECT_TRUE(contains(preset_error("opus,"), "setting '' in 'opus,' has no value"));
}

TEST(PresetTest, EncodeSpecSplitsAtTheFirstColon) {
  auto file = parse_encode_spec("podcast,lufs=-18:file:/rec/show-%Y%m%d.mp3");
  ASSERT_TRUE(file) << error_sentence(file.error());
  EXPECT_EQ(file->sink_url, "file:/rec/show-%Y%m%d.mp3");
  EXPECT_EQ(file->output.name, "podcast");
  EXPECT_DOUBLE_EQ(file->output.effects.loudness.params.target_lufs, -18.0);

  auto ice = parse_encode_spec("mobile,name=live:icecast://source:pw@host:8000/live");
  ASSERT_TRUE(ice) << error_sentence(ice.error());
  EXPECT_EQ(ice->sink_url, "icecast://source:pw@host:8000/live");
  EXPECT_EQ(ice->output.name, "live");
}

TEST(PresetTest, EncodeSpecWithoutSinkIsRefused) {
  for (const char* text : {"mobile", "mobile:", "mobile:  "}) {
    auto spec = parse_encode_spec(text);
    ASSERT_FALSE(spec) << text;
    EXPECT_TRUE(contains(error_sentence(spec.error()), "has no sink: use PRESET[,KEY=VALUE...]:SINK_URL")) << text;
  }
  auto bad = parse_encode_spec("mobil:file:/tmp/x.opus");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(error_sentence(bad.error()), "unknown preset 'mobil'"));
}

TEST(PresetTest, DescriptionListsEveryPresetAndKey) {
  const std::string text = describe_presets();
  for (const std::string& name : preset_names()) EXPECT_TRUE(contains(text, "  " + name + " ")) << name;
  for (const char* key :
       {"bitrate=", "level=", "complexity=", "compressor=", "limiter=", "eq=", "lufs=", "rotate=", "name="}) {
    EXPECT_TRUE(contains(text, key)) << key;
  }
  EXPECT_TRUE(contains(text, "loudness -16 LUFS"));
  EXPECT_TRUE(contains(text, "MP3 192 kb/s CBR"));
  EXPECT_TRUE(contains(text, "FLAC level 5"));
}

}  // namespace
}  // namespace crowdmesh::encoder
