#include "stretch/samplerate_resampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
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

}  // namespace
}  // namespace crowdmesh::stretch
