// JitterBuffer::read_at(): reading a stream by PTS (mesh time at the DAC).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "fec_test_helpers.hpp"
#include "netaudio/jitter_buffer.hpp"

namespace crowdmesh::netaudio {
namespace {

constexpr std::uint32_t kFrames = 96;       // frames per packet: 2 ms at 48 kHz
constexpr std::int64_t kPacketNs = 2'000'000;

RtpStreamFormat no_fec() {
  RtpStreamFormat f;
  f.repair_payload_type = -1;
  return f;
}

// Source packets only, `n` of kFrames each, and the audio they carry after L24 quantisation.
// Packet i carries PTS first_pts + i × 2 ms (the sender's PTS of its first frame).
struct Stream {
  Stream(std::size_t n, std::int64_t first_pts, std::uint32_t epoch = 1, std::uint32_t first_ts = 0xFFFFF000u)
      : sender(no_fec(), FecConfig{4, 1}, epoch, 65500, first_ts), first_pts(first_pts) {
    sender.record_into(&audio);
    for (std::size_t i = 0; i < n; ++i) packets.push_back(sender.send(kFrames).front());
    std::vector<std::uint8_t> bytes(audio.size() * 3);
    encode_pcm(PcmEncoding::l24, audio.data(), audio.size(), bytes.data());
    decode_pcm(PcmEncoding::l24, bytes.data(), audio.size(), audio.data());
  }
  RtpPacket packet(std::size_t i, std::int64_t pts_shift = 0) const {
    const auto r = parse_rtp(packets[i].data(), packets[i].size(), no_fec());
    EXPECT_TRUE(r.ok());
    RtpPacket p = r.packet;
    p.header.pts_ns = static_cast<std::uint64_t>(pts(i * kFrames) + pts_shift);
    return p;
  }
  // PTS of stream frame f (on the 48 kHz grid from first_pts).
  std::int64_t pts(std::size_t f) const {
    return first_pts + static_cast<std::int64_t>((f * 1'000'000'000ull * 2 + 48000) / (2 * 48000));
  }
  // Interleaved audio of stream frames [f, f + n).
  std::vector<float> frames(std::size_t f, std::size_t n) const {
    return {audio.begin() + static_cast<std::ptrdiff_t>(f * 2), audio.begin() + static_cast<std::ptrdiff_t>((f + n) * 2)};
  }
  test::TestSender sender;
  std::int64_t first_pts;
  std::vector<float> audio;
  std::vector<test::Datagram> packets;
};

JitterBufferConfig config() {
  JitterBufferConfig c;
  c.format = no_fec();
  c.capacity_frames = 4096;
  c.conceal_period_frames = kFrames;
  return c;
}

struct Read {
  std::vector<float> out;
  std::vector<std::uint8_t> flags;
  JitterBufferRead r;
};
Read read_at(JitterBuffer& jb, std::uint32_t frames, std::int64_t pts) {
  Read x{std::vector<float>(frames * 2, 7.0f), std::vector<std::uint8_t>(frames, 9), {}};
  x.r = jb.read_at(x.out.data(), frames, pts, x.flags.data());
  return x;
}

constexpr std::int64_t kT0 = 7'000'000'000;

TEST(JitterBufferReadAtTest, AlignedReadsConsumeExactlyTheFramesOfTheirPts) {
  Stream s(20, kT0);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 20; ++i) ASSERT_EQ(jb.push(s.packet(i)), PushResult::accepted);
  // Blocks of 37 frames (not a packet multiple) at the grid PTS of their first frame.
  std::vector<float> got;
  for (std::size_t f = 0; f + 37 <= 20 * kFrames; f += 37) {
    const Read x = read_at(jb, 37, s.pts(f));
    ASSERT_TRUE(x.r.started);
    EXPECT_EQ(x.r.missing, 0u);
    EXPECT_FALSE(x.r.realigned);
    EXPECT_EQ(x.r.pts_ns, s.pts(f));
    got.insert(got.end(), x.out.begin(), x.out.end());
  }
  EXPECT_EQ(got, s.frames(0, got.size() / 2));
  EXPECT_EQ(jb.stats().realigns, 0u);
  EXPECT_EQ(jb.stats().concealed_frames, 0u);
  EXPECT_EQ(jb.stats().silent_frames, 0u);
}

TEST(JitterBufferReadAtTest, ReadingStartsAtThePtsAskedFor) {
  Stream s(20, kT0);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 20; ++i) jb.push(s.packet(i));
  const Read x = read_at(jb, 200, s.pts(500));
  EXPECT_EQ(x.out, s.frames(500, 200));
  EXPECT_EQ(x.r.pts_ns, s.pts(500));
  EXPECT_EQ(jb.stats().realigns, 0u) << "the first read is not a realign";
  EXPECT_EQ(read_at(jb, 100, s.pts(700)).out, s.frames(700, 100));
}

TEST(JitterBufferReadAtTest, FramesBeforeTheStreamBeganAreSilenceNotConcealment) {
  Stream s(4, kT0);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 4; ++i) jb.push(s.packet(i));
  const std::int64_t early = kT0 - 2'083'333;  // 100 frames before the first frame
  const Read x = read_at(jb, 200, early);
  EXPECT_EQ(x.r.silent, 100u);
  EXPECT_EQ(x.r.missing, 0u);
  EXPECT_EQ(std::count(x.out.begin(), x.out.begin() + 200, 0.0f), 200);
  EXPECT_EQ(std::vector<float>(x.out.begin() + 200, x.out.end()), s.frames(0, 100));
  EXPECT_EQ(std::count(x.flags.begin(), x.flags.begin() + 100, 1), 100);
  EXPECT_EQ(std::count(x.flags.begin() + 100, x.flags.end(), 0), 100);
  EXPECT_EQ(jb.stats().silent_frames, 100u);
  EXPECT_EQ(jb.stats().concealed_frames, 0u);
}

TEST(JitterBufferReadAtTest, BeforeTheFirstPacketSilenceAndNotStarted) {
  JitterBuffer jb(config());
  const Read x = read_at(jb, 64, kT0);
  EXPECT_FALSE(x.r.started);
  EXPECT_EQ(x.r.pts_ns, -1);
  EXPECT_EQ(std::count(x.out.begin(), x.out.end(), 0.0f), 128);
  EXPECT_EQ(jb.stats().read_frames, 0u);
  EXPECT_EQ(jb.stats().concealed_frames, 0u);
}

TEST(JitterBufferReadAtTest, AReaderClockStepForwardSkipsToThePts) {
  Stream s(20, kT0);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 20; ++i) jb.push(s.packet(i));
  EXPECT_EQ(read_at(jb, kFrames, s.pts(0)).out, s.frames(0, kFrames));
  const Read x = read_at(jb, kFrames, s.pts(5 * kFrames));  // 4 packets later than the read position
  EXPECT_TRUE(x.r.realigned);
  EXPECT_EQ(x.out, s.frames(5 * kFrames, kFrames));
  EXPECT_EQ(jb.stats().realigns, 1u);
  EXPECT_EQ(jb.stats().realign_frames_skipped, 4u * kFrames);
  EXPECT_EQ(jb.buffered_frames(), 14u * kFrames) << "the skipped frames were dropped";
  EXPECT_EQ(jb.push(s.packet(3)), PushResult::late) << "a skipped frame arriving now is late";
}

