#include "netaudio/pcm_codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace crowdmesh::netaudio {
namespace {

TEST(PcmCodecTest, L16IsBigEndianSigned) {
  const float in[] = {0.5f, -1.0f, 1.0f / 32768.0f};
  std::uint8_t out[6];
  EXPECT_EQ(encode_pcm(PcmEncoding::l16, in, 3, out), 0u);
  const std::uint8_t expected[] = {0x40, 0x00, 0x80, 0x00, 0x00, 0x01};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], expected[i]) << "byte " << i;
}

TEST(PcmCodecTest, L24IsBigEndianSigned) {
  const float in[] = {0.5f, -1.0f, -1.0f / 8388608.0f};
  std::uint8_t out[9];
  EXPECT_EQ(encode_pcm(PcmEncoding::l24, in, 3, out), 0u);
  const std::uint8_t expected[] = {0x40, 0x00, 0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF, 0xFF};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(out[i], expected[i]) << "byte " << i;
}

TEST(PcmCodecTest, EveryL16CodeRoundTripsExactly) {
  std::vector<std::uint8_t> bytes(65536 * 2);
  for (int v = 0; v < 65536; ++v) {
    bytes[2 * v] = static_cast<std::uint8_t>(v >> 8);
    bytes[2 * v + 1] = static_cast<std::uint8_t>(v);
  }
  std::vector<float> f(65536);
  decode_pcm(PcmEncoding::l16, bytes.data(), f.size(), f.data());
  std::vector<std::uint8_t> again(bytes.size());
  EXPECT_EQ(encode_pcm(PcmEncoding::l16, f.data(), f.size(), again.data()), 0u);
  EXPECT_EQ(again, bytes);
}

TEST(PcmCodecTest, L24RoundTripsExactlyAcrossItsRange) {
  std::vector<std::uint8_t> bytes;
  for (std::uint32_t v = 0; v < (1u << 24); v += 251) {  // a prime stride over every byte pattern
    bytes.push_back(static_cast<std::uint8_t>(v >> 16));
    bytes.push_back(static_cast<std::uint8_t>(v >> 8));
    bytes.push_back(static_cast<std::uint8_t>(v));
  }
  for (std::uint32_t v : {0x7FFFFFu, 0x800000u, 0xFFFFFFu, 0u}) {
    bytes.push_back(static_cast<std::uint8_t>(v >> 16));
    bytes.push_back(static_cast<std::uint8_t>(v >> 8));
    bytes.push_back(static_cast<std::uint8_t>(v));
  }
  const std::size_t n = bytes.size() / 3;
  std::vector<float> f(n);
  decode_pcm(PcmEncoding::l24, bytes.data(), n, f.data());
  EXPECT_EQ(f[n - 4], 8388607.0f / 8388608.0f);
  EXPECT_EQ(f[n - 3], -1.0f);
  std::vector<std::uint8_t> again(bytes.size());
  EXPECT_EQ(encode_pcm(PcmEncoding::l24, f.data(), n, again.data()), 0u);
  EXPECT_EQ(again, bytes);
}

TEST(PcmCodecTest, OutOfRangeSamplesClipAndAreCounted) {
  const float in[] = {1.0f, 2.5f, -1.5f, std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::quiet_NaN()};
  for (auto e : {PcmEncoding::l16, PcmEncoding::l24}) {
    std::uint8_t out[15];
    EXPECT_EQ(encode_pcm(e, in, 5, out), 4u) << encoding_name(e);  // 1.0 itself is one step above the top code
    float back[5];
    decode_pcm(e, out, 5, back);
    const float top = e == PcmEncoding::l16 ? 32767.0f / 32768.0f : 8388607.0f / 8388608.0f;
    EXPECT_EQ(back[0], top);
    EXPECT_EQ(back[1], top);
    EXPECT_EQ(back[2], -1.0f);
    EXPECT_EQ(back[3], top);
    EXPECT_EQ(back[4], 0.0f) << "NaN is written as 0";
  }
}

}  // namespace
}  // namespace crowdmesh::netaudio
