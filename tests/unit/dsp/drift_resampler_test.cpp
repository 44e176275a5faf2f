#include "dsp/drift_resampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace crowdmesh::dsp {
namespace {

constexpr int kRate = 48000;

std::vector<float> noise(std::size_t frames, int channels, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(frames * static_cast<std::size_t>(channels));
  for (auto& x : v) x = d(rng);
  return v;
}

// Everything `in` yields at `ratio`, in one call.
std::vector<float> convert(DriftResampler& r, const std::vector<float>& in, double ratio) {
  const auto ch = static_cast<std::size_t>(r.channels());
  const std::size_t in_frames = in.size() / ch;
  std::vector<float> out((in_frames * 2 + 16) * ch);
  const auto res = r.process(in.data(), in_frames, out.data(), out.size() / ch, ratio);
  EXPECT_EQ(res.input_used, in_frames);
  out.resize(res.output_generated * ch);
  return out;
}

// The kernels this machine can run: portable always, avx2_fma where the CPU has it.
std::vector<DriftResampler::Kernel> kernels() {
  std::vector<DriftResampler::Kernel> k{DriftResampler::Kernel::portable};
  if (DriftResampler::avx2_fma_available()) k.push_back(DriftResampler::Kernel::avx2_fma);
  return k;
}

const char* name(DriftResampler::Kernel k) { return k == DriftResampler::Kernel::avx2_fma ? "avx2_fma" : "portable"; }

TEST(DriftResamplerTest, AtRatioOneTheOutputIsTheInputBitForBit) {
  for (const auto kernel : kernels()) {
    DriftResampler r(2, kernel);
    const auto in = noise(10000, 2, 1);
    const auto out = convert(r, in, 1.0);
    ASSERT_EQ(out.size(), in.size() - 2 * (DriftResampler::lookahead_frames() - 1));
    for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], in[i]) << name(kernel) << " sample " << i;
  }
}

TEST(DriftResamplerTest, BestKernelIsAvx2WhereTheCpuHasIt) {
  const DriftResampler r(2);
  EXPECT_EQ(r.kernel(), DriftResampler::avx2_fma_available() ? DriftResampler::Kernel::avx2_fma
                                                             : DriftResampler::Kernel::portable);
  if (!DriftResampler::avx2_fma_available()) {
    EXPECT_THROW(DriftResampler(2, DriftResampler::Kernel::avx2_fma), std::invalid_argument);
  }
}

TEST(DriftResamplerTest, Avx2KernelMatchesThePortableOne) {
  if (!DriftResampler::avx2_fma_available()) GTEST_SKIP() << "this CPU has no AVX2 and FMA (or is not x86-64)";
  // Full-scale noise at a drift ratio, the readers' tempo ratios and a rate
  // change: the two kernels differ by rounding only (fused multiply-add, lane
  // order), far below the filter's own error (−85 dB and more).
  for (const double ratio : {1.0 / (1.0 + 300e-6), 120.0 / 126.0, 126.0 / 120.0, 48000.0 / 44100.0}) {
    const auto in = noise(20000, 2, 9);
    DriftResampler portable(2, DriftResampler::Kernel::portable);
    DriftResampler avx2(2, DriftResampler::Kernel::avx2_fma);
    const auto a = convert(portable, in, ratio);
    const auto b = convert(avx2, in, ratio);
    ASSERT_EQ(a.size(), b.size()) << "ratio " << ratio;
    float worst = 0.0f;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    EXPECT_LT(worst, 1e-5f) << "ratio " << ratio << ": the kernels differ by " << worst << " at full scale";
  }
}

TEST(DriftResamplerTest, ChunkSizesDoNotChangeTheOutput) {
  const double ratio = 1.0 / (1.0 + 123.4e-6);
  const auto in = noise(30000, 2, 2);
  DriftResampler whole(2);
  const auto expected = convert(whole, in, ratio);

  DriftResampler pieces(2);
  std::mt19937 rng(3);
  std::uniform_int_distribution<std::size_t> size(1, 700);
  std::vector<float> got;
  std::vector<float> out(800 * 2);
  std::size_t next = 0;
  while (next < in.size() / 2) {
    const std::size_t give = std::min(size(rng), in.size() / 2 - next);
    const auto res = pieces.process(in.data() + next * 2, give, out.data(), size(rng), ratio);
    got.insert(got.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(res.output_generated * 2));
    next += res.input_used;
  }
  for (;;) {  // drain what the history still holds
    const auto res = pieces.process(nullptr, 0, out.data(), 700, ratio);
    if (res.output_generated == 0) break;
    got.insert(got.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(res.output_generated * 2));
  }
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expected[i]) << "sample " << i;
}