TEST(JitterBufferReadAtTest, OneFrameOfRoundingIsNotARealign) {
  Stream s(10, kT0);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 10; ++i) jb.push(s.packet(i));
  read_at(jb, kFrames, s.pts(0));
  const Read x = read_at(jb, kFrames, s.pts(kFrames + 1));  // one frame ahead of the read position
  EXPECT_FALSE(x.r.realigned);
  EXPECT_EQ(x.out, s.frames(kFrames, kFrames)) << "the read goes on in order";
  EXPECT_EQ(jb.stats().realigns, 0u);
}

TEST(JitterBufferReadAtTest, ASenderPtsJumpForwardRewindsAndConcealsTheOverlap) {
  // The source engages a playout delay of L frames: from packet 10 on its
  // frames carry PTS + L. The reader goes on at its own PTS, so the stream
  // position of its PTS moves L frames back; those L frames were played
  // already: concealment plays for them, then the stream goes on in order.
  constexpr std::uint32_t L = 3 * kFrames;
  constexpr std::int64_t kLNs = 6'000'000;  // 288 frames at 48 kHz
  Stream s(30, kT0);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 10; ++i) jb.push(s.packet(i));
  for (std::size_t b = 0; b < 8; ++b) EXPECT_EQ(read_at(jb, kFrames, s.pts(b * kFrames)).out, s.frames(b * kFrames, kFrames));
  for (std::size_t i = 10; i < 30; ++i) jb.push(s.packet(i, kLNs));
  const Read x = read_at(jb, kFrames, s.pts(8 * kFrames));
  EXPECT_TRUE(x.r.realigned);
  EXPECT_EQ(x.r.position, 8u * kFrames - L + ((std::uint64_t{1} << 32) + 0xFFFFF000u));
  EXPECT_EQ(x.r.rewound, kFrames);
  EXPECT_EQ(x.r.missing, 0u);
  EXPECT_EQ(jb.stats().realigns, 1u);
  EXPECT_EQ(jb.stats().realign_frames_rewound, L);
  for (std::size_t b = 9; b < 11; ++b) EXPECT_EQ(read_at(jb, kFrames, s.pts(b * kFrames)).r.rewound, kFrames);
  EXPECT_EQ(jb.stats().concealed_frames, 0u) << "rewound frames are not losses";
  // PTS(11 × 96) is now stream frame 8 × 96, the first one not played yet.
  const Read y = read_at(jb, kFrames, s.pts(11 * kFrames));
  EXPECT_EQ(y.r.rewound, 0u);
  EXPECT_EQ(y.r.missing, 0u);
  const std::size_t fade = kFrames / 4;  // the concealer cross-fades back into audio
  EXPECT_EQ(std::vector<float>(y.out.begin() + fade * 2, y.out.end()), s.frames(8 * kFrames + fade, kFrames - fade));
  EXPECT_EQ(read_at(jb, kFrames, s.pts(12 * kFrames)).out, s.frames(9 * kFrames, kFrames));
  EXPECT_EQ(jb.stats().realigns, 1u);
  EXPECT_EQ(jb.push(s.packet(7)), PushResult::late);
}

