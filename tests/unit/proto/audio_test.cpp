#include "crowdmesh/v1/audio.pb.h"
#include "crowdmesh/v1/envelope.pb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace crowdmesh::v1 {
namespace {

constexpr uint32_t kFrames = 256;
constexpr uint32_t kChannels = 2;
constexpr uint32_t kRateHz = 48000;

// Interleaved stereo float test signal, with values that stress exactness
// (denormal, negative zero, extremes).
std::vector<float> make_interleaved() {
  std::vector<float> samples(kFrames * kChannels);
  for (uint32_t f = 0; f < kFrames; ++f) {
    samples[f * kChannels + 0] = std::sin(2.0f * 3.14159265f * 440.0f * f / kRateHz);
    samples[f * kChannels + 1] = -0.5f * std::cos(2.0f * 3.14159265f * 1000.0f * f / kRateHz);
  }
  samples[0] = -0.0f;
  samples[1] = 1e-40f;  // denormal
  samples[2] = 1.0f;
  samples[3] = -1.0f;
  return samples;
}

// F32LE payload; the test hosts (x86_64, arm64) are little endian.
std::string to_f32le(const std::vector<float>& samples) {
  static_assert(sizeof(float) == 4);
  std::string bytes(samples.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), samples.data(), bytes.size());
  return bytes;
}

TEST(AudioChunkTest, StereoFloatPayloadRoundTripsBitExact) {
  const std::vector<float> samples = make_interleaved();
  Envelope env;
  env.set_protocol_version(1);
  env.set_source("room1/mixer");
  env.set_target("*/encoder");
  AudioChunk* chunk = env.mutable_audio_chunk();
  chunk->set_stream_id("room1/master");
  chunk->set_sequence(99);
  chunk->set_pts_ns(5'000'000'000LL);
  chunk->set_first_frame(99ull * kFrames);
  chunk->set_sample_rate_hz(kRateHz);
  chunk->set_channels(kChannels);
  chunk->set_frames(kFrames);
  chunk->set_format(SAMPLE_FORMAT_F32LE);
  chunk->set_payload(to_f32le(samples));

  Envelope got_env;
  ASSERT_TRUE(got_env.ParseFromString(env.SerializeAsString()));
  ASSERT_EQ(got_env.payload_case(), Envelope::kAudioChunk);
  const AudioChunk& got = got_env.audio_chunk();
  EXPECT_EQ(got.stream_id(), "room1/master");
  EXPECT_EQ(got.sequence(), 99u);
  EXPECT_EQ(got.pts_ns(), 5'000'000'000LL);
  EXPECT_EQ(got.first_frame(), 99ull * kFrames);
  EXPECT_EQ(got.sample_rate_hz(), kRateHz);
  EXPECT_EQ(got.channels(), kChannels);
  EXPECT_EQ(got.frames(), kFrames);
  EXPECT_EQ(got.format(), SAMPLE_FORMAT_F32LE);
  ASSERT_EQ(got.payload().size(), size_t{kFrames} * kChannels * sizeof(float));
  EXPECT_EQ(got.payload(), chunk->payload());

  std::vector<float> decoded(kFrames * kChannels);
  std::memcpy(decoded.data(), got.payload().data(), got.payload().size());
  EXPECT_EQ(std::memcmp(decoded.data(), samples.data(), got.payload().size()), 0);
  EXPECT_TRUE(std::signbit(decoded[0]));
}

TEST(AudioChunkTest, TypicalChunkIsFarBelowTheDefaultSizeLimit) {
  AudioChunk chunk;
  chunk.set_stream_id("room1/master");
  chunk.set_frames(kFrames);
  chunk.set_channels(kChannels);
  chunk.set_format(SAMPLE_FORMAT_F32LE);
  chunk.set_payload(to_f32le(make_interleaved()));
  Envelope env;
  *env.mutable_audio_chunk() = chunk;
  constexpr size_t kDefaultMaxMessageBytes = 1u << 20;  // docs/PROTOCOL.md
  EXPECT_LT(env.ByteSizeLong(), kDefaultMaxMessageBytes / 100);
}

}  // namespace
}  // namespace crowdmesh::v1
