#include "structure/section_cues.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

StructTrack track(std::vector<Segment> segments) {
  StructTrack t;
  t.path = "a.mp3";
  t.bpm = 120;
  t.origin = "/s/a.json";
  t.segments = std::move(segments);
  t.downbeats = {0, 2, 4, 6, 8, 10, 12, 14, 16};
  return t;
}

TEST(SectionCuesTest, CountsSectionsFromTheEndOfTheLastIntro) {
  // Two intro segments: the original takes the end of the last one.
  auto t = track({{0, 4, "intro"}, {4, 8, "Intro"}, {8, 12, "verse"}, {12, 16, "chorus"}, {16, 20, "outro"}});
  EXPECT_EQ(ini_cue(t), 8.0);
  auto c1 = section_cues(t, 1);
  ASSERT_TRUE(c1) << error_sentence(c1.error());
  EXPECT_EQ(c1->ini, 8);
  EXPECT_EQ(c1->begin, 8);
  EXPECT_EQ(c1->end, 12);
  auto c3 = section_cues(t, 3);
  ASSERT_TRUE(c3);
  EXPECT_EQ(c3->begin, 16);
  EXPECT_EQ(c3->end, 20);
}

TEST(SectionCuesTest, NoIntroListsTheLabelsFound) {
  auto c = section_cues(track({{0, 4, "verse"}, {4, 8, "chorus"}, {8, 12, "verse"}}), 1);
  ASSERT_FALSE(c);
  EXPECT_HAS(error_sentence(c.error()), "/s/a.json: no \"intro\" segment");
  EXPECT_HAS(error_sentence(c.error()), "labels: \"verse\", \"chorus\")");
}

TEST(SectionCuesTest, FewerSectionsThanAskedSaysHowMany) {
  auto c = section_cues(track({{0, 4, "intro"}, {4, 8, "verse"}, {8, 12, "chorus"}}), 6);
  ASSERT_FALSE(c);
  EXPECT_HAS(error_sentence(c.error()), "2 sections after the intro, and section 6 was asked for");
  EXPECT_FALSE(section_cues(track({{0, 4, "intro"}}), 0));
}

TEST(SectionCuesTest, DownbeatsBetweenIsHalfOpen) {
  auto t = track({});
  EXPECT_EQ(downbeats_between(t, 4, 10), (std::vector<double>{4, 6, 8}));
}

}  // namespace
}  // namespace crowdmesh::structure
