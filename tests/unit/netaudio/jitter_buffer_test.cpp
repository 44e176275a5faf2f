#include "netaudio/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "fec_test_helpers.hpp"

namespace crowdmesh::netaudio {
namespace {

using test::Datagram;
using test::TestSender;

constexpr std::uint32_t kFrames = 96;

RtpStreamFormat no_fec() {
  RtpStreamFormat f;
  f.repair_payload_type = -1;
  return f;
}

// Source packets only (FEC off), `n` of kFrames each, and the audio they carry after L24 quantisation.
struct Stream {
  Stream(std::size_t n, std::uint32_t epoch = 1, std::uint32_t first_ts = 0xFFFFF000u)
      : sender(no_fec(), FecConfig{4, 1}, epoch, 65500, first_ts) {
    sender.record_into(&audio);
    for (std::size_t i = 0; i < n; ++i) packets.push_back(sender.send(kFrames).front());
    std::vector<std::uint8_t> bytes(audio.size() * 3);
    encode_pcm(PcmEncoding::l24, audio.data(), audio.size(), bytes.data());
    decode_pcm(PcmEncoding::l24, bytes.data(), audio.size(), audio.data());
  }
  RtpPacket packet(std::size_t i) const {
    const auto r = parse_rtp(packets[i].data(), packets[i].size(), no_fec());
    EXPECT_TRUE(r.ok());
    return r.packet;
  }
  TestSender sender;
  std::vector<float> audio;
  std::vector<Datagram> packets;
};

JitterBufferConfig config() {
  JitterBufferConfig c;
  c.format = no_fec();
  c.capacity_frames = 4096;
  c.conceal_period_frames = kFrames;
  return c;
}

std::vector<float> read_all(JitterBuffer& jb, std::size_t frames, std::vector<std::uint8_t>* flags = nullptr) {
  std::vector<float> out(frames * 2);
  std::vector<std::uint8_t> f(frames);
  for (std::size_t done = 0; done < frames; done += kFrames) {
    const auto r = jb.read(out.data() + done * 2, kFrames, f.data() + done);
    EXPECT_TRUE(r.started);
  }
  if (flags) *flags = f;
  return out;
}

TEST(JitterBufferTest, InOrderPacketsReadBackBitExact) {
  Stream s(20);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(jb.push(s.packet(i)), PushResult::accepted);
  EXPECT_EQ(jb.buffered_frames(), 20 * kFrames);
  EXPECT_EQ(read_all(jb, 20 * kFrames), s.audio);
  EXPECT_EQ(jb.stats().concealed_frames, 0u);
  EXPECT_EQ(jb.stats().read_frames, 20u * kFrames);
  EXPECT_EQ(jb.buffered_frames(), 0u);
}

TEST(JitterBufferTest, ShuffledPacketsAcrossTheTimestampWrapReadBackInOrder) {
  Stream s(40, 1, 0xFFFFFFFFu - 10 * kFrames);  // the RTP timestamp wraps at packet 11
  JitterBuffer jb(config());
  EXPECT_EQ(jb.push(s.packet(0)), PushResult::accepted);  // the first packet sets the read position
  std::vector<std::size_t> order;
  for (std::size_t i = 1; i < 40; ++i) order.push_back(i);
  std::mt19937 rng(9);
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t i : order) EXPECT_EQ(jb.push(s.packet(i)), PushResult::accepted);
  EXPECT_EQ(read_all(jb, 40 * kFrames), s.audio);
  EXPECT_EQ(jb.stats().concealed_frames, 0u);
}

TEST(JitterBufferTest, DuplicatesAreCountedAndDropped) {
  Stream s(4);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(jb.push(s.packet(i)), PushResult::accepted);
    EXPECT_EQ(jb.push(s.packet(i)), PushResult::duplicate);
  }
  EXPECT_EQ(jb.push(s.packet(2)), PushResult::duplicate);
  EXPECT_EQ(jb.stats().duplicate_packets, 5u);
  EXPECT_EQ(jb.stats().accepted_packets, 4u);
  EXPECT_EQ(read_all(jb, 4 * kFrames), s.audio);
}

