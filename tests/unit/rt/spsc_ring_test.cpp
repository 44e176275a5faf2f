#include "rt/spsc_ring.hpp"

#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace crowdmesh::rt {
namespace {

std::vector<float> ramp(std::size_t frames, int channels, float start) {
  std::vector<float> v(frames * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return v;
}

TEST(SpscRingTest, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(SpscRing(1000, 2).capacity(), 1024u);
  EXPECT_EQ(SpscRing(1024, 2).capacity(), 1024u);
  EXPECT_EQ(SpscRing(1025, 1).capacity(), 2048u);
  EXPECT_EQ(SpscRing(0, 1).capacity(), 2u);
  EXPECT_EQ(SpscRing(3, 4).channels(), 4);
}

TEST(SpscRingTest, RejectsZeroChannels) { EXPECT_THROW(SpscRing(16, 0), std::invalid_argument); }

TEST(SpscRingTest, WriteRefusesWhenFullAndLeavesContentsIntact) {
  SpscRing ring(8, 2);
  const auto a = ramp(6, 2, 0.0f);
  ASSERT_TRUE(ring.write(a.data(), 6));
  const auto b = ramp(3, 2, 100.0f);
  EXPECT_FALSE(ring.write(b.data(), 3));  // only 2 free: all or nothing
  EXPECT_FALSE(ring.write_silence(3));
  EXPECT_EQ(ring.read_available(), 6u);
  EXPECT_EQ(ring.producer_position(), 6u);
  std::vector<float> got(12);
  ASSERT_EQ(ring.read(got.data(), 6), 6u);
  EXPECT_EQ(got, a);
}

TEST(SpscRingTest, WrapAroundKeepsOrder) {
  SpscRing ring(8, 2);
  std::vector<float> sink(16);
  const auto first = ramp(6, 2, 0.0f);
  ASSERT_TRUE(ring.write(first.data(), 6));
  ASSERT_EQ(ring.read(sink.data(), 6), 6u);
  // Next write starts at frame 6 of 8 and wraps: two-region copy.
  const auto second = ramp(7, 2, 1000.0f);
  ASSERT_TRUE(ring.write(second.data(), 7));
  std::vector<float> got(14);
  ASSERT_EQ(ring.read(got.data(), 7), 7u);
  EXPECT_EQ(got, second);
}

TEST(SpscRingTest, ReadReturnsOnlyWhatIsAvailable) {
  SpscRing ring(8, 1);
  const auto a = ramp(3, 1, 5.0f);
  ASSERT_TRUE(ring.write(a.data(), 3));
  std::vector<float> got(8, -1.0f);
  EXPECT_EQ(ring.read(got.data(), 8), 3u);
  EXPECT_EQ(got[2], 7.0f);
  EXPECT_EQ(got[3], -1.0f);
  EXPECT_EQ(ring.read(got.data(), 8), 0u);
}

TEST(SpscRingTest, DiscardDropsFramesAndAdvancesConsumer) {
  SpscRing ring(8, 1);
  const auto a = ramp(5, 1, 0.0f);
  ASSERT_TRUE(ring.write(a.data(), 5));
  EXPECT_EQ(ring.discard(3), 3u);
  EXPECT_EQ(ring.consumer_position(), 3u);
  float x[2];
  ASSERT_EQ(ring.read(x, 2), 2u);
  EXPECT_EQ(x[0], 3.0f);
  EXPECT_EQ(x[1], 4.0f);
  EXPECT_EQ(ring.discard(10), 0u);
}

TEST(SpscRingTest, WriteSilenceWritesZeros) {
  SpscRing ring(4, 2);
  const auto a = ramp(4, 2, 1.0f);
  ASSERT_TRUE(ring.write(a.data(), 4));
  std::vector<float> got(8);
  ring.read(got.data(), 4);
  ASSERT_TRUE(ring.write_silence(3));  // wraps over old non-zero data
  ASSERT_EQ(ring.read(got.data(), 3), 3u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], 0.0f);
}

TEST(SpscRingTest, TwoThreadStressDeliversEverySampleInOrder) {
  constexpr int kChannels = 2;
  constexpr std::uint64_t kTotalSamples = 10'000'000;  // < 2^24: exact as float
  constexpr std::uint64_t kTotalFrames = kTotalSamples / kChannels;
  SpscRing ring(1000, kChannels);

  std::uint64_t producer_sum = 0;
  std::thread producer([&] {
    std::mt19937 rng(1);
    std::uniform_int_distribution<std::size_t> size(1, 700);
    std::vector<float> chunk(700 * kChannels);
    std::uint64_t next = 0;  // sample counter
    while (next < kTotalSamples) {
      const std::size_t frames = std::min<std::uint64_t>(size(rng), (kTotalSamples - next) / kChannels);
      for (std::size_t i = 0; i < frames * kChannels; ++i) chunk[i] = static_cast<float>(next + i);
      while (!ring.write(chunk.data(), frames)) std::this_thread::yield();
      for (std::size_t i = 0; i < frames * kChannels; ++i) producer_sum += next + i;
      next += frames * kChannels;
    }
  });

  std::mt19937 rng(2);
  std::uniform_int_distribution<std::size_t> size(1, 900);
  std::vector<float> chunk(900 * kChannels);
  std::uint64_t expected = 0, consumer_sum = 0, mismatches = 0;
  while (expected < kTotalSamples) {
    const std::size_t got = ring.read(chunk.data(), size(rng));
    if (got == 0) {
      std::this_thread::yield();
      continue;
    }
    for (std::size_t i = 0; i < got * kChannels; ++i) {
      const auto v = static_cast<std::uint64_t>(chunk[i]);
      if (v != expected) ++mismatches;
      consumer_sum += v;
      ++expected;
    }
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(consumer_sum, producer_sum);
  EXPECT_EQ(ring.consumer_position(), kTotalFrames);
  EXPECT_EQ(ring.producer_position(), kTotalFrames);
  EXPECT_EQ(ring.read_available(), 0u);
}

}  // namespace
}  // namespace crowdmesh::rt
