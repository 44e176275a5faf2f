// The sending end of a stream over UDP loopback into a DatagramInlet and an
// RtpReceiver: frames arrive as sent, each packet with the PTS of its first
// frame, repairs follow every FEC block, the counters add up; the queue, the
// destinations and stop() behave as documented.
#include "netaudio/stream_sender.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

#include "common/error.hpp"
#include "netaudio/datagram_inlet.hpp"
#include "netaudio/rtp_receiver.hpp"
#include "wait_until.hpp"

namespace crowdmesh::netaudio {
namespace {

using test::wait_until;

constexpr std::uint32_t kLoopback = 0x7F000001;
constexpr std::uint32_t kRate = 48000;
constexpr std::int64_t kBasePts = 7'000'000'000;

StreamSenderConfig loopback_sender(PcmEncoding encoding, bool fec) {
  StreamSenderConfig c;
  c.format.encoding = encoding;
  c.format.channels = 2;
  c.format.sample_rate_hz = kRate;
  c.fec = fec;
  c.socket.bind_host = "127.0.0.1";
  c.queue_frames = 1 << 16;
  return c;
}

std::unique_ptr<DatagramInlet> loopback_inlet() {
  DatagramInletConfig c;
  c.socket.bind_host = "127.0.0.1";
  auto inlet = DatagramInlet::start(c);
  return inlet ? std::move(*inlet) : nullptr;
}

// Interleaved stereo test signal: two tones per channel, well inside full scale.
float sample(std::uint64_t frame, std::uint32_t channel) {
  const double t = static_cast<double>(frame);
  return static_cast<float>(0.5 * std::sin(0.013 * t * (channel + 1)) + 0.3 * std::sin(0.0021 * t + channel));
}

// Mesh time of frame `frame` of the stream: kBasePts + frame / rate, rounded to the ns.
std::int64_t pts_of(std::uint64_t frame) {
  return kBasePts + static_cast<std::int64_t>((frame * 1'000'000'000ull + kRate / 2) / kRate);
}

struct Outcome {
  std::vector<std::vector<std::uint8_t>> datagrams;  // every datagram, in arrival order
  std::vector<float> played;                         // what the receiver read, interleaved
  std::map<std::uint64_t, std::int64_t> block_pts;   // first frame of every pushed block → its PTS
  LinkStats link;
  std::uint64_t blocks = 0;
};

// Pushes `packets` packets' worth of frames in blocks of `block_frames`, one
// FEC block (K packets) at a time, waits for each chunk's datagrams, feeds
// them to an RtpReceiver and reads the chunk back. Waiting per chunk keeps
// bursts small enough for the socket buffers of a loaded host.
Outcome run_stream(StreamSender& sender, DatagramInlet& inlet, std::uint32_t packets, std::uint32_t block_frames,
                   float (*signal)(std::uint64_t, std::uint32_t) = sample) {
  Outcome out;
  RtpReceiverConfig rc;
  rc.buffer.format = sender.format();
  rc.buffer.capacity_frames = 1 << 16;
  rc.buffer.conceal_period_frames = sender.frames_per_packet();
  RtpReceiver receiver(rc);
  const std::uint32_t channels = sender.format().channels;
  const std::uint32_t chunk_packets = static_cast<std::uint32_t>(sender.fec_config().source_packets);
  const std::uint32_t per_chunk_datagrams =
      chunk_packets + (sender.format().repair_payload_type >= 0 ? static_cast<std::uint32_t>(sender.fec_config().repair_packets) : 0);
  std::uint64_t frame = 0;
  std::vector<float> block;
  for (std::uint32_t done = 0; done < packets; done += chunk_packets) {
    const std::uint64_t chunk_end = static_cast<std::uint64_t>(done + chunk_packets) * sender.frames_per_packet();
    while (frame < chunk_end) {
      const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(block_frames, chunk_end - frame));
      block.resize(static_cast<std::size_t>(n) * channels);
      for (std::uint32_t f = 0; f < n; ++f)
        for (std::uint32_t c = 0; c < channels; ++c) block[f * channels + c] = signal(frame + f, c);
      EXPECT_TRUE(sender.push(block.data(), n, pts_of(frame)));
      out.block_pts[frame] = pts_of(frame);
      ++out.blocks;
      frame += n;
    }
    const std::size_t want = out.datagrams.size() + per_chunk_datagrams;
    const bool arrived = wait_until([&] {
      inlet.drain([&](const std::uint8_t* d, std::size_t size, std::int64_t arrival_ns) {
        out.datagrams.emplace_back(d, d + size);
        EXPECT_EQ(receiver.on_datagram(d, size, arrival_ns), RtpError::none);
      });
      return out.datagrams.size() >= want;
    });
    EXPECT_TRUE(arrived) << "chunk " << done / chunk_packets << ": " << out.datagrams.size() << " of " << want
                         << " datagrams in 5 s";
    if (!arrived) break;
    const std::size_t start = out.played.size();
    out.played.resize(start + static_cast<std::size_t>(chunk_end - start / channels) * channels);
    receiver.read(out.played.data() + start, static_cast<std::uint32_t>(chunk_end - start / channels));
  }
  out.link = receiver.stats();
  return out;
}

// PTS the sender should give the packet whose first frame is `frame`: its
// block's PTS plus the offset in the block, rounded to the ns.
std::int64_t expected_packet_pts(const Outcome& o, std::uint64_t frame) {
  auto it = std::prev(o.block_pts.upper_bound(frame));
  return it->second + static_cast<std::int64_t>(((frame - it->first) * 1'000'000'000ull + kRate / 2) / kRate);
}

void expect_stream_arrives(PcmEncoding encoding, bool fec, double tolerance) {
  auto inlet = loopback_inlet();
  ASSERT_TRUE(inlet);
  auto sender = StreamSender::start(loopback_sender(encoding, fec));
  ASSERT_TRUE(sender) << error_sentence(sender.error());
  StreamSender& s = **sender;
  ASSERT_TRUE(s.add_destination(UdpAddress::from_host(kLoopback, inlet->local_port())));
  inlet->set_source(UdpAddress::from_host(kLoopback, 0));

  constexpr std::uint32_t kPackets = 24 * 5;
  const Outcome o = run_stream(s, *inlet, kPackets, 100);  // 100-frame blocks straddle the 96-frame packets
  const std::uint32_t fpp = s.frames_per_packet();
  const std::uint64_t frames = std::uint64_t{kPackets} * fpp;

  // Every frame arrived, in order, equal to what was pushed within the encoding's quantisation.
  ASSERT_EQ(o.played.size(), frames * 2);
  double worst = 0.0;
  for (std::uint64_t f = 0; f < frames; ++f)
    for (std::uint32_t c = 0; c < 2; ++c)
      worst = std::max(worst, std::abs(static_cast<double>(o.played[f * 2 + c]) - sample(f, c)));
  EXPECT_LE(worst, tolerance);
  EXPECT_EQ(o.link.concealed_frames, 0u);
  EXPECT_EQ(o.link.played_frames, frames);

  // Source packets: payload bytes exactly as encode_pcm writes the pushed
  // samples, PTS of their first frame; repairs after every K sources.
  std::uint64_t sources = 0, repairs = 0, bytes = 0;
  std::vector<float> expected(static_cast<std::size_t>(fpp) * 2);
  std::vector<std::uint8_t> payload(kMaxRtpPacketBytes);
  for (const auto& d : o.datagrams) {
    bytes += d.size();
    const RtpParseResult r = parse_rtp(d.data(), d.size(), s.format());
    ASSERT_TRUE(r.ok()) << to_string(r.error);
    EXPECT_EQ(r.packet.header.epoch, s.epoch());
    if (r.packet.kind == PacketKind::repair) {
      ++repairs;
      continue;
    }
    const std::uint64_t first = sources * fpp;
    EXPECT_EQ(r.packet.header.ssrc, s.ssrc());
    EXPECT_EQ(r.packet.frames, fpp);
    EXPECT_EQ(static_cast<std::int64_t>(r.packet.header.pts_ns), expected_packet_pts(o, first)) << "packet " << sources;
    for (std::uint32_t f = 0; f < fpp; ++f)
      for (std::uint32_t c = 0; c < 2; ++c) expected[f * 2 + c] = sample(first + f, c);
    EXPECT_EQ(encode_pcm(encoding, expected.data(), expected.size(), payload.data()), 0u) << "nothing clipped";
    const std::size_t n = expected.size() * bytes_per_sample(encoding);
    ASSERT_EQ(n, r.packet.payload_bytes);
    EXPECT_TRUE(std::equal(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n), r.packet.payload))
        << "packet " << sources << " is bit-exact";
    ++sources;
  }
  EXPECT_EQ(sources, kPackets);
  EXPECT_EQ(repairs, fec ? kPackets : 0u) << "K = M = 24: one repair per source";

  const StreamSenderStats st = s.stats();
  EXPECT_EQ(st.blocks_pushed, o.blocks);
  EXPECT_EQ(st.blocks_dropped, 0u);
  EXPECT_EQ(st.frames_sent, frames);
  EXPECT_EQ(st.source_packets, sources);
  EXPECT_EQ(st.repair_packets, repairs);
  EXPECT_EQ(st.bytes_sent, bytes);
  EXPECT_EQ(st.send_errors, 0u);
  EXPECT_EQ(st.pts_discontinuities, 0u);
  EXPECT_EQ(st.destinations, 1u);
  const DatagramInletStats in = inlet->stats();
  EXPECT_EQ(in.received, sources + repairs);
  EXPECT_EQ(in.queued, sources + repairs);
}

TEST(StreamSenderTest, L24StreamArrivesWithinQuantisationWithEveryPacketsPtsAndRepairs) {
  expect_stream_arrives(PcmEncoding::l24, true, 1.0 / 8388607.0);
}

TEST(StreamSenderTest, L16StreamWithoutFecArrivesWithoutRepairs) {
  expect_stream_arrives(PcmEncoding::l16, false, 1.0 / 32767.0);
}

// 440 Hz left, 660 Hz right, at half scale.
float sine(std::uint64_t frame, std::uint32_t channel) {
  return 0.5f * static_cast<float>(std::sin(2.0 * M_PI * (channel == 0 ? 440.0 : 660.0) * static_cast<double>(frame) /
                                            static_cast<double>(kRate)));
}

// Pearson correlation of channel `c` of interleaved stereo `played` (frames
// [from, to)) with sine() `lag` frames earlier.
double correlation_with_sine(const std::vector<float>& played, std::size_t from, std::size_t to, std::uint32_t c,
                             std::size_t lag) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  const double n = static_cast<double>(to - from);
  for (std::size_t f = from; f < to; ++f) {
    const double x = played[f * 2 + c], y = sine(f - lag, c);
    sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
  }
  return (sab - sa * sb / n) / std::sqrt((saa - sa * sa / n) * (sbb - sb * sb / n));
}

TEST(StreamSenderTest, OpusStreamArrivesWithEveryPacketAndPlaysAtItsPtsDespiteTheCodecDelay) {
  auto inlet = loopback_inlet();
  ASSERT_TRUE(inlet);
  StreamSenderConfig c = loopback_sender(PcmEncoding::opus, true);
  c.format.opus_bitrate_bps = 128000;
  c.format.opus_frame_frames = 480;  // 10 ms
  auto sender = StreamSender::start(c);
  ASSERT_TRUE(sender) << error_sentence(sender.error());
  StreamSender& s = **sender;
  ASSERT_EQ(s.frames_per_packet(), 480u) << "one Opus frame per packet";
  ASSERT_TRUE(s.add_destination(UdpAddress::from_host(kLoopback, inlet->local_port())));
  inlet->set_source(UdpAddress::from_host(kLoopback, 0));
  const std::uint32_t delay = s.codec_delay_frames();
  const auto delay_ns = static_cast<std::int64_t>((std::uint64_t{delay} * 1'000'000'000ull + kRate / 2) / kRate);
  EXPECT_EQ(delay, 312u) << "OPUS_GET_LOOKAHEAD of OPUS_APPLICATION_AUDIO at 48 kHz: 2.5 ms + 4 ms";

  constexpr std::uint32_t kPackets = 24 * 5;  // 1.2 s
  const Outcome o = run_stream(s, *inlet, kPackets, 100, sine);
  const std::uint64_t frames = std::uint64_t{kPackets} * 480;
  ASSERT_EQ(o.played.size(), frames * 2);
  EXPECT_EQ(o.link.concealed_frames, 0u);
  EXPECT_EQ(o.link.foreign_packets, 0u) << "every packet decoded";

  // Every packet, one Opus frame each, PTS = its first input frame's PTS − the codec delay.
  std::uint64_t sources = 0, repairs = 0, source_bytes = 0, payload_bytes = 0, bytes = 0;
  for (const auto& d : o.datagrams) {
    bytes += d.size();
    const RtpParseResult r = parse_rtp(d.data(), d.size(), s.format());
    ASSERT_TRUE(r.ok()) << to_string(r.error);
    if (r.packet.kind == PacketKind::repair) {
      ++repairs;
      continue;
    }
    EXPECT_EQ(r.packet.frames, 480u);
    EXPECT_EQ(r.packet.header.timestamp - parse_rtp(o.datagrams[0].data(), o.datagrams[0].size(), s.format())
                                              .packet.header.timestamp,
              sources * 480)
        << "RTP clock 48 kHz, +480 per packet";
    EXPECT_EQ(static_cast<std::int64_t>(r.packet.header.pts_ns), expected_packet_pts(o, sources * 480) - delay_ns)
        << "packet " << sources;
    source_bytes += d.size();
    payload_bytes += r.packet.payload_bytes;
    ++sources;
  }
  EXPECT_EQ(sources, kPackets);
  EXPECT_EQ(repairs, kPackets);
  EXPECT_EQ(s.stats().encode_errors, 0u);

  // Bandwidth of the 1.2 s stream.
  const double seconds = static_cast<double>(frames) / kRate;
  std::printf(
      "[          ] Opus 128 kb/s stereo, 10 ms: %.0f B/s of Opus payload, %.0f B/s of source packets (RTP + "
      "extension), %.0f B/s with FEC K=M=24 (L24 stereo: %.0f B/s of source packets)\n",
      payload_bytes / seconds, source_bytes / seconds, bytes / seconds,
      (kRtpHeaderBytes + 96.0 * 6) * kRate / 96.0);
  EXPECT_NEAR(payload_bytes / seconds, 128000.0 / 8, 128000.0 / 8 * 0.25);

  // read() plays the decoded stream from its first frame: it matches the
  // sine `delay` frames late (searched within ± 50 frames: the two sines
  // repeat every 218 frames; OpusCodecDelayIsTheEncodersLookahead measures
  // the delay without that ambiguity).
  std::size_t best_lag = 0;
  double best = -4.0;
  for (std::size_t lag = delay - 50; lag <= delay + 50; ++lag) {
    const double r = correlation_with_sine(o.played, 2000, frames, 0, lag) +
                     correlation_with_sine(o.played, 2000, frames, 1, lag);
    if (r > best) best = r, best_lag = lag;
  }
  EXPECT_EQ(best_lag, delay) << "read() in stream order lags by the codec delay";

  // By PTS: the frame read at PTS p is the frame pushed at PTS p (no lag), as for PCM.
  RtpReceiverConfig rc;
  rc.buffer.format = s.format();
  rc.buffer.capacity_frames = 1 << 16;
  rc.buffer.conceal_period_frames = 480;
  RtpReceiver receiver(rc);
  for (const auto& d : o.datagrams) ASSERT_EQ(receiver.on_datagram(d.data(), d.size(), 0), RtpError::none);
  std::vector<float> by_pts(frames * 2, 0.0f);
  constexpr std::uint64_t kFrom = 4800;
  std::uint64_t to = kFrom;
  for (std::uint64_t f = kFrom; f + 480 + delay <= frames; f += 480, to = f) {  // decoded frames reach input frames − delay
    const JitterBufferRead r = receiver.read_at(by_pts.data() + f * 2, 480, pts_of(f));
    EXPECT_EQ(r.missing + r.silent + r.rewound, 0u);
    EXPECT_FALSE(r.realigned);
  }
  for (std::uint32_t ch = 0; ch < 2; ++ch) {
    const double corr = correlation_with_sine(by_pts, kFrom, to, ch, 0);
    std::printf("[          ] Opus, channel %u read by PTS: correlation %.5f with the sine at the same PTS\n", ch,
                corr);
    EXPECT_GT(corr, 0.99);
  }
}

TEST(StreamSenderTest, OpusCodecDelayIsTheEncodersLookahead) {
  RtpStreamFormat f;
  f.encoding = PcmEncoding::opus;
  auto enc = OpusPayloadEncoder::create(f);
  ASSERT_TRUE(enc) << error_sentence(enc.error());
  auto dec = OpusPayloadDecoder::create(f);
  ASSERT_TRUE(dec);
  // 1 s of stereo pseudo-random noise: its autocorrelation has a single peak.
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  std::vector<float> in(48000 * 2), out(48000 * 2);
  for (float& x : in) x = u(rng);
  std::vector<std::uint8_t> packet(kMaxOpusFrameBytes);
  for (std::size_t f = 0; f + 480 <= 48000; f += 480) {
    const std::size_t n = enc->encode(in.data() + f * 2, packet.data(), packet.size());
    ASSERT_GT(n, 0u);
    ASSERT_EQ(dec->decode(packet.data(), n, out.data() + f * 2, kMaxOpusPacketFrames), 480);
  }
  std::size_t best_lag = 0;
  double best = 0.0;
  for (std::size_t lag = 0; lag < 2000; ++lag) {
    double sum = 0.0;
    for (std::size_t f = 4000; f < 44000; ++f) sum += static_cast<double>(out[(f + lag) * 2]) * in[f * 2];
    if (sum > best) best = sum, best_lag = lag;
  }
  std::printf("[          ] Opus delay: decoded audio lags the encoder's input by %zu frames (%.3f ms); "
              "OPUS_GET_LOOKAHEAD says %u\n",
              best_lag, 1000.0 * static_cast<double>(best_lag) / kRate, enc->lookahead_frames());
  EXPECT_EQ(best_lag, enc->lookahead_frames());
}

TEST(StreamSenderTest, OpusOnlyRunsAt48kHzWithAValidFrameSize) {
  StreamSenderConfig c = loopback_sender(PcmEncoding::opus, true);
  c.format.sample_rate_hz = 44100;
  auto s = StreamSender::start(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(error_code(s.error()), errc::unsupported_format);
  EXPECT_NE(error_sentence(s.error()).find("44100 Hz"), std::string::npos) << error_sentence(s.error());
  c = loopback_sender(PcmEncoding::opus, false);
  c.format.opus_frame_frames = 500;
  s = StreamSender::start(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(error_code(s.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(s.error()).find("500"), std::string::npos) << error_sentence(s.error());
  c = loopback_sender(PcmEncoding::opus, false);
  c.format.channels = 3;
  EXPECT_FALSE(StreamSender::start(c));
  c = loopback_sender(PcmEncoding::opus, false);
  c.format.opus_frame_frames = 960;
  s = StreamSender::start(c);
  ASSERT_TRUE(s) << error_sentence(s.error());
  EXPECT_EQ((*s)->frames_per_packet(), 960u);
  RtpReceiverConfig rc;
  rc.buffer.format.encoding = PcmEncoding::opus;
  rc.buffer.format.sample_rate_hz = 44100;
  const caf::error refused = RtpReceiver::check(rc);
  ASSERT_TRUE(refused);
  EXPECT_NE(error_sentence(refused).find("44100 Hz"), std::string::npos);
}

TEST(StreamSenderTest, WithoutFecTheFormatHasNoRepairPayloadType) {
  auto s = StreamSender::start(loopback_sender(PcmEncoding::l24, false));
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->format().repair_payload_type, -1);
  EXPECT_NE((*s)->ssrc(), 0u);
  EXPECT_NE((*s)->epoch(), 0u);
  EXPECT_NE((*s)->local_port(), 0);
}

TEST(StreamSenderTest, APtsJumpIsCountedAndTheNextPacketCarriesTheNewPts) {
  auto inlet = loopback_inlet();
  ASSERT_TRUE(inlet);
  auto sender = StreamSender::start(loopback_sender(PcmEncoding::l24, false));
  ASSERT_TRUE(sender);
  StreamSender& s = **sender;
  ASSERT_TRUE(s.add_destination(UdpAddress::from_host(kLoopback, inlet->local_port())));
  const std::vector<float> block(96 * 2, 0.1f);
  ASSERT_TRUE(s.push(block.data(), 96, kBasePts));
  ASSERT_TRUE(s.push(block.data(), 96, kBasePts + 2'000'000));     // continues: 96 frames = 2 ms
  ASSERT_TRUE(s.push(block.data(), 96, kBasePts + 1'000'000'000));  // jumps
  std::vector<std::uint64_t> pts;
  ASSERT_TRUE(wait_until([&] {
    inlet->drain([&](const std::uint8_t* d, std::size_t size, std::int64_t) {
      pts.push_back(parse_rtp(d, size, s.format()).packet.header.pts_ns);
    });
    return pts.size() >= 3;
  }));
  EXPECT_EQ(pts, (std::vector<std::uint64_t>{kBasePts, kBasePts + 2'000'000, kBasePts + 1'000'000'000}));
  EXPECT_EQ(s.stats().pts_discontinuities, 1u);
}

TEST(StreamSenderTest, WithoutDestinationsTheQueueIsConsumedAndNothingSent) {
  auto sender = StreamSender::start(loopback_sender(PcmEncoding::l24, true));
  ASSERT_TRUE(sender);
  StreamSender& s = **sender;
  const std::vector<float> block(480 * 2, 0.2f);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s.push(block.data(), 480, kBasePts + i * 10'000'000));
  ASSERT_TRUE(wait_until([&] { return s.stats().frames_sent == 4800; }));
  const StreamSenderStats st = s.stats();
  EXPECT_EQ(st.source_packets, 50u);
  EXPECT_EQ(st.repair_packets, 48u) << "two FEC blocks of 24 completed";
  EXPECT_EQ(st.bytes_sent, 0u);
  EXPECT_EQ(st.send_errors, 0u);
  EXPECT_EQ(st.destinations, 0u);
}

TEST(StreamSenderTest, PushRefusesAndCountsABlockThatDoesNotFitTheQueue) {
  StreamSenderConfig c = loopback_sender(PcmEncoding::l24, true);
  c.queue_frames = 1000;
  auto sender = StreamSender::start(c);
  ASSERT_TRUE(sender);
  StreamSender& s = **sender;
  ASSERT_EQ(s.queue_capacity_frames(), 1024u);
  const std::vector<float> block(1025 * 2, 0.0f);
  EXPECT_FALSE(s.push(block.data(), 1025, kBasePts));
  EXPECT_TRUE(s.push(block.data(), 96, kBasePts));
  s.stop();
  EXPECT_FALSE(s.push(block.data(), 96, kBasePts + 2'000'000)) << "a stopped sender takes nothing";
  const StreamSenderStats st = s.stats();
  EXPECT_EQ(st.blocks_dropped, 2u);
  EXPECT_EQ(st.blocks_pushed, 1u);
  EXPECT_EQ(st.frames_sent, 96u) << "what was queued before stop() is sent";
}

TEST(StreamSenderTest, DestinationsAreUniqueLimitedAndRemovable) {
  StreamSenderConfig c = loopback_sender(PcmEncoding::l24, true);
  c.max_destinations = 2;
  auto sender = StreamSender::start(c);
  ASSERT_TRUE(sender);
  StreamSender& s = **sender;
  const UdpAddress a = UdpAddress::from_host(kLoopback, 5001), b = UdpAddress::from_host(kLoopback, 5002);
  const UdpAddress third = UdpAddress::from_host(kLoopback, 5003);
  EXPECT_TRUE(s.add_destination(a));
  EXPECT_TRUE(s.add_destination(a)) << "adding one already there does nothing";
  EXPECT_TRUE(s.add_destination(b));
  auto refused = s.add_destination(third);
  ASSERT_FALSE(refused);
  EXPECT_EQ(error_code(refused.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(refused.error()).find("127.0.0.1:5003"), std::string::npos);
  EXPECT_EQ(s.destinations(), (std::vector<UdpAddress>{a, b}));
  EXPECT_FALSE(s.add_destination(UdpAddress::from_host(kLoopback, 0)));
  EXPECT_TRUE(s.remove_destination(a));
  EXPECT_FALSE(s.remove_destination(a));
  EXPECT_EQ(s.stats().destinations, 1u);
}

TEST(StreamSenderTest, AConfigThatCannotMakePacketsIsRefusedNamingTheValue) {
  StreamSenderConfig c = loopback_sender(PcmEncoding::l24, true);
  c.frames_per_packet = 1000;
  auto s = StreamSender::start(c);
  ASSERT_FALSE(s);
  EXPECT_EQ(error_code(s.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(s.error()).find("frames_per_packet 1000"), std::string::npos) << error_sentence(s.error());
  c = loopback_sender(PcmEncoding::l24, true);
  c.format.repair_payload_type = c.format.payload_type;
  EXPECT_FALSE(StreamSender::start(c));
  c = loopback_sender(PcmEncoding::l24, true);
  c.format.channels = 0;
  EXPECT_FALSE(StreamSender::start(c));
}

TEST(StreamSenderTest, StopIsPromptAndIdempotent) {
  auto sender = StreamSender::start(loopback_sender(PcmEncoding::l24, true));
  ASSERT_TRUE(sender);
  const auto t0 = std::chrono::steady_clock::now();
  (*sender)->stop();
  (*sender)->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << "stop() wakes the thread";
}

}  // namespace
}  // namespace crowdmesh::netaudio
