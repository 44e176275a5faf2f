#include "netaudio/reed_solomon_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <random>
#include <vector>

namespace crowdmesh::netaudio {
namespace {

struct Symbols {
  Symbols(int k, int m, std::size_t bytes, unsigned seed) : data(static_cast<std::size_t>(k + m)) {
    std::mt19937 rng(seed);
    for (auto& s : data) {
      s.resize(bytes);
      for (auto& b : s) b = static_cast<std::uint8_t>(rng());
    }
    for (int i = 0; i < k + m; ++i) {
      if (i < k)
        src.push_back(data[i].data());
      else
        rep.push_back(data[i].data());
    }
  }
  std::vector<std::vector<std::uint8_t>> data;
  std::vector<const std::uint8_t*> src;
  std::vector<std::uint8_t*> rep;
};

// Every erasure pattern of at most M symbols out of K + M, for small codes.
void check_every_pattern(int k, int m, std::size_t bytes) {
  ReedSolomonCodec codec(k, m);
  Symbols s(k, m, bytes, static_cast<unsigned>(k * 100 + m));
  codec.encode(bytes, s.src.data(), s.rep.data());
  const int n = k + m;
  int patterns = 0;
  for (std::uint32_t lost = 0; lost < (1u << n); ++lost) {
    if (__builtin_popcount(lost) > m) continue;
    std::vector<int> present_index, wanted_index;
    std::vector<const std::uint8_t*> present;
    for (int i = 0; i < n && static_cast<int>(present_index.size()) < k; ++i) {
      if (lost >> i & 1) continue;
      present_index.push_back(i);
      present.push_back(s.data[i].data());
    }
    ASSERT_EQ(static_cast<int>(present_index.size()), k);
    for (int i = 0; i < k; ++i)
      if (lost >> i & 1) wanted_index.push_back(i);
    std::vector<std::vector<std::uint8_t>> out(wanted_index.size(), std::vector<std::uint8_t>(bytes, 0xEE));
    std::vector<std::uint8_t*> out_ptrs;
    for (auto& o : out) out_ptrs.push_back(o.data());
    ASSERT_TRUE(codec.decode(bytes, present_index.data(), present.data(), static_cast<int>(wanted_index.size()),
                             wanted_index.data(), out_ptrs.data()))
        << "pattern " << lost;
    for (std::size_t w = 0; w < wanted_index.size(); ++w)
      ASSERT_EQ(out[w], s.data[wanted_index[w]])
          << "K=" << k << " M=" << m << " pattern " << lost << " source " << wanted_index[w];
    ++patterns;
  }
  EXPECT_GT(patterns, 0);
}

TEST(ReedSolomonCodecTest, RecoversEveryPatternOfUpToMErasures) {
  check_every_pattern(1, 1, 17);
  check_every_pattern(4, 3, 100);
  check_every_pattern(6, 4, 33);
  check_every_pattern(8, 4, 64);
}

TEST(ReedSolomonCodecTest, RecoversRandomPatternsOfTheDefaultShape) {
  const int k = 24, m = 24;
  const std::size_t bytes = 604;
  ReedSolomonCodec codec(k, m);
  Symbols s(k, m, bytes, 1);
  codec.encode(bytes, s.src.data(), s.rep.data());
  std::mt19937 rng(3);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<int> order(k + m);
    for (int i = 0; i < k + m; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<int> present_index(order.begin(), order.begin() + k);  // the other M are lost
    std::vector<const std::uint8_t*> present;
    for (int i : present_index) present.push_back(s.data[i].data());
    std::vector<int> wanted;
    for (int i = 0; i < k; ++i)
      if (std::find(present_index.begin(), present_index.end(), i) == present_index.end()) wanted.push_back(i);
    std::vector<std::vector<std::uint8_t>> out(wanted.size(), std::vector<std::uint8_t>(bytes));
    std::vector<std::uint8_t*> ptrs;
    for (auto& o : out) ptrs.push_back(o.data());
    ASSERT_TRUE(codec.decode(bytes, present_index.data(), present.data(), static_cast<int>(wanted.size()),
                             wanted.data(), ptrs.data()));
    for (std::size_t w = 0; w < wanted.size(); ++w) ASSERT_EQ(out[w], s.data[wanted[w]]);
  }
}

TEST(ReedSolomonCodecTest, DecodeRefusesDuplicateOrOutOfRangeIndexes) {
  ReedSolomonCodec codec(3, 2);
  Symbols s(3, 2, 8, 5);
  codec.encode(8, s.src.data(), s.rep.data());
  const std::uint8_t* present[] = {s.data[0].data(), s.data[0].data(), s.data[3].data()};
  std::vector<std::uint8_t> out(8, 0x55);
  std::uint8_t* outs[] = {out.data()};
  const int wanted[] = {1};
  const int dup[] = {0, 0, 3};
  EXPECT_FALSE(codec.decode(8, dup, present, 1, wanted, outs));
  const int range[] = {0, 5, 3};
  EXPECT_FALSE(codec.decode(8, range, present, 1, wanted, outs));
  const int bad_wanted[] = {3};
  const int ok[] = {0, 2, 3};
  EXPECT_FALSE(codec.decode(8, ok, present, 1, bad_wanted, outs));
  EXPECT_EQ(out, std::vector<std::uint8_t>(8, 0x55)) << "nothing written on refusal";
}

}  // namespace
}  // namespace crowdmesh::netaudio
