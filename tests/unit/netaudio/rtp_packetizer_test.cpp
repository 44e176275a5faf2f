#include "netaudio/rtp_packetizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace crowdmesh::netaudio {
namespace {

std::vector<float> ramp(std::size_t n, float scale) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.01f * static_cast<float>(i) + 0.3f);
  return v;
}

class RtpPacketizerFormatTest : public ::testing::TestWithParam<std::pair<PcmEncoding, std::uint32_t>> {};

TEST_P(RtpPacketizerFormatTest, PacketsRoundTripThroughParseAndDecode) {
  RtpPacketizerConfig cfg;
  cfg.format.encoding = GetParam().first;
  cfg.format.channels = GetParam().second;
  cfg.format.payload_type = 100;
  cfg.ssrc = 0xCAFEF00D;
  cfg.epoch = 3;
  cfg.first_sequence = 0xFFFF;
  cfg.first_timestamp = 0xFFFFFFF0u;
  RtpPacketizer packetizer(cfg);
  const std::uint32_t frames = 48;
  const std::uint32_t ch = cfg.format.channels;
  const auto audio = ramp(3 * frames * ch, 0.9f);
  std::vector<std::uint8_t> buf(kMaxRtpPacketBytes);
  for (std::uint32_t k = 0; k < 3; ++k) {
    const std::uint64_t pts = 1'000'000'000ull + k * 1'000'000ull;
    const std::size_t n = packetizer.write(audio.data() + k * frames * ch, frames, pts, buf.data(), buf.size());
    ASSERT_EQ(n, kRtpHeaderBytes + frames * cfg.format.frame_bytes());
    const auto r = parse_rtp(buf.data(), n, cfg.format);
    ASSERT_TRUE(r.ok()) << to_string(r.error);
    EXPECT_EQ(r.packet.header.marker, k == 0);
    EXPECT_EQ(r.packet.header.payload_type, 100);
    EXPECT_EQ(r.packet.header.sequence, static_cast<std::uint16_t>(0xFFFF + k));
    EXPECT_EQ(r.packet.header.timestamp, 0xFFFFFFF0u + k * frames);
    EXPECT_EQ(r.packet.header.ssrc, 0xCAFEF00Du);
    EXPECT_EQ(r.packet.header.epoch, 3u);
    EXPECT_EQ(r.packet.header.pts_ns, pts);
    ASSERT_EQ(r.packet.frames, frames);
    std::vector<float> back(frames * ch);
    decode_pcm(cfg.format.encoding, r.packet.payload, back.size(), back.data());
    const float step = cfg.format.encoding == PcmEncoding::l16 ? 1.0f / 32768.0f : 1.0f / 8388608.0f;
    for (std::size_t i = 0; i < back.size(); ++i)
      ASSERT_NEAR(back[i], audio[k * frames * ch + i], 0.5f * step + 1e-9f) << "sample " << i;
  }
  EXPECT_EQ(packetizer.packets(), 3u);
  EXPECT_EQ(packetizer.clipped_samples(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Formats, RtpPacketizerFormatTest,
                         ::testing::Values(std::make_pair(PcmEncoding::l16, 1u), std::make_pair(PcmEncoding::l16, 2u),
                                           std::make_pair(PcmEncoding::l24, 1u), std::make_pair(PcmEncoding::l24, 2u),
                                           std::make_pair(PcmEncoding::l24, 8u)));

TEST(RtpPacketizerTest, RefusesEmptyAndOversizePacketsWithoutCounting) {
  RtpPacketizerConfig cfg;
  RtpPacketizer packetizer(cfg);
  const std::uint32_t max = packetizer.max_frames_per_packet();
  EXPECT_EQ(max, (kMaxRtpPacketBytes - kRtpHeaderBytes) / 6);
  EXPECT_EQ(packetizer.max_frames_per_packet(100), (kMaxRtpPacketBytes - kRtpHeaderBytes - 100) / 6);
  std::vector<float> audio(2 * (max + 1), 2.0f);
  std::vector<std::uint8_t> buf(2 * kMaxRtpPacketBytes);
  EXPECT_EQ(packetizer.write(audio.data(), 0, 0, buf.data(), buf.size()), 0u);
  EXPECT_EQ(packetizer.write(audio.data(), max + 1, 0, buf.data(), buf.size()), 0u);
  EXPECT_EQ(packetizer.write(audio.data(), 4, 0, buf.data(), kRtpHeaderBytes + 23), 0u);
  EXPECT_EQ(packetizer.packets(), 0u);
  EXPECT_EQ(packetizer.next_header().sequence, 0);
  EXPECT_EQ(packetizer.write(audio.data(), max, 0, buf.data(), buf.size()), kRtpHeaderBytes + 6 * max);
  EXPECT_EQ(packetizer.clipped_samples(), 2u * max);
}

}  // namespace
}  // namespace crowdmesh::netaudio
