// The whole receiving path (parse, FEC, jitter buffer, statistics) over a
// simulated network: loss, delay, reordering, duplicates.
#include "netaudio/rtp_receiver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <queue>
#include <random>
#include <vector>

#include "fec_test_helpers.hpp"

namespace crowdmesh::netaudio {
namespace {

using test::Datagram;
using test::TestSender;

constexpr std::uint32_t kFrames = 96;            // 2 ms per packet at 48 kHz
constexpr std::int64_t kLatencyNs = 80'000'000;  // first read this long after the first send: a 48 ms block + jitter

struct Network {
  double loss = 0.0;              // independent loss probability per datagram
  std::int64_t max_delay_ns = 0;  // uniform extra delay 0..max (reorders packets)
  double duplicate = 0.0;         // probability that a datagram arrives twice
};

struct RunResult {
  LinkStats stats;
  FecDecoderStats fec;
  std::vector<float> played;  // every frame read, interleaved
  std::uint64_t source_packets = 0;
};

// Sends `packets` source packets (and their repairs when `fec` is on) through
// `net`, delivering them to a receiver that reads one packet's worth of frames
// every packet interval (2 ms for the default kFrames) starting `latency_ns`
// after the first send. `format`: L24 stereo by default.
RunResult run(std::uint64_t packets, const Network& net, bool fec, std::vector<float>* sent_audio, unsigned seed,
              RtpStreamFormat format = {}, std::uint32_t frames = kFrames, std::int64_t latency_ns = kLatencyNs) {
  const std::int64_t packet_ns = static_cast<std::int64_t>(frames) * 1'000'000'000 / 48000;
  if (!fec) format.repair_payload_type = -1;
  TestSender sender(format, FecConfig{});
  if (sent_audio) sender.record_into(sent_audio);
  RtpReceiverConfig cfg;
  cfg.buffer.format = format;
  cfg.buffer.conceal_period_frames = frames;
  RtpReceiver receiver(cfg);

  struct Arrival {
    std::int64_t at_ns;
    std::uint64_t order;
    Datagram data;
    bool operator>(const Arrival& o) const { return at_ns != o.at_ns ? at_ns > o.at_ns : order > o.order; }
  };
  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<Arrival>> in_flight;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uint64_t order = 0;
  RunResult result;
  result.played.reserve(static_cast<std::size_t>(packets) * frames * (sent_audio ? 2 : 0));
  std::vector<float> out(frames * 2);
  std::int64_t next_read = latency_ns;
  const std::int64_t end = static_cast<std::int64_t>(packets) * packet_ns + latency_ns;
  for (std::uint64_t i = 0;; ++i) {
    const std::int64_t now = static_cast<std::int64_t>(i) * packet_ns;
    if (i < packets) {
      for (auto& d : sender.send(frames)) {
        if (u(rng) < net.loss) continue;
        const int copies = u(rng) < net.duplicate ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
          const auto delay = static_cast<std::int64_t>(u(rng) * static_cast<double>(net.max_delay_ns));
          in_flight.push(Arrival{now + delay, order++, d});
        }
      }
    }
    // Everything due before the next send, in time order: arrivals and reads.
    const std::int64_t horizon = now + packet_ns;
    for (;;) {
      const bool arrival_first = !in_flight.empty() && in_flight.top().at_ns <= next_read;
      if (arrival_first && in_flight.top().at_ns < horizon) {
        const Arrival& a = in_flight.top();
        EXPECT_EQ(receiver.on_datagram(a.data.data(), a.data.size(), a.at_ns), RtpError::none);
        in_flight.pop();
      } else if (next_read < horizon && next_read < end) {
        receiver.read(out.data(), frames);
        if (sent_audio) result.played.insert(result.played.end(), out.begin(), out.end());
        next_read += packet_ns;
      } else {
        break;
      }
    }
    if (now >= end) break;
  }
  result.stats = receiver.stats();
  if (receiver.fec()) result.fec = receiver.fec()->stats();
  result.source_packets = packets;
  return result;
}

std::vector<float> quantized_l24(std::vector<float> v) {
  std::vector<std::uint8_t> b(v.size() * 3);
  encode_pcm(PcmEncoding::l24, v.data(), v.size(), b.data());
  decode_pcm(PcmEncoding::l24, b.data(), v.size(), v.data());
  return v;
}

TEST(RtpReceiverTest, NoLossWithJitterAndDuplicatesPlaysBitExact) {
  std::vector<float> sent;
  Network net;
  net.max_delay_ns = 10'000'000;  // 10 ms: reorders up to five packets
  net.duplicate = 0.05;
  const RunResult r = run(5000, net, true, &sent, 1);
  EXPECT_EQ(r.stats.concealed_frames, 0u);
  EXPECT_EQ(r.stats.played_frames, 5000u * kFrames);
  EXPECT_GT(r.stats.duplicate_packets, 100u);
  EXPECT_EQ(r.stats.late_packets, 0u);
  // Reordering alone makes the FEC rebuild packets that were merely late
  // (K of a block's packets were in before them); their originals then
  // count as duplicates. Nothing is unrecoverable.
  EXPECT_EQ(r.fec.unrecoverable_blocks, 0u);
  ASSERT_EQ(r.played.size(), sent.size());
  EXPECT_TRUE(r.played == quantized_l24(sent)) << "every frame as sent, bit for bit";
  EXPECT_LE(r.stats.cumulative_lost, 0) << "nothing lost; duplicates count as received (RFC 3550 A.3)";
  EXPECT_GT(r.stats.jitter_us, 500.0) << "delays spread over 10 ms";
}

TEST(RtpReceiverTest, TwentyPercentLossWithFecIsAlmostNeverConcealed) {
  Network net;
  net.loss = 0.20;
  net.max_delay_ns = 10'000'000;
  const std::uint64_t packets = 24 * 4167;  // 100 008 packets, 200 s of audio, in whole FEC blocks
  const RunResult r = run(packets, net, true, nullptr, 20);
  const double concealed = static_cast<double>(r.stats.concealed_frames) / static_cast<double>(r.stats.played_frames);
  std::printf(
      "[          ] 20 %% loss, K=24 M=24, %llu packets: %llu recovered, %llu unrecoverable blocks, "
      "%llu of %llu frames concealed (%.5f %%)\n",
      static_cast<unsigned long long>(packets), static_cast<unsigned long long>(r.stats.recovered_packets),
      static_cast<unsigned long long>(r.stats.unrecoverable_blocks),
      static_cast<unsigned long long>(r.stats.concealed_frames), static_cast<unsigned long long>(r.stats.played_frames),
      100.0 * concealed);
  EXPECT_EQ(r.stats.played_frames, packets * kFrames);
  EXPECT_GT(r.stats.recovered_packets, packets / 6) << "about 20 % of the source packets rebuilt";
  EXPECT_LE(concealed, 0.00001) << "at most 0.001 % of the frames concealed (the goal is 0.01 %)";
  EXPECT_EQ(r.stats.unrecoverable_blocks, 0u);
  EXPECT_EQ(r.stats.late_packets, 0u);
  EXPECT_NEAR(static_cast<double>(r.stats.cumulative_lost) / static_cast<double>(r.stats.expected_packets), 0.20, 0.01)
      << "the link statistics see the network's loss, before the FEC";
  // Without FEC the same network conceals about a fifth of the audio.
  const RunResult bare = run(20'000, net, false, nullptr, 20);
  const double bare_concealed =
      static_cast<double>(bare.stats.concealed_frames) / static_cast<double>(bare.stats.played_frames);
  EXPECT_NEAR(bare_concealed, 0.20, 0.01);
}

// Pearson correlation of channel `c` of interleaved stereo `a` and `b` over frames [from, to).
double correlation(const std::vector<float>& a, const std::vector<float>& b, std::size_t from, std::size_t to,
                   std::uint32_t c) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  const double n = static_cast<double>(to - from);
  for (std::size_t f = from; f < to; ++f) {
    const double x = a[f * 2 + c], y = b[f * 2 + c];
    sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
  }
  return (sab - sa * sb / n) / std::sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
}

TEST(RtpReceiverTest, OpusWithTwentyPercentLossAndFecIsNeverConcealed) {
  RtpStreamFormat opus;
  opus.encoding = PcmEncoding::opus;
  Network net;
  net.loss = 0.20;
  net.max_delay_ns = 20'000'000;  // reorders up to two 10-ms packets
  const std::uint64_t packets = 24 * 100;  // 24 s of audio in whole FEC blocks
  std::vector<float> sent;
  const RunResult r = run(packets, net, true, &sent, 7, opus, 480, 300'000'000);  // the block is 240 ms
  EXPECT_EQ(r.stats.played_frames, packets * 480);
  EXPECT_EQ(r.stats.concealed_frames, 0u);
  EXPECT_EQ(r.stats.unrecoverable_blocks, 0u);
  EXPECT_EQ(r.stats.late_packets, 0u);
  EXPECT_GT(r.stats.recovered_packets, packets / 6) << "about 20 % of the source packets rebuilt and decoded";
  EXPECT_EQ(r.stats.foreign_packets, 0u) << "every packet, rebuilt or not, decoded";
  // read() plays the decoded stream from its first frame: it lags what was sent by the encoder's lookahead.
  RtpStreamFormat f = opus;
  const std::uint32_t delay = TestSender(f, FecConfig{}).codec_delay_frames();
  ASSERT_EQ(r.played.size(), sent.size());
  std::vector<float> shifted(sent.size(), 0.0f);
  std::copy(sent.begin(), sent.end() - 2 * delay, shifted.begin() + 2 * delay);
  const std::size_t frames = sent.size() / 2;
  for (std::uint32_t c = 0; c < 2; ++c) {
    const double corr = correlation(r.played, shifted, 4800, frames, c);
    std::printf("[          ] Opus, 20 %% loss + FEC, channel %u: correlation %.5f with what was sent\n", c, corr);
    EXPECT_GT(corr, 0.99) << "reordered and rebuilt packets decoded out of order still sound as sent";
  }
}

TEST(RtpReceiverTest, MalformedAndForeignDatagramsAreCountedNotPlayed) {
  RtpReceiverConfig cfg;
  RtpReceiver receiver(cfg);
  const std::uint8_t junk[] = {0x12, 0x34, 0x56};
  EXPECT_EQ(receiver.on_datagram(junk, sizeof junk, 0), RtpError::truncated);
  TestSender sender(cfg.buffer.format, FecConfig{});
  const Datagram d = sender.send(kFrames).front();
  EXPECT_EQ(receiver.on_datagram(d.data(), d.size(), 0), RtpError::none);
  Datagram other = d;
  other[11] ^= 1;  // another SSRC
  EXPECT_EQ(receiver.on_datagram(other.data(), other.size(), 0), RtpError::none);
  const LinkStats s = receiver.stats();
  EXPECT_EQ(s.foreign_packets, 2u);
  EXPECT_EQ(s.ssrc, 0x5EED5EEDu);
}

}  // namespace
}  // namespace crowdmesh::netaudio
