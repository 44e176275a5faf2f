#include "netaudio/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace crowdmesh::netaudio {
namespace {

RtpStreamFormat stereo_l24() { return RtpStreamFormat{}; }

RtpHeader sample_header() {
  RtpHeader h;
  h.marker = true;
  h.payload_type = 96;
  h.sequence = 0xFFFE;
  h.timestamp = 0x89ABCDEF;
  h.ssrc = 0x01020304;
  h.epoch = 0xA0B0C0D0;
  h.pts_ns = 0x0123456789ABCDEFull;
  return h;
}

std::vector<std::uint8_t> packet(const RtpHeader& h, std::size_t payload_bytes) {
  std::vector<std::uint8_t> payload(payload_bytes);
  for (std::size_t i = 0; i < payload_bytes; ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + 1);
  std::vector<std::uint8_t> out(kMaxRtpPacketBytes);
  out.resize(write_rtp(h, payload.data(), payload.size(), out.data(), out.size()));
  return out;
}

RtpError parse_error(const std::vector<std::uint8_t>& b, const RtpStreamFormat& f = stereo_l24()) {
  return parse_rtp(b.data(), b.size(), f).error;
}

TEST(RtpPacketTest, HeaderAndExtensionRoundTrip) {
  const RtpHeader h = sample_header();
  const auto b = packet(h, 6 * 10);
  ASSERT_EQ(b.size(), kRtpHeaderBytes + 60);
  EXPECT_EQ(b[0], 0x90) << "V=2, P=0, X=1, CC=0";
  EXPECT_EQ(b[1], 0x80 | 96);
  EXPECT_EQ(b[12], 0xBE);
  EXPECT_EQ(b[13], 0xDE);
  const auto r = parse_rtp(b.data(), b.size(), stereo_l24());
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  const RtpPacket& p = r.packet;
  EXPECT_EQ(p.kind, PacketKind::source);
  EXPECT_TRUE(p.header.marker);
  EXPECT_EQ(p.header.payload_type, 96);
  EXPECT_EQ(p.header.sequence, 0xFFFE);
  EXPECT_EQ(p.header.timestamp, 0x89ABCDEFu);
  EXPECT_EQ(p.header.ssrc, 0x01020304u);
  EXPECT_EQ(p.header.epoch, 0xA0B0C0D0u);
  EXPECT_EQ(p.header.pts_ns, 0x0123456789ABCDEFull);
  EXPECT_EQ(p.frames, 10u);
  ASSERT_EQ(p.payload_bytes, 60u);
  EXPECT_EQ(p.payload, b.data() + kRtpHeaderBytes);
  EXPECT_EQ(p.payload[59], static_cast<std::uint8_t>(59 * 7 + 1));
}

TEST(RtpPacketTest, RepairPayloadTypeIsRecognised) {
  RtpHeader h = sample_header();
  h.payload_type = 97;
  const auto b = packet(h, 5);  // repair payloads are not frames
  const auto r = parse_rtp(b.data(), b.size(), stereo_l24());
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(r.packet.kind, PacketKind::repair);
  EXPECT_EQ(r.packet.frames, 0u);
  RtpStreamFormat no_fec;
  no_fec.repair_payload_type = -1;
  EXPECT_EQ(parse_error(b, no_fec), RtpError::unknown_payload_type);
}

TEST(RtpPacketTest, CsrcListPaddingAndForeignElementsAreSkipped) {
  // Hand-made: CC=2, P=1, one-byte extension with padding bytes and an unknown element 5.
  std::vector<std::uint8_t> b = {0xB2, 96,   0x00, 0x07, 0, 0, 0x10, 0,    0,    0, 0, 42,  // V=2 P X CC=2
                                 1,    2,    3,    4,    5, 6, 7,    8,                     // two CSRCs
                                 0xBE, 0xDE, 0x00, 0x05,                                    // 5 words
                                 0x00, 0x51, 0xAA, 0xBB,                                    // pad, ID 5 len 2
                                 0x13, 0,    0,    0,    9,                                 // epoch 9
                                 0x27, 0,    0,    0,    0, 0, 0,    0x10, 0x00,            // pts 4096
                                 0x00, 0x00};                                               // word padding
  ASSERT_EQ((b.size() - 12 - 8) % 4, 0u);
  for (int i = 0; i < 12; ++i) b.push_back(static_cast<std::uint8_t>(i));  // two stereo L24 frames
  b.insert(b.end(), {0, 0, 3});                                            // 3 bytes of padding
  const auto r = parse_rtp(b.data(), b.size(), stereo_l24());
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(r.packet.header.sequence, 7);
  EXPECT_EQ(r.packet.header.ssrc, 42u);
  EXPECT_EQ(r.packet.header.epoch, 9u);
  EXPECT_EQ(r.packet.header.pts_ns, 4096u);
  EXPECT_EQ(r.packet.frames, 2u);
  EXPECT_EQ(r.packet.payload[11], 11);
}

TEST(RtpPacketTest, TwoByteExtensionProfileIsSkippedAndLacksTheEpoch) {
  std::vector<std::uint8_t> b = {0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x01, 1, 4, 0, 0};
  for (int i = 0; i < 6; ++i) b.push_back(0);
  EXPECT_EQ(parse_error(b), RtpError::missing_extension);
}

TEST(RtpPacketTest, EveryParseErrorIsReported) {
  const auto good = packet(sample_header(), 60);
  ASSERT_EQ(parse_error(good), RtpError::none);

  EXPECT_EQ(parse_error({}), RtpError::truncated);
  EXPECT_EQ(parse_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 11)), RtpError::truncated);
  EXPECT_EQ(parse_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 20)), RtpError::truncated)
      << "extension block longer than the datagram";
  auto csrc = good;
  csrc[0] = 0x9F;  // 15 CSRCs = 60 bytes, only 20 + 60 - 12 left... the extension then runs out
  csrc.resize(12 + 4 * 10);
  EXPECT_EQ(parse_error(csrc), RtpError::truncated);

  EXPECT_EQ(parse_error(std::vector<std::uint8_t>(kMaxRtpPacketBytes + 1, 0x80)), RtpError::oversize);

  auto v1 = good;
  v1[0] = (v1[0] & 0x3F) | 0x40;
  EXPECT_EQ(parse_error(v1), RtpError::bad_version);

  auto pad0 = good;
  pad0[0] |= 0x20;
  pad0.back() = 0;
  EXPECT_EQ(parse_error(pad0), RtpError::bad_padding);
  auto pad_big = good;
  pad_big[0] |= 0x20;
  pad_big.back() = 255;  // more than the packet after its fixed header
  pad_big.resize(12 + 100);
  pad_big.back() = 101;
  EXPECT_EQ(parse_error(pad_big), RtpError::bad_padding);

  auto ext_len = good;
  ext_len[kRtpFixedHeaderBytes + 4] = static_cast<std::uint8_t>(kEpochExtensionId << 4 | 15);  // 16 bytes > block
  EXPECT_EQ(parse_error(ext_len), RtpError::bad_extension);
  auto tail = good;
  tail[kRtpFixedHeaderBytes + 18] = 0x5F;  // an unknown element of 16 bytes in the block's last 2 bytes
  EXPECT_EQ(parse_error(tail), RtpError::bad_extension);
  auto epoch_size = good;
  epoch_size[kRtpFixedHeaderBytes + 4] = static_cast<std::uint8_t>(kEpochExtensionId << 4 | 2);  // 3-byte epoch
  EXPECT_EQ(parse_error(epoch_size), RtpError::bad_extension);

  auto no_ext = good;
  no_ext[0] &= ~0x10;  // the extension block is now read as payload: 80 bytes, not whole frames, no epoch
  EXPECT_EQ(parse_error(no_ext), RtpError::missing_extension);
  auto no_pts = good;
  no_pts[kRtpFixedHeaderBytes + 9] = 0xF7;  // ID 15 stops the block before the PTS element
  EXPECT_EQ(parse_error(no_pts), RtpError::missing_extension);

  auto pt = good;
  pt[1] = 0x80 | 98;
  EXPECT_EQ(parse_error(pt), RtpError::unknown_payload_type);

  EXPECT_EQ(parse_error(packet(sample_header(), 0)), RtpError::empty_payload);
  EXPECT_EQ(parse_error(packet(sample_header(), 61)), RtpError::partial_frame);
  RtpStreamFormat mono16;
  mono16.encoding = PcmEncoding::l16;
  mono16.channels = 1;
  EXPECT_EQ(parse_error(packet(sample_header(), 61), mono16), RtpError::partial_frame);
  EXPECT_EQ(parse_error(packet(sample_header(), 62), mono16), RtpError::none);
}

