// FecEncoder + FecDecoder over real RTP packets, and the repair header.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "fec_test_helpers.hpp"
#include "netaudio/fec_decoder.hpp"
#include "netaudio/fec_repair_header.hpp"

namespace crowdmesh::netaudio {
namespace {

using test::Datagram;
using test::TestSender;

RtpPacket parsed(const Datagram& d, const RtpStreamFormat& f) {
  const auto r = parse_rtp(d.data(), d.size(), f);
  EXPECT_TRUE(r.ok()) << to_string(r.error);
  return r.packet;
}

// One block of K sources (lengths vary) + M repairs.
std::vector<Datagram> one_block(const RtpStreamFormat& f, FecConfig fec, std::uint32_t epoch = 1) {
  TestSender sender(f, fec, epoch);
  std::vector<Datagram> all;
  for (int i = 0; i < fec.source_packets; ++i)
    for (auto& d : sender.send(40 + 7 * static_cast<std::uint32_t>(i % 3))) all.push_back(d);
  EXPECT_EQ(static_cast<int>(all.size()), fec.source_packets + fec.repair_packets);
  return all;
}

struct Outcome {
  std::vector<Datagram> recovered;
  FecDecoderStats stats;
};

Outcome deliver(const std::vector<Datagram>& packets, const RtpStreamFormat& f, FecConfig fec) {
  FecDecoderConfig cfg;
  cfg.block = fec;
  FecDecoder decoder(cfg);
  Outcome o;
  for (const auto& d : packets) {
    const int n = decoder.add(parsed(d, f), d.data(), d.size());
    for (int i = 0; i < n; ++i)
      o.recovered.emplace_back(decoder.recovered_data(i), decoder.recovered_data(i) + decoder.recovered_size(i));
  }
  decoder.flush();
  o.stats = decoder.stats();
  return o;
}

TEST(FecTest, EveryLossPatternOfUpToMIsRebuiltByteExactAndBeyondIsReported) {
  RtpStreamFormat f;
  const FecConfig fec{4, 3};
  const auto block = one_block(f, fec);
  const int n = fec.source_packets + fec.repair_packets;
  std::mt19937 rng(11);
  for (std::uint32_t lost = 0; lost < (1u << n); ++lost) {
    std::vector<Datagram> arriving;
    for (int i = 0; i < n; ++i)
      if (!(lost >> i & 1)) arriving.push_back(block[i]);
    std::shuffle(arriving.begin(), arriving.end(), rng);
    const Outcome o = deliver(arriving, f, fec);
    std::vector<Datagram> lost_sources;
    for (int i = 0; i < fec.source_packets; ++i)
      if (lost >> i & 1) lost_sources.push_back(block[i]);
    const bool repairs_arrived = (lost >> fec.source_packets) != (1u << fec.repair_packets) - 1;
    if (__builtin_popcount(lost) <= fec.repair_packets) {
      // Each lost source is rebuilt byte-exact; sources that had not arrived yet
      // when K symbols were in may be rebuilt too (their late copy is a duplicate).
      for (const auto& s : lost_sources)
        EXPECT_NE(std::find(o.recovered.begin(), o.recovered.end(), s), o.recovered.end()) << "pattern " << lost;
      for (const auto& r : o.recovered)
        EXPECT_NE(std::find(block.begin(), block.begin() + fec.source_packets, r), block.begin() + fec.source_packets)
            << "pattern " << lost;
      EXPECT_EQ(o.stats.unrecoverable_blocks, 0u) << "pattern " << lost;
    } else {
      EXPECT_TRUE(o.recovered.empty()) << "pattern " << lost;
      EXPECT_EQ(o.stats.unrecoverable_blocks, repairs_arrived && !lost_sources.empty() ? 1u : 0u) << "pattern " << lost;
    }
  }
}

TEST(FecTest, DefaultShapeRebuildsAnyMLossesAndNotMPlusOne) {
  RtpStreamFormat f;
  const FecConfig fec;
  ASSERT_EQ(fec.source_packets, 24);
  ASSERT_EQ(fec.repair_packets, 24);
  const auto block = one_block(f, fec);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 100; ++trial) {
    for (int losses : {fec.repair_packets, fec.repair_packets + 1}) {
      std::vector<int> order(block.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<Datagram> arriving;
      int lost_sources = 0;
      for (std::size_t i = 0; i < order.size(); ++i) {
        if (static_cast<int>(i) < losses)
          lost_sources += order[i] < fec.source_packets ? 1 : 0;
        else
          arriving.push_back(block[order[i]]);
      }
      const Outcome o = deliver(arriving, f, fec);
      if (losses <= fec.repair_packets) {
        ASSERT_GE(static_cast<int>(o.recovered.size()), lost_sources);
        for (int i = 0; i < losses; ++i) {
          if (order[i] < fec.source_packets) {
            ASSERT_NE(std::find(o.recovered.begin(), o.recovered.end(), block[order[i]]), o.recovered.end());
          }
        }
        for (const auto& r : o.recovered) ASSERT_NE(std::find(block.begin(), block.end(), r), block.end());
      } else {
        ASSERT_TRUE(o.recovered.empty());
        ASSERT_EQ(o.stats.unrecoverable_blocks, lost_sources > 0 ? 1u : 0u);
      }
    }
  }
}

TEST(FecTest, BlocksInterleavedAcrossAWindowAreRebuilt) {
  // Eight blocks of packets of varying length (the decoder's source ring is
  // reused twice over), two sources lost per block, then the same reordered.
  RtpStreamFormat f;
  const FecConfig fec{8, 4};
  TestSender sender(f, fec);
  std::vector<Datagram> all;
  for (int i = 0; i < 8 * fec.source_packets; ++i)
    for (auto& d : sender.send(48 + 3 * static_cast<std::uint32_t>((i * 7) % 5))) all.push_back(d);
  ASSERT_EQ(all.size(), 96u);
  std::vector<Datagram> lost;
  for (int b = 0; b < 8; ++b) {
    lost.push_back(all[static_cast<std::size_t>(12 * b + (b % 8))]);
    lost.push_back(all[static_cast<std::size_t>(12 * b + ((b + 3) % 8))]);
  }
  std::vector<Datagram> arriving;
  for (const auto& d : all)
    if (std::find(lost.begin(), lost.end(), d) == lost.end()) arriving.push_back(d);
  // In send order (sources of a block before its repairs) exactly the lost ones are rebuilt.
  Outcome o = deliver(arriving, f, fec);
  std::sort(o.recovered.begin(), o.recovered.end());
  std::sort(lost.begin(), lost.end());
  EXPECT_EQ(o.recovered, lost);
  EXPECT_EQ(o.stats.recovered_blocks, 8u);
  EXPECT_EQ(o.stats.recovered_packets, 16u);
  // Shuffled within windows of two blocks: every lost one is still rebuilt.
  std::mt19937 rng(2);
  for (std::size_t w = 0; w + 24 <= arriving.size(); w += 20)
    std::shuffle(arriving.begin() + static_cast<std::ptrdiff_t>(w),
                 arriving.begin() + static_cast<std::ptrdiff_t>(w + 24), rng);
  o = deliver(arriving, f, fec);
  for (const auto& d : lost) EXPECT_NE(std::find(o.recovered.begin(), o.recovered.end(), d), o.recovered.end());
  EXPECT_EQ(o.stats.recovered_blocks, 8u);
  EXPECT_EQ(o.stats.unrecoverable_blocks, 0u);
}

TEST(FecTest, OlderEpochIsDroppedAndNewerEpochResets) {
  RtpStreamFormat f;
  const FecConfig fec{4, 2};
  const auto old_block = one_block(f, fec, 7);
  const auto new_block = one_block(f, fec, 8);
  FecDecoderConfig cfg;
  cfg.block = fec;
  FecDecoder decoder(cfg);
  // Epoch 8 first, its source 0 lost; then epoch 7 packets (stale) must not count towards it.
  for (int i = 1; i < 4; ++i)
    EXPECT_EQ(decoder.add(parsed(new_block[i], f), new_block[i].data(), new_block[i].size()), 0);
  for (const auto& d : old_block) EXPECT_EQ(decoder.add(parsed(d, f), d.data(), d.size()), 0);
  EXPECT_EQ(decoder.stats().stale, old_block.size());
  ASSERT_EQ(decoder.add(parsed(new_block[4], f), new_block[4].data(), new_block[4].size()), 1);
  EXPECT_EQ(Datagram(decoder.recovered_data(0), decoder.recovered_data(0) + decoder.recovered_size(0)), new_block[0]);
  // A newer epoch again (9) forgets epoch 8's packets.
  const auto newest = one_block(f, fec, 9);
  EXPECT_EQ(decoder.add(parsed(newest[4], f), newest[4].data(), newest[4].size()), 0);
  EXPECT_EQ(decoder.stats().resets, 1u);
}

TEST(FecTest, MalformedOrForeignRepairPacketsAreCountedAndIgnored) {
  RtpStreamFormat f;
  const FecConfig fec{4, 2};
  const auto block = one_block(f, fec);
  FecDecoderConfig cfg;
  cfg.block = FecConfig{4, 3};  // the receiver expects another shape
  FecDecoder other(cfg);
  other.add(parsed(block[4], f), block[4].data(), block[4].size());
  EXPECT_EQ(other.stats().shape_mismatch, 1u);

  cfg.block = fec;
  FecDecoder decoder(cfg);
  Datagram cut = block[4];
  cut.resize(cut.size() - 1);  // symbol one byte short
  decoder.add(parsed(cut, f), cut.data(), cut.size());
  EXPECT_EQ(decoder.stats().bad_repair, 1u);
  Datagram liar = block[5];
  liar[kRtpHeaderBytes + 9] ^= 1;  // source 0's length disagrees with block[4]'s
  decoder.add(parsed(block[4], f), block[4].data(), block[4].size());
  decoder.add(parsed(liar, f), liar.data(), liar.size());
  EXPECT_EQ(decoder.stats().bad_repair, 2u);
  EXPECT_EQ(decoder.stats().repair_packets, 1u);
}

TEST(FecRepairHeaderTest, RoundTripAndEveryError) {
  FecRepairHeader h;
  h.base_sequence = 0xFFF0;
  h.k = 3;
  h.m = 2;
  h.index = 1;
  h.symbol_bytes = 10;
  h.lengths[0] = 10;
  h.lengths[1] = 4;
  h.lengths[2] = 9;
  std::vector<std::uint8_t> b(fec_repair_header_bytes(3) + 10, 0xAB);
  ASSERT_EQ(write_fec_repair_header(h, b.data(), b.size()), 14u);
  EXPECT_EQ(write_fec_repair_header(h, b.data(), 13), 0u);
  FecRepairHeader g;
  const std::uint8_t* symbol = nullptr;
  ASSERT_EQ(parse_fec_repair(b.data(), b.size(), g, symbol), FecRepairError::none);
  EXPECT_EQ(g.base_sequence, 0xFFF0);
  EXPECT_EQ(g.k, 3);
  EXPECT_EQ(g.m, 2);
  EXPECT_EQ(g.index, 1);
  EXPECT_EQ(g.symbol_bytes, 10);
  EXPECT_EQ(g.lengths[1], 4);
  EXPECT_EQ(symbol, b.data() + 14);

  auto err = [&](std::vector<std::uint8_t> v) { return parse_fec_repair(v.data(), v.size(), g, symbol); };
  EXPECT_EQ(err({b.begin(), b.begin() + 7}), FecRepairError::truncated);
  EXPECT_EQ(err({b.begin(), b.begin() + 12}), FecRepairError::truncated);
  EXPECT_EQ(err({b.begin(), b.end() - 1}), FecRepairError::truncated);
  auto longer = b;
  longer.push_back(0);
  EXPECT_EQ(err(longer), FecRepairError::size_mismatch);
  auto k0 = b;
  k0[2] = 0;
  EXPECT_EQ(err(k0), FecRepairError::bad_shape);
  auto kbig = b;
  kbig[2] = kMaxFecSourcePackets + 1;
  EXPECT_EQ(err(kbig), FecRepairError::bad_shape);
  auto index = b;
  index[4] = 2;
  EXPECT_EQ(err(index), FecRepairError::bad_shape);
  auto symbol0 = b;
  symbol0[7] = 0;
  EXPECT_EQ(err(symbol0), FecRepairError::bad_lengths);
  auto len0 = b;
  len0[9] = 0;
  EXPECT_EQ(err(len0), FecRepairError::bad_lengths);
  auto len_big = b;
  len_big[11] = 11;
  EXPECT_EQ(err(len_big), FecRepairError::bad_lengths);
  for (int e = 0; e <= static_cast<int>(FecRepairError::size_mismatch); ++e)
    EXPECT_STRNE(to_string(static_cast<FecRepairError>(e)), "unknown");
}

TEST(FecEncoderTest, SequenceJumpAbandonsThePartialBlockAndOversizeIsRefused) {
  FecEncoderConfig cfg;
  cfg.block = FecConfig{3, 1};
  FecEncoder enc(cfg);
  std::vector<std::uint8_t> p(100, 1);
  RtpHeader h;
  h.sequence = 10;
  EXPECT_TRUE(enc.add_source(p.data(), p.size(), h));
  h.sequence = 12;  // 11 never came
  EXPECT_TRUE(enc.add_source(p.data(), p.size(), h));
  EXPECT_EQ(enc.abandoned_blocks(), 1u);
  h.sequence = 13;
  EXPECT_TRUE(enc.add_source(p.data(), p.size(), h));
  EXPECT_FALSE(enc.repairs_ready());
  h.sequence = 14;
  EXPECT_TRUE(enc.add_source(p.data(), p.size(), h));
  EXPECT_TRUE(enc.repairs_ready());
  EXPECT_EQ(enc.blocks(), 1u);
  std::vector<std::uint8_t> out(kMaxRtpPacketBytes);
  EXPECT_EQ(enc.write_repair(1, out.data(), out.size()), 0u) << "M = 1: index 1 does not exist";
  EXPECT_EQ(enc.write_repair(0, out.data(), 50), 0u);
  EXPECT_EQ(enc.write_repair(0, out.data(), out.size()), kRtpHeaderBytes + fec_repair_header_bytes(3) + 100);
  std::vector<std::uint8_t> big(max_fec_source_packet_bytes(3) + 1);
  EXPECT_FALSE(enc.add_source(big.data(), big.size(), h));
  EXPECT_FALSE(enc.add_source(big.data(), 0, h));
}

}  // namespace
}  // namespace crowdmesh::netaudio