TEST(JitterBufferTest, LatePacketsAreCountedAndDropped) {
  Stream s(6);
  JitterBuffer jb(config());
  ASSERT_EQ(jb.push(s.packet(0)), PushResult::accepted);
  ASSERT_EQ(jb.push(s.packet(3)), PushResult::accepted);
  std::vector<float> out(3 * kFrames * 2);
  jb.read(out.data(), 3 * kFrames);  // 1 and 2 missing: concealed
  EXPECT_EQ(jb.stats().concealed_frames, 2u * kFrames);
  EXPECT_EQ(jb.push(s.packet(1)), PushResult::late);
  EXPECT_EQ(jb.push(s.packet(2)), PushResult::late);
  EXPECT_EQ(jb.stats().late_packets, 2u);
  ASSERT_EQ(jb.push(s.packet(4)), PushResult::accepted);
  std::vector<std::uint8_t> flags(kFrames);
  const auto r = jb.read(out.data(), kFrames, flags.data());
  EXPECT_EQ(r.missing, 0u);
  const std::size_t fade = kFrames / 4;  // the concealer's cross-fade back into audio
  EXPECT_TRUE(
      std::equal(out.begin() + fade * 2, out.begin() + kFrames * 2, s.audio.begin() + (3 * kFrames + fade) * 2));
}

TEST(JitterBufferTest, MissingFramesAreFlaggedConcealedAndCounted) {
  Stream s(10);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 10; ++i)
    if (i != 4 && i != 6 && i != 7) jb.push(s.packet(i));
  std::vector<std::uint8_t> flags;
  const auto out = read_all(jb, 10 * kFrames, &flags);
  for (std::size_t f = 0; f < 10 * kFrames; ++f) {
    const std::size_t packet = f / kFrames;
    const bool lost = packet == 4 || packet == 6 || packet == 7;
    ASSERT_EQ(flags[f], lost ? 1 : 0) << "frame " << f;
  }
  EXPECT_EQ(jb.stats().concealed_frames, 3u * kFrames);
  // The lost packets are not silence (the last period repeats, fading) and
  // not the original either; the good packet after them is cross-faded in.
  float energy = 0.0f;
  for (std::size_t i = 4 * kFrames * 2; i < 5 * kFrames * 2; ++i) energy += out[i] * out[i];
  EXPECT_GT(energy, 0.1f);
  EXPECT_FALSE(
      std::equal(out.begin() + 4 * kFrames * 2, out.begin() + 5 * kFrames * 2, s.audio.begin() + 4 * kFrames * 2));
  // Frames well after the last loss are the original again.
  EXPECT_TRUE(std::equal(out.begin() + 9 * kFrames * 2, out.end(), s.audio.begin() + 9 * kFrames * 2));
}

TEST(JitterBufferTest, ReadBeforeTheFirstPacketIsSilenceAndNotCounted) {
  JitterBuffer jb(config());
  std::vector<float> out(kFrames * 2, 1.0f);
  const auto r = jb.read(out.data(), kFrames);
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.pts_ns, -1);
  EXPECT_EQ(std::count(out.begin(), out.end(), 0.0f), static_cast<long>(out.size()));
  EXPECT_EQ(jb.stats().concealed_frames, 0u);
}

TEST(JitterBufferTest, ReadReportsPositionAndPtsOfItsFirstFrame) {
  Stream s(5);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 5; ++i) jb.push(s.packet(i));
  std::vector<float> out(kFrames * 2);
  const auto first = jb.read(out.data(), 10);
  EXPECT_EQ(first.position, (std::uint64_t{1} << 32) + 0xFFFFF000u);
  EXPECT_EQ(first.pts_ns, static_cast<std::int64_t>(s.sender.pts_of(0)));
  const auto second = jb.read(out.data(), 20);
  EXPECT_EQ(second.position, first.position + 10);
  EXPECT_EQ(second.pts_ns, static_cast<std::int64_t>(s.sender.pts_of(10)));
}

