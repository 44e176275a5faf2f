#include "stretch/resampler_quality.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::stretch {
namespace {

TEST(ResamplerQualityTest, EveryNameRoundTrips) {
  for (auto q : {ResamplerQuality::sinc_best, ResamplerQuality::sinc_medium, ResamplerQuality::sinc_fastest,
                 ResamplerQuality::zero_order_hold, ResamplerQuality::linear, ResamplerQuality::polyphase}) {
    auto parsed = parse_resampler_quality(to_string(q));
    ASSERT_TRUE(parsed) << to_string(q);
    EXPECT_EQ(*parsed, q);
  }
}

TEST(ResamplerQualityTest, UnknownNameErrorListsAllowedValues) {
  auto parsed = parse_resampler_quality("sinc_ultra");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(error_code(parsed.error()), errc::value_out_of_range);
  const std::string s = error_sentence(parsed.error());
  EXPECT_NE(s.find("sinc_ultra"), std::string::npos) << s;
  for (const char* name : {"sinc_best", "sinc_medium", "sinc_fastest", "zero_order_hold", "linear", "polyphase"})
    EXPECT_NE(s.find(name), std::string::npos) << s;
}

}  // namespace
}  // namespace crowdmesh::stretch
