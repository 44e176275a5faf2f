#include "stretch/stretch_method.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::stretch {
namespace {

TEST(StretchMethodTest, ParsesBothNames) {
  auto a = parse_stretch_method("playback_rate");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, StretchMethod::playback_rate);
  auto b = parse_stretch_method("soundtouch");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, StretchMethod::soundtouch);
}

TEST(StretchMethodTest, ToStringRoundTrips) {
  for (auto m : {StretchMethod::playback_rate, StretchMethod::soundtouch}) {
    auto parsed = parse_stretch_method(to_string(m));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, m);
  }
}

TEST(StretchMethodTest, UnknownNameIsRejectedWithBothAllowedValues) {
  for (const char* bad : {"", "SoundTouch", "rubberband", "playback-rate"}) {
    auto r = parse_stretch_method(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(error_code(r.error()), errc::value_out_of_range);
    const auto sentence = error_sentence(r.error());
    EXPECT_NE(sentence.find(std::string("\"") + bad + "\""), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("playback_rate"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("soundtouch"), std::string::npos) << sentence;
  }
}

}  // namespace
}  // namespace crowdmesh::stretch