TEST(JitterBufferTest, WrongSsrcAndOlderEpochAreDroppedANewerEpochRestarts) {
  Stream a(4, 5);
  Stream older(4, 4);
  Stream newer(4, 6, 1000);
  JitterBuffer jb(config());
  ASSERT_EQ(jb.push(a.packet(0)), PushResult::accepted);
  RtpPacket foreign = a.packet(1);
  foreign.header.ssrc ^= 1;
  EXPECT_EQ(jb.push(foreign), PushResult::wrong_ssrc);
  EXPECT_EQ(jb.push(older.packet(1)), PushResult::stale_epoch);
  EXPECT_EQ(jb.stats().wrong_ssrc_packets, 1u);
  EXPECT_EQ(jb.stats().stale_epoch_packets, 1u);
  ASSERT_EQ(jb.push(a.packet(1)), PushResult::accepted);
  // The sender restarts (epoch 6, timestamps from 1000): the buffer starts again there.
  for (std::size_t i = 0; i < 4; ++i) ASSERT_EQ(jb.push(newer.packet(i)), PushResult::accepted);
  EXPECT_EQ(jb.stats().epoch_resets, 1u);
  EXPECT_EQ(jb.epoch(), 6u);
  EXPECT_EQ(jb.push(a.packet(2)), PushResult::stale_epoch);
  EXPECT_EQ(read_all(jb, 4 * kFrames), newer.audio);
}

TEST(JitterBufferTest, PinnedSsrcRefusesEveryOther) {
  Stream s(2);
  JitterBufferConfig c = config();
  c.pin_ssrc = true;
  c.ssrc = 1234;
  JitterBuffer jb(c);
  EXPECT_EQ(jb.push(s.packet(0)), PushResult::wrong_ssrc);
  RtpPacket mine = s.packet(1);
  mine.header.ssrc = 1234;
  EXPECT_EQ(jb.push(mine), PushResult::accepted);
}

TEST(JitterBufferTest, PacketsOutOfReachAreDroppedUntilTheStreamStaysThere) {
  JitterBufferConfig c = config();
  c.resync_after = 3;
  JitterBuffer jb(c);
  Stream s(1);
  ASSERT_EQ(jb.push(s.packet(0)), PushResult::accepted);
  // The same stream 100000 frames later: beyond the 4096-frame capacity.
  Stream far(4, 1, 0xFFFFF000u + 100000);
  EXPECT_EQ(jb.push(far.packet(0)), PushResult::too_far);
  EXPECT_EQ(jb.push(far.packet(1)), PushResult::too_far);
  EXPECT_EQ(jb.stats().too_far_packets, 2u);
  EXPECT_EQ(jb.stats().resyncs, 0u);
  EXPECT_EQ(jb.push(far.packet(2)), PushResult::accepted) << "the third in a row moves the read position";
  EXPECT_EQ(jb.stats().resyncs, 1u);
  EXPECT_EQ(jb.push(far.packet(3)), PushResult::accepted);
  std::vector<float> out(2 * kFrames * 2);
  const auto r = jb.read(out.data(), 2 * kFrames);
  EXPECT_EQ(r.missing, 0u);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), far.audio.begin() + 2 * kFrames * 2));
  // A packet that far in the past (a stray) is out of reach too, not merely late.
  EXPECT_EQ(jb.push(s.packet(0)), PushResult::too_far);
}

TEST(JitterBufferTest, RepairPacketsAreNotAudio) {
  RtpPacket p;
  p.kind = PacketKind::repair;
  JitterBuffer jb(config());
  EXPECT_EQ(jb.push(p), PushResult::not_audio);
}

}  // namespace
}  // namespace crowdmesh::netaudio
