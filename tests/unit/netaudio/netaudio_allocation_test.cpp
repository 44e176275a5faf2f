// The send and receive paths of remote playout make no heap allocation after
// construction: packetizer + FEC encoder on the sender, parse + FEC decoder +
// Opus decoder + jitter buffer + concealment + statistics on the receiver, StreamPlayout's
// render in every mode, and what the render thread calls of the socket layer
// (StreamSender::push, DatagramInlet::drain). The malloc interposer counts
// calls made inside rt::RtContextScope (on the calling thread only: the
// network threads are not real-time).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "fec_test_helpers.hpp"
#include "netaudio/datagram_inlet.hpp"
#include "netaudio/rtp_receiver.hpp"
#include "netaudio/stream_playout.hpp"
#include "netaudio/stream_sender.hpp"
#include "rt/rt_context.hpp"
#include "rt_alloc_counter.hpp"
#include "stream_playout_fakes.hpp"
#include "wait_until.hpp"

namespace crowdmesh::netaudio {
namespace {

constexpr std::uint32_t kFrames = 96;

TEST(NetaudioAllocationTest, PacketizeAndFecEncodeNeverAllocate) {
  if (!crowdmesh::test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  RtpPacketizerConfig pc;
  RtpPacketizer packetizer(pc);
  FecEncoderConfig fc;
  FecEncoder encoder(fc);
  std::vector<float> audio(kFrames * 2, 0.25f);
  std::vector<std::uint8_t> buf(kMaxRtpPacketBytes);
  std::size_t repairs = 0;
  crowdmesh::test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    for (int i = 0; i < 200; ++i) {
      const RtpHeader h = packetizer.next_header();
      const std::size_t n = packetizer.write(audio.data(), kFrames, 1000u * i, buf.data(), buf.size());
      encoder.add_source(buf.data(), n, h);
      if (encoder.repairs_ready())
        for (int j = 0; j < encoder.m(); ++j) repairs += encoder.write_repair(j, buf.data(), buf.size()) > 0;
    }
  }
  EXPECT_EQ(crowdmesh::test::rt_allocations(), 0u);
  EXPECT_EQ(repairs, 8u * 24u) << "200 packets make 8 blocks of 24 repairs";
}

TEST(NetaudioAllocationTest, ReceivingWithLossReorderingDuplicatesAndARestartNeverAllocates) {
  if (!crowdmesh::test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  RtpStreamFormat format;
  std::vector<test::Datagram> arriving;
  std::mt19937 rng(4);
  for (std::uint32_t epoch : {1u, 2u}) {  // the sender restarts once
    test::TestSender sender(format, FecConfig{}, epoch);
    std::vector<test::Datagram> sent;
    for (int i = 0; i < 24 * 20; ++i)
      for (auto& d : sender.send(kFrames)) sent.push_back(d);
    for (std::size_t i = 0; i < sent.size(); i += 8) {  // reorder within groups of 8, lose 20 %, duplicate 5 %
      const std::size_t end = std::min(sent.size(), i + 8);
      std::shuffle(sent.begin() + static_cast<std::ptrdiff_t>(i), sent.begin() + static_cast<std::ptrdiff_t>(end), rng);
    }
    for (auto& d : sent) {
      if (rng() % 100 < 20) continue;
      arriving.push_back(d);
      if (rng() % 100 < 5) arriving.push_back(d);
    }
  }
  arriving.push_back(test::Datagram(7, 0x80));  // junk
  RtpReceiverConfig cfg;
  cfg.buffer.format = format;
  RtpReceiver receiver(cfg);
  std::vector<float> out(kFrames * 2);
  std::vector<std::uint8_t> flags(kFrames);
  LinkStats stats;
  crowdmesh::test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    std::int64_t now = 0;
    std::int64_t pts = 5'000'000'000;
    for (std::size_t i = 0; i < arriving.size(); ++i) {
      receiver.on_datagram(arriving[i].data(), arriving[i].size(), now += 1'000'000);
      if (i > 200 && i % 4 == 0) receiver.read(out.data(), kFrames, flags.data());
      if (i > 200 && i % 4 == 2) receiver.read_at(out.data(), kFrames, pts, flags.data());  // realigns too
      if (i > 200 && i % 2 == 0) pts += 2'000'000;
      if (i % 500 == 0) receiver.end_interval();
    }
    stats = receiver.stats();
  }
  EXPECT_EQ(crowdmesh::test::rt_allocations(), 0u);
  EXPECT_GT(stats.recovered_packets, 100u) << "the FEC path ran";
  EXPECT_GT(stats.duplicate_packets, 10u);
  EXPECT_EQ(receiver.buffer().stats().epoch_resets, 1u) << "the restart path ran";
  EXPECT_GT(stats.played_frames, 0u);
  EXPECT_GT(receiver.buffer().stats().realigns, 0u) << "the realign path ran";
}

TEST(NetaudioAllocationTest, ReceivingAndDecodingOpusWithLossAndFecNeverAllocates) {
  if (!crowdmesh::test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  RtpStreamFormat format;
  format.encoding = PcmEncoding::opus;
  constexpr std::uint32_t kOpusFrames = 480;
  std::vector<test::Datagram> arriving;
  std::mt19937 rng(9);
  {
    test::TestSender sender(format, FecConfig{});
    std::vector<test::Datagram> sent;
    for (int i = 0; i < 24 * 10; ++i)
      for (auto& d : sender.send(kOpusFrames)) sent.push_back(d);
    for (std::size_t i = 0; i < sent.size(); i += 8) {  // reorder within groups of 8, lose 20 %, duplicate 5 %
      const std::size_t end = std::min(sent.size(), i + 8);
      std::shuffle(sent.begin() + static_cast<std::ptrdiff_t>(i), sent.begin() + static_cast<std::ptrdiff_t>(end), rng);
    }
    for (auto& d : sent) {
      if (rng() % 100 < 20) continue;
      arriving.push_back(d);
      if (rng() % 100 < 5) arriving.push_back(d);
    }
  }
  RtpReceiverConfig cfg;
  cfg.buffer.format = format;
  cfg.buffer.conceal_period_frames = kOpusFrames;
  RtpReceiver receiver(cfg);
  std::vector<float> out(kOpusFrames * 2);
  LinkStats stats;
  crowdmesh::test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    std::int64_t now = 0;
    for (std::size_t i = 0; i < arriving.size(); ++i) {
      receiver.on_datagram(arriving[i].data(), arriving[i].size(), now += 5'000'000);
      if (i > 100 && i % 2 == 0) receiver.read(out.data(), kOpusFrames);
    }
    stats = receiver.stats();
  }
  EXPECT_EQ(crowdmesh::test::rt_allocations(), 0u) << "opus_decode_float and the receiving path";
  EXPECT_GT(stats.recovered_packets, 20u) << "rebuilt packets were decoded too";
  EXPECT_GT(receiver.buffer().stats().accepted_packets, 100u) << "Opus packets were decoded and stored";
  const JitterBufferStats& b = receiver.buffer().stats();
  EXPECT_EQ(stats.foreign_packets, b.too_far_packets) << "no decoding failed (the reads run ahead of the stream)";
  EXPECT_GT(stats.played_frames, 0u);
}

TEST(NetaudioAllocationTest, StreamPlayoutRenderNeverAllocatesInAnyMode) {
  if (!crowdmesh::test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  test::FakeMixer mixer;
  auto sink = std::make_shared<test::FakeSink>();
  auto feed = std::make_shared<test::FakeFeed>();
  auto other = std::make_shared<test::FakeFeed>();
  StreamPlayoutConfig cfg;
  cfg.max_latency_frames = 4800;
  cfg.max_frames_per_call = 512;
  StreamPlayout sp(cfg, mixer.port);
  std::vector<float> out(1500 * test::kCh);
  std::int64_t m = 480'000;
  std::uint64_t allocations = 0;
  // Renders blocks of varying size (one longer than the scratch) inside the RT scope.
  auto render = [&](int blocks) {
    crowdmesh::test::reset_rt_allocations();
    {
      rt::RtContextScope scope;
      for (int b = 0; b < blocks; ++b) {
        const std::size_t n = b == 2 ? 1500 : 200 + static_cast<std::size_t>(b) * 7;
        sp.render(out.data(), n, test::grid_pts(m));
        m += static_cast<std::int64_t>(n);
      }
    }
    allocations += crowdmesh::test::rt_allocations();
  };
  render(4);  // local
  ASSERT_TRUE(sp.start_source(sink, 1000));
  render(8);  // engage, then source
  ASSERT_TRUE(sp.start_source(sink, 300));
  render(4);  // re-engage
  sp.play_remote(feed, true);
  render(4);  // source + remote
  sp.stop_source();
  render(4);  // leave source, remote with local
  sp.play_remote(other, false);
  render(4);  // feed replaced, local faded out
  sp.stop_remote();
  render(4);  // remote fades out
  sp.release_unused();
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(sink->pts.size(), 10u);
  EXPECT_GT(feed->pts.size(), 4u);
  EXPECT_EQ(sp.stats().blocks, 32u + 7u * 2u) << "the 1500-frame calls were cut in three";
}

TEST(NetaudioAllocationTest, StreamSenderPushAndDatagramInletDrainNeverAllocate) {
  if (!crowdmesh::test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
  DatagramInletConfig ic;
  ic.socket.bind_host = "127.0.0.1";
  auto inlet = DatagramInlet::start(ic);
  ASSERT_TRUE(inlet);
  StreamSenderConfig sc;
  sc.socket.bind_host = "127.0.0.1";
  sc.queue_frames = 1 << 16;
  auto sender = StreamSender::start(sc);
  ASSERT_TRUE(sender);
  ASSERT_TRUE((*sender)->add_destination(UdpAddress::from_host(0x7F000001, (*inlet)->local_port())));
  RtpReceiverConfig rc;
  rc.buffer.format = (*sender)->format();
  RtpReceiver receiver(rc);
  std::vector<float> block(kFrames * 2, 0.25f);
  constexpr int kBlocks = 48;  // two FEC blocks: 48 sources and 48 repairs
  int pushed = 0;
  crowdmesh::test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    for (int i = 0; i < kBlocks; ++i) pushed += (*sender)->push(block.data(), kFrames, 2'000'000LL * i);
  }
  EXPECT_EQ(crowdmesh::test::rt_allocations(), 0u) << "push";
  EXPECT_EQ(pushed, kBlocks);
  ASSERT_TRUE(test::wait_until([&] { return (*inlet)->stats().queued >= 2u * kBlocks; }));
  std::size_t drained = 0;
  crowdmesh::test::reset_rt_allocations();
  {
    rt::RtContextScope scope;
    drained = (*inlet)->drain([&](const std::uint8_t* d, std::size_t size, std::int64_t arrival_ns) {
      receiver.on_datagram(d, size, arrival_ns);
    });
    receiver.read(block.data(), kFrames);
  }
  EXPECT_EQ(crowdmesh::test::rt_allocations(), 0u) << "drain";
  EXPECT_EQ(drained, 2u * kBlocks);
  EXPECT_EQ(receiver.stats().played_frames, kFrames);
}

}  // namespace
}  // namespace crowdmesh::netaudio