TEST(JitterBufferReadAtTest, ReorderedPacketsStillReadBackAtTheirPts) {
  Stream s(40, kT0, 1, 0xFFFFFFFFu - 10 * kFrames);  // the RTP timestamp wraps at packet 11
  JitterBuffer jb(config());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < 20; ++i) order.push_back(i);
  std::mt19937 rng(3);
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t i : order) ASSERT_EQ(jb.push(s.packet(i)), PushResult::accepted);
  // Reading has begun; the rest arrives shuffled in groups of 4 while it goes on.
  std::vector<float> got;
  for (std::size_t b = 0; b < 40; ++b) {
    if (b % 4 == 0 && b + 20 < 40) {
      std::vector<std::size_t> group{b + 20, b + 21, b + 22, b + 23};
      std::shuffle(group.begin(), group.end(), rng);
      for (std::size_t i : group) ASSERT_EQ(jb.push(s.packet(i)), PushResult::accepted);
    }
    const Read x = read_at(jb, kFrames, s.pts(b * kFrames));
    got.insert(got.end(), x.out.begin(), x.out.end());
  }
  EXPECT_EQ(got, s.audio);
  EXPECT_EQ(jb.stats().concealed_frames, 0u);
  EXPECT_EQ(jb.stats().realigns, 0u);
}

TEST(JitterBufferReadAtTest, AStreamRestartingWithANewEpochIsReadAtItsPts) {
  Stream a(10, kT0, 5);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 10; ++i) jb.push(a.packet(i));
  for (std::size_t b = 0; b < 5; ++b) read_at(jb, kFrames, a.pts(b * kFrames));
  // The sender restarts (epoch 6, new timestamps); its frame 0 plays 2 packets
  // before the reader's next PTS, so that read starts at its frame 192.
  Stream n(10, a.pts(5 * kFrames) - 2 * kPacketNs, 6, 1000);
  for (std::size_t i = 0; i < 10; ++i) ASSERT_EQ(jb.push(n.packet(i)), PushResult::accepted);
  EXPECT_EQ(jb.stats().epoch_resets, 1u);
  EXPECT_EQ(read_at(jb, kFrames, a.pts(5 * kFrames)).out, n.frames(2 * kFrames, kFrames));
  EXPECT_EQ(read_at(jb, kFrames, a.pts(6 * kFrames)).out, n.frames(3 * kFrames, kFrames));
  EXPECT_EQ(jb.stats().realigns, 0u) << "a restarted stream starts reading afresh";
}

TEST(JitterBufferReadAtTest, APacketArrivingAfterItsPtsWasReadIsLateAndNotPlayed) {
  Stream s(6, kT0);
  JitterBuffer jb(config());
  jb.push(s.packet(0));
  jb.push(s.packet(3));
  const Read x = read_at(jb, 3 * kFrames, s.pts(0));
  EXPECT_EQ(x.r.missing, 2u * kFrames);
  EXPECT_EQ(jb.stats().concealed_frames, 2u * kFrames);
  EXPECT_EQ(jb.push(s.packet(1)), PushResult::late);
  EXPECT_EQ(jb.push(s.packet(2)), PushResult::late);
  EXPECT_EQ(jb.stats().late_packets, 2u);
  jb.push(s.packet(4));
  const Read y = read_at(jb, kFrames, s.pts(3 * kFrames));
  EXPECT_EQ(y.r.missing, 0u);
  const std::size_t fade = kFrames / 4;
  EXPECT_EQ(std::vector<float>(y.out.begin() + fade * 2, y.out.end()), s.frames(3 * kFrames + fade, kFrames - fade));
  EXPECT_EQ(read_at(jb, kFrames, s.pts(4 * kFrames)).out, s.frames(4 * kFrames, kFrames));
}

TEST(JitterBufferReadAtTest, PtsNearTheTopOfTheInt64RangeDoNotOverflow) {
  const std::int64_t t0 = 4'000'000'000'000'000'000;  // 4e18 ns
  Stream s(10, t0);
  JitterBuffer jb(config());
  for (std::size_t i = 0; i < 10; ++i) jb.push(s.packet(i));
  const Read x = read_at(jb, kFrames, s.pts(3 * kFrames + 5));
  EXPECT_EQ(x.out, s.frames(3 * kFrames + 5, kFrames));
  EXPECT_EQ(x.r.pts_ns, s.pts(3 * kFrames + 5));
  // A PTS far in the past of the stream is silence before it, not a wrap.
  JitterBuffer jb2(config());
  for (std::size_t i = 0; i < 10; ++i) jb2.push(s.packet(i));
  EXPECT_EQ(read_at(jb2, kFrames, -t0).r.silent, kFrames);
}

}  // namespace
}  // namespace crowdmesh::netaudio
