// Proves PlayoutStage's per-period calls never allocate: malloc/new are
// interposed (rt_alloc_counter) and every call made inside rt::RtContextScope is
// counted. Covers the steady loop, realigns (drop and insert), a huge initial
// alignment, stale and invalid observations, and both converters.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#include "device/playout_stage.hpp"
#include "rt/rt_context.hpp"
#include "rt_alloc_counter.hpp"

namespace crowdmesh::device {
namespace {

constexpr int kRate = 48000;
constexpr std::size_t kPeriod = 256;

class PlayoutAllocationTest : public ::testing::TestWithParam<PlayoutConverter> {
 protected:
  void SetUp() override {
    if (!test::rt_alloc_counter_active()) GTEST_SKIP() << "malloc interposer is off under sanitizers";
    test::reset_rt_allocations();
  }
};

TEST_P(PlayoutAllocationTest, HookCountsAllocationInsideRtScope) {
  void* (*volatile do_malloc)(std::size_t) = &std::malloc;
  void (*volatile do_free)(void*) = &std::free;
  {
    rt::RtContextScope scope;
    do_free(do_malloc(64));
  }
  EXPECT_GE(test::rt_allocations(), 2u);
}

TEST_P(PlayoutAllocationTest, PushPullObserveNeverAllocate) {
  PlayoutStage::Config cfg;
  cfg.channels = 2;
  cfg.rate_hz = kRate;
  cfg.first_mesh_frame = 48000LL * 86400;
  cfg.converter = GetParam();
  cfg.max_frames_per_call = 1024;
  PlayoutStage stage(cfg);  // allocates: outside the scope
  std::vector<float> in(2048 * 2, 0.1f), out(kPeriod * 2);
  const double t0 = static_cast<double>(PlayoutStage::pts_ns(cfg.first_mesh_frame, kRate));
  std::uint64_t pulled = 0;
  std::size_t short_pulls = 0;
  {
    rt::RtContextScope scope;
    auto period = [&] {
      std::size_t want = stage.input_frames_wanted(kPeriod);
      while (want > 0) {
        const std::size_t n = std::min<std::size_t>(want, 2048);
        if (!stage.push(in.data(), n)) break;
        want -= n;
      }
      const auto got = stage.pull(out.data(), kPeriod);
      if (got != kPeriod) ++short_pulls;
      pulled += got;
    };
    for (int k = 0; k < 4; ++k) period();
    // 30 s of a card 120 ppm fast that starts 0.8 s late (a 38400-frame initial
    // drop), with a +5 ms and a −5 ms jump (two realigns and their stale frames).
    for (std::uint64_t k = 0; k < 30 * kRate / kPeriod; ++k) {
      const std::uint64_t j = k * kPeriod;
      double d = t0 + 0.8e9 + static_cast<double>(j) * 1e9 / (kRate * (1.0 + 120e-6));
      if (j > 10 * kRate) d += 5e6;
      if (j > 20 * kRate) d -= 10e6;
      stage.observe(j, static_cast<std::int64_t>(std::llround(d)));
      stage.observe(j, 0);  // repeated: invalid
      (void)stage.position_of(j);
      (void)stage.stats();
      period();
    }
    stage.observe(pulled + 100, 0);  // not pulled yet: invalid
    stage.set_correction_ppm(-50.0);
    period();
  }
  EXPECT_EQ(test::rt_allocations(), 0u);
  const auto st = stage.stats();
  EXPECT_EQ(st.initial_alignments, 1u);
  EXPECT_EQ(st.realigns, 2u);
  EXPECT_GT(st.stale_observations, 0u);
  EXPECT_GT(st.invalid_observations, 0u);
  EXPECT_EQ(short_pulls, 0u);
}

INSTANTIATE_TEST_SUITE_P(Converters, PlayoutAllocationTest,
                         ::testing::Values(PlayoutConverter::sinc_fastest, PlayoutConverter::linear),
                         [](const auto& info) {
                           return info.param == PlayoutConverter::linear ? "Linear" : "SincFastest";
                         });

}  // namespace
}  // namespace crowdmesh::device
