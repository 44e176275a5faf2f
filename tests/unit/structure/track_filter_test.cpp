#include "structure/track_filter.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

StructTrack t(const std::string& path, double bpm, const std::string& key) {
  StructTrack s;
  s.path = path;
  s.bpm = bpm;
  s.key = key;
  return s;
}

const std::vector<StructTrack> kTracks{t("c.mp3", 124, "Gm"), t("a.mp3", 120, "Cm"), t("b.mp3", 118, "gm"),
                                       t("d.mp3", 128, "")};

std::vector<std::string> paths(const std::vector<StructTrack>& ts) {
  std::vector<std::string> out;
  for (const auto& x : ts) out.push_back(x.path);
  return out;
}

TEST(TrackFilterTest, CentreAndDeltaIsInclusiveAndSortedByPath) {
  TrackFilter f;
  f.bpm = 120;
  f.delta = 2;
  EXPECT_EQ(paths(select_tracks(kTracks, f)), (std::vector<std::string>{"a.mp3", "b.mp3"}));
}

TEST(TrackFilterTest, MinMaxWinsOverCentreAndAMissingSideIsOpen) {
  TrackFilter f;
  f.bpm = 120;
  f.bpm_min = 124;
  EXPECT_EQ(paths(select_tracks(kTracks, f)), (std::vector<std::string>{"c.mp3", "d.mp3"}));
}

TEST(TrackFilterTest, KeysMatchAnyCaseInsensitively) {
  TrackFilter f;
  f.keys = parse_key_list(" Gm , ,Am");
  EXPECT_EQ(f.keys, (std::vector<std::string>{"Gm", "Am"}));
  EXPECT_EQ(paths(select_tracks(kTracks, f)), (std::vector<std::string>{"b.mp3", "c.mp3"}));
}

TEST(TrackFilterTest, BadValuesNameTheOptionAndRange) {
  TrackFilter f;
  f.bpm = -5;
  EXPECT_NE(error_sentence(validate(f).error()).find("--bpm -5 is out of range"), std::string::npos);
  f = {};
  f.bpm_min = 130;
  f.bpm_max = 120;
  EXPECT_NE(error_sentence(validate(f).error()).find("--bpm-min 130 is above --bpm-max 120"), std::string::npos);
  f = {};
  f.delta = -1;
  EXPECT_FALSE(validate(f));
  EXPECT_TRUE(validate(TrackFilter{}));
}

}  // namespace
}  // namespace crowdmesh::structure