// Worst error (dB relative to the amplitude) of a sine resampled at `ppm`
// against the sine evaluated at each output's exact input position.
double sine_error_db(double hz, double ppm, DriftResampler::Kernel kernel) {
  const double step = 1.0 + ppm * 1e-6;
  const std::size_t frames = 20000;
  std::vector<float> in(frames);
  for (std::size_t n = 0; n < frames; ++n)
    in[n] = static_cast<float>(0.5 * std::sin(2.0 * M_PI * hz * static_cast<double>(n) / kRate));
  DriftResampler r(1, kernel);
  const auto out = convert(r, in, 1.0 / step);
  double worst = 0.0;
  for (std::size_t k = DriftResampler::kTaps; k < out.size(); ++k) {  // past the silence before input 0
    const double pos = static_cast<double>(k) * step;
    const double exact = 0.5 * std::sin(2.0 * M_PI * hz * pos / kRate);
    worst = std::max(worst, std::abs(out[k] - exact));
  }
  return 20.0 * std::log10(worst / 0.5);
}

TEST(DriftResamplerTest, SinesUpTo40PercentOfTheRateStayWithin85DbOfTheExactResultAt300Ppm) {
  for (const auto kernel : kernels()) {
    for (const double hz : {50.0, 1000.0, 5000.0, 10000.0, 15000.0, 19200.0}) {
      double worst = -400.0;
      for (const double ppm : {300.0, -300.0, 17.0}) {
        const double db = sine_error_db(hz, ppm, kernel);
        worst = std::max(worst, db);
        EXPECT_LT(db, -85.0) << name(kernel) << ": " << hz << " Hz at " << ppm << " ppm: worst error " << db << " dB";
      }
      std::printf("[ drift resampler ] %s, %.0f Hz: worst error %.1f dB\n", name(kernel), hz, worst);
    }
  }
}

TEST(DriftResamplerTest, FirstOutputNeedsHalfTheFilterOfInput) {
  DriftResampler r(2);
  const auto in = noise(DriftResampler::lookahead_frames(), 2, 4);
  float out[4] = {};
  auto res = r.process(in.data(), DriftResampler::lookahead_frames() - 1, out, 1, 1.0);
  EXPECT_EQ(res.output_generated, 0u);
  EXPECT_EQ(res.input_used, DriftResampler::lookahead_frames() - 1);
  res = r.process(in.data() + 2 * (DriftResampler::lookahead_frames() - 1), 1, out, 1, 1.0);
  EXPECT_EQ(res.output_generated, 1u);
  EXPECT_EQ(out[0], in[0]);
  EXPECT_EQ(out[1], in[1]);
}

TEST(DriftResamplerTest, ResetForgetsEverythingBefore) {
  const double ratio = 1.0 / (1.0 - 250e-6);
  const auto first = noise(5000, 2, 5);
  const auto second = noise(5000, 2, 6);
  DriftResampler used(2);
  convert(used, first, ratio);
  used.reset();
  DriftResampler fresh(2);
  EXPECT_EQ(convert(used, second, ratio), convert(fresh, second, ratio));
}

TEST(DriftResamplerTest, BadArgumentsAreRefusedAndChangeNothing) {
  EXPECT_THROW(DriftResampler(0), std::invalid_argument);
  EXPECT_THROW(DriftResampler(33), std::invalid_argument);
  DriftResampler r(2);
  const auto in = noise(1000, 2, 7);
  std::vector<float> out(2000);
  for (const double bad :
       {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    const auto res = r.process(in.data(), 1000, out.data(), 1000, bad);
    EXPECT_EQ(res.input_used, 0u);
    EXPECT_EQ(res.output_generated, 0u);
  }
  EXPECT_EQ(r.process(nullptr, 10, out.data(), 10, 1.0).input_used, 0u);
  DriftResampler fresh(2);
  EXPECT_EQ(convert(r, in, 1.0), convert(fresh, in, 1.0));
}

TEST(DriftResamplerTest, EveryInstanceSharesOneCoefficientTable) {
  const auto& table = DriftResampler::coefficient_table();
  ASSERT_EQ(table.size(), static_cast<std::size_t>(DriftResampler::kPhases + 1) * DriftResampler::kTaps);
  EXPECT_EQ(&DriftResampler::coefficient_table(), &table);
  // Row 0 is a unit impulse at tap kTaps / 2 − 1 (the input frame at the position).
  for (int j = 0; j < DriftResampler::kTaps; ++j)
    EXPECT_EQ(table[static_cast<std::size_t>(j)], j == DriftResampler::kTaps / 2 - 1 ? 1.0f : 0.0f) << "tap " << j;
}

TEST(DriftResamplerTest, InstancesBuiltOnSeveralThreadsAtOnceGiveTheSameOutput) {
  const double ratio = 1.0 / (1.0 + 200e-6);
  const auto in = noise(3000, 2, 8);
  std::vector<std::vector<float>> outs(4);
  std::vector<std::thread> threads;
  for (auto& out : outs)
    threads.emplace_back([&in, &out, ratio] {
      DriftResampler r(2);
      out = convert(r, in, ratio);
    });
  for (auto& t : threads) t.join();
  for (const auto& out : outs) EXPECT_EQ(out, outs.front());
}

}  // namespace
}  // namespace crowdmesh::dsp
