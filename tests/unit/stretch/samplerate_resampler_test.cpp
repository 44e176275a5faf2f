#include "stretch/samplerate_resampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/error.hpp"

namespace crowdmesh::stretch {
namespace {

TEST(SamplerateResamplerTest, OutputCountFollowsTheRatioAfterFlush) {
  auto r = SamplerateResampler::create(ResamplerQuality::sinc_fastest, 2, 2.0);
  ASSERT_TRUE(r) << error_sentence(r.error());
  std::vector<float> in(1000 * 2, 0.25f);
  std::vector<float> out(512 * 2);
  std::size_t offset = 0, produced = 0;
  for (;;) {
    const bool eoi = offset == 1000;
    auto res = (*r)->process(in.data() + offset * 2, 1000 - offset, out.data(), 512, eoi);
    ASSERT_TRUE(res);
    offset += res->input_used;
    produced += res->output_generated;
    if (eoi && res->output_generated == 0) break;
  }
  EXPECT_NEAR(static_cast<double>(produced), 2000.0, 2.0);
}

TEST(SamplerateResamplerTest, RatioOutsideLibsamplerateRangeIsValueOutOfRange) {
  auto r = SamplerateResampler::create(ResamplerQuality::linear, 1, 1000.0);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(r.error()).find("1/256..256"), std::string::npos);
}

TEST(SamplerateResamplerTest, SetRatioRejectsNanAndKeepsTheOldRatio) {
  auto r = SamplerateResampler::create(ResamplerQuality::linear, 1, 1.5);
  ASSERT_TRUE(r);
  auto s = (*r)->set_ratio(std::numeric_limits<double>::quiet_NaN());
  ASSERT_FALSE(s);
  EXPECT_EQ(error_code(s.error()), errc::value_out_of_range);
  EXPECT_EQ((*r)->ratio(), 1.5);
  ASSERT_TRUE((*r)->set_ratio(0.5));
  EXPECT_EQ((*r)->ratio(), 0.5);
}

TEST(SamplerateResamplerTest, ChannelCountOutsideOneToEightIsValueOutOfRange) {
  auto r = SamplerateResampler::create(ResamplerQuality::linear, 9, 1.0);
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
  EXPECT_NE(error_sentence(r.error()).find("9"), std::string::npos);
  EXPECT_NE(error_sentence(r.error()).find("1..8"), std::string::npos);
}

// A stereo test signal: two sines well below Nyquist (44.1 kHz).
std::vector<float> signal(std::size_t frames) {
  std::vector<float> v(frames * 2);
  for (std::size_t n = 0; n < frames; ++n) {
    const double t = static_cast<double>(n) / 44100.0;
    v[n * 2] = static_cast<float>(0.5 * std::sin(2 * M_PI * 440.0 * t) + 0.2 * std::sin(2 * M_PI * 3150.0 * t));
    v[n * 2 + 1] = static_cast<float>(0.4 * std::cos(2 * M_PI * 1234.5 * t));
  }
  return v;
}

// Feeds `in` (from frame *offset) until exactly `frames` more output frames
// were made (or, with frames = SIZE_MAX, until the flushed end), in blocks of
// 300 output frames; appends them to `out`.
void run(SamplerateResampler& r, const std::vector<float>& in, std::size_t& offset, std::size_t frames,
         std::vector<float>& out) {
  const std::size_t total = in.size() / 2;
  std::vector<float> block(300 * 2);
  std::size_t made = 0;
  while (made < frames) {
    const bool eoi = offset == total;
    const std::size_t cap = std::min<std::size_t>(300, frames - made);
    auto res = r.process(in.data() + offset * 2, total - offset, block.data(), cap, eoi);
    ASSERT_TRUE(res) << error_sentence(res.error());
    offset += res->input_used;
    made += res->output_generated;
    out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(res->output_generated * 2));
    if (eoi && res->output_generated == 0) break;
  }
}

TEST(SamplerateResamplerTest, RatioOneCopiesTheInputBitForBit) {
  auto r = SamplerateResampler::create(ResamplerQuality::sinc_medium, 2, 1.0);
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)->passthrough());
  const auto in = signal(10'000);
  std::vector<float> out;
  std::size_t offset = 0;
  run(**r, in, offset, SIZE_MAX, out);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(out, in);
}

TEST(SamplerateResamplerTest, LeavingPassthroughMatchesAConverterThatRanThroughout) {
  for (const auto q : {ResamplerQuality::sinc_fastest, ResamplerQuality::sinc_medium, ResamplerQuality::sinc_best}) {
    for (const double ratio : {0.8, 1.7}) {
      const auto in = signal(20'000);
      auto bypass = SamplerateResampler::create(q, 2, 1.0);
      auto always = SamplerateResampler::create(q, 2, 2.0);  // not created at 1: libsamplerate from frame 0
      ASSERT_TRUE(bypass && always);
      ASSERT_TRUE((*always)->set_ratio(1.0));
      ASSERT_FALSE((*always)->passthrough());
      std::vector<float> a, b;
      std::size_t oa = 0, ob = 0;
      run(**always, in, oa, 5'000, a);
      run(**bypass, in, ob, 5'000, b);
      ASSERT_TRUE((*always)->set_ratio(ratio));
      ASSERT_TRUE((*bypass)->set_ratio(ratio));
      EXPECT_FALSE((*bypass)->passthrough());
      run(**always, in, oa, SIZE_MAX, a);
      run(**bypass, in, ob, SIZE_MAX, b);
      ASSERT_EQ(a.size(), b.size()) << to_string(q) << " at " << ratio;
      // Before the hand-over: the file itself against libsamplerate at ratio 1
      // (after the filter's ringing on the signal's abrupt start).
      double before = 0.0, after = 0.0;
      for (std::size_t i = 500 * 2; i < 5'000 * 2; ++i) before = std::max(before, double(std::fabs(a[i] - b[i])));
      // After it: the same converter on the same history, so the same samples.
      for (std::size_t i = 5'000 * 2; i < a.size(); ++i) after = std::max(after, double(std::fabs(a[i] - b[i])));
      EXPECT_LT(before, 1e-3) << to_string(q) << " at " << ratio;
      EXPECT_LT(after, 1e-5) << to_string(q) << " at " << ratio;
    }
  }
}

TEST(SamplerateResamplerTest, LinearConverterNeverPassesThroughItsOneFrameLagWouldRepeatAFrame) {
  auto r = SamplerateResampler::create(ResamplerQuality::linear, 2, 1.0);
  ASSERT_TRUE(r);
  EXPECT_FALSE((*r)->passthrough());
  (*r)->reset();
  EXPECT_FALSE((*r)->passthrough());
}

TEST(SamplerateResamplerTest, RatioBackToOneKeepsConvertingUntilReset) {
  auto r = SamplerateResampler::create(ResamplerQuality::sinc_fastest, 2, 1.0);
  ASSERT_TRUE(r);
  ASSERT_TRUE((*r)->set_ratio(1.0));
  EXPECT_TRUE((*r)->passthrough()) << "ratio 1 again: nothing to hand over";
  ASSERT_TRUE((*r)->set_ratio(1.25));
  ASSERT_TRUE((*r)->set_ratio(1.0));
  EXPECT_FALSE((*r)->passthrough());
  (*r)->reset();
  EXPECT_TRUE((*r)->passthrough());
}

}  // namespace
}  // namespace crowdmesh::stretch