TEST(RtpPacketTest, EveryErrorHasAName) {
  for (int e = 0; e <= static_cast<int>(RtpError::partial_frame); ++e)
    EXPECT_STRNE(to_string(static_cast<RtpError>(e)), "unknown") << e;
}

TEST(RtpPacketTest, TruncatedAndMangledDatagramsNeverReadOutOfBounds) {
  // Every prefix of a valid packet and random byte flips: each parse stays
  // inside its exact-size heap copy (ASan builds check) and a payload it
  // returns lies inside the datagram.
  const auto good = packet(sample_header(), 60);
  std::mt19937 rng(7);
  for (std::size_t n = 0; n <= good.size(); ++n) {
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<std::uint8_t> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      if (trial > 0 && n > 0)
        for (int k = 0; k < 3; ++k) b[rng() % n] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      const auto r = parse_rtp(b.data(), b.size(), stereo_l24());
      if (trial == 0 && (n <= kRtpHeaderBytes || (n - kRtpHeaderBytes) % 6 != 0)) {
        EXPECT_FALSE(r.ok()) << n;
      }
      if (r.ok()) {
        EXPECT_GE(r.packet.payload, b.data());
        EXPECT_LE(r.packet.payload + r.packet.payload_bytes, b.data() + b.size());
      }
    }
  }
}

TEST(RtpPacketTest, WriteRefusesWhatDoesNotFit) {
  std::vector<std::uint8_t> payload(kMaxRtpPacketBytes);
  std::vector<std::uint8_t> out(2 * kMaxRtpPacketBytes);
  const RtpHeader h = sample_header();
  EXPECT_EQ(write_rtp(h, payload.data(), kMaxRtpPacketBytes - kRtpHeaderBytes, out.data(), out.size()),
            kMaxRtpPacketBytes);
  EXPECT_EQ(write_rtp(h, payload.data(), kMaxRtpPacketBytes - kRtpHeaderBytes + 1, out.data(), out.size()), 0u);
  EXPECT_EQ(write_rtp(h, payload.data(), 10, out.data(), kRtpHeaderBytes + 9), 0u);
  EXPECT_EQ(write_rtp_header(h, out.data(), kRtpHeaderBytes - 1), 0u);
}

}  // namespace
}  // namespace crowdmesh::netaudio
