#include "structure/section_set.hpp"

#include <gtest/gtest.h>

namespace crowdmesh::structure {
namespace {

TEST(SectionSetTest, RowFollowsTheOriginalsFormulas) {
  StructTrack t;
  t.path = "/m/a.mp3";
  t.bpm = 120;
  t.key = "Gm";
  const SectionRow r = make_row(t, SectionCues{8, 24, 40}, 126);
  EXPECT_DOUBLE_EQ(r.speed, 1.05);
  EXPECT_DOUBLE_EQ(r.begin_cue_adj, 16 / 1.05);
  EXPECT_DOUBLE_EQ(r.end_cue_adj, 32 / 1.05);
  EXPECT_DOUBLE_EQ(r.duration_orig, 32);
}

TEST(SectionSetTest, DurationsAreMinutesAndHundredths) {
  EXPECT_EQ(format_mmss(75.5), "1:15.50");
  EXPECT_EQ(format_mmss(59.999), "1:00.00");
  EXPECT_EQ(format_mmss(5.25), "0:05.25");
  EXPECT_EQ(format_mmss(-3), "0:00.00");
}

TEST(SectionSetTest, CsvHasTheOriginalsColumnsAndQuotes) {
  SectionRow r;
  r.path = "/m/Hello, World.mp3";
  r.bpm = 120;
  r.target_bpm = 126;
  r.speed = 1.05;
  r.duration_orig = 32;
  r.duration_sectioned = 30.476190;
  r.part_file = "/out/Hello, World_sectioned.wav";
  const std::string csv = sections_csv({r});
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "path,bpm,key,target_bpm,speed,ini_cue,begin_cue,end_cue,begin_cue_adj,end_cue_adj,duration_orig,"
            "duration_sectioned,part_file_orig,part_file");
  EXPECT_NE(csv.find("\"/m/Hello, World.mp3\",120,,126,1.05,0,0,0,0,0,0:32.00,0:30.48,,\"/out/Hello, World_sectioned.wav\""),
            std::string::npos)
      << csv;
}

}  // namespace
}  // namespace crowdmesh::structure
