#include "structure/rekordbox_xml.hpp"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// As Rekordbox 6 exports it (trimmed).
const std::string kCollection = R"(<?xml version="1.0" encoding="UTF-8"?>
<DJ_PLAYLISTS Version="1.0.0">
  <PRODUCT Name="rekordbox" Version="6.7.4" Company="AlphaTheta"/>
  <COLLECTION Entries="2">
    <TRACK TrackID="11" Name="Frontiers" Artist="ASC" Kind="MP3 File" TotalTime="245" AverageBpm="121.50"
           Tonality="Gm" Location="file://localhost/srv/music/My%20Set/frontiers.mp3">
      <TEMPO Inizio="0.052" Bpm="121.50" Metro="4/4" Battito="1"/>
      <POSITION_MARK Name="drop" Type="0" Start="60.300" Num="-1"/>
    </TRACK>
    <TRACK TrackID="12" Name="Machine Wars" TotalTime="300" AverageBpm="0.00" Tonality="8A"
           Location="file://localhost/srv/music/machine_wars.mp3"/>
  </COLLECTION>
</DJ_PLAYLISTS>
)";

TEST(RekordboxXmlTest, ReadsTracksGridsAndCues) {
  auto c = parse_rekordbox_xml(kCollection, "/tmp/rb.xml");
  ASSERT_TRUE(c) << error_sentence(c.error());
  ASSERT_EQ(c->size(), 2u);
  const auto& f = (*c)[0];
  EXPECT_EQ(f.track_id, 11);
  EXPECT_EQ(f.path, "/srv/music/My Set/frontiers.mp3");
  EXPECT_DOUBLE_EQ(f.average_bpm, 121.5);
  EXPECT_EQ(f.tonality, "Gm");
  EXPECT_EQ(f.total_time, 245);
  ASSERT_EQ(f.tempos.size(), 1u);
  EXPECT_DOUBLE_EQ(f.tempos[0].start, 0.052);
  EXPECT_EQ(f.tempos[0].meter, "4/4");
  ASSERT_EQ(f.cues.size(), 1u);
  EXPECT_EQ(f.cues[0].name, "drop");
  EXPECT_EQ(f.cues[0].num, -1);
}

TEST(RekordboxXmlTest, BpmAndKeyOverrideTheStructsAsTheOriginalDid) {
  auto c = parse_rekordbox_xml(kCollection, "/tmp/rb.xml");
  ASSERT_TRUE(c);
  std::vector<StructTrack> tracks(2);
  tracks[0].path = "/SRV/music/My Set/frontiers.mp3";  // paths compare case-insensitively
  tracks[0].bpm = 120;
  tracks[1].path = "/srv/music/machine_wars.mp3";
  tracks[1].bpm = 124;
  EXPECT_EQ(apply_rekordbox(tracks, *c), 1u);
  EXPECT_DOUBLE_EQ(tracks[0].bpm, 121.5);   // Location matches the path
  EXPECT_EQ(tracks[0].key, "Gm");           // Name "Frontiers" appears in the path
  EXPECT_DOUBLE_EQ(tracks[1].bpm, 124);     // AverageBpm 0 does not override
  EXPECT_EQ(tracks[1].key, "");             // "Machine Wars" is not in "machine_wars.mp3"
}

TEST(RekordboxXmlTest, BadInputIsNamed) {
  auto notxml = parse_rekordbox_xml("<DJ_PLAYLISTS><COLLECTION>", "/tmp/x.xml");
  ASSERT_FALSE(notxml);
  EXPECT_HAS(error_sentence(notxml.error()), "/tmp/x.xml: not XML");
  auto other = parse_rekordbox_xml("<rss/>", "/tmp/x.xml");
  ASSERT_FALSE(other);
  EXPECT_HAS(error_sentence(other.error()), "no DJ_PLAYLISTS root");
  auto bpm = parse_rekordbox_xml(R"(<DJ_PLAYLISTS><COLLECTION><TRACK TrackID="3" Name="x" AverageBpm="fast"/></COLLECTION></DJ_PLAYLISTS>)",
                                 "/tmp/x.xml");
  ASSERT_FALSE(bpm);
  EXPECT_HAS(error_sentence(bpm.error()), "TRACK 3 (x): TRACK AverageBpm=\"fast\" is not a number");
  EXPECT_EQ(error_code(read_rekordbox_xml("/nonexistent/rb.xml").error()), errc::file_not_found);
}

TEST(RekordboxXmlTest, WrittenCollectionUsesTheDocumentedNamesAndReadsBack) {
  RekordboxTrack t;
  t.track_id = 1;
  t.name = "frontiers (sections 1-6)";
  t.path = "/srv/parts/frontiers #1_sectioned.wav";
  t.average_bpm = 126;
  t.tonality = "Gm";
  t.total_time = 93;
  t.tempos = {{0.25, 126, "4/4", 1}};
  t.cues = {{"section 1", 0.25, -1}, {"section 2", 15.488, -1}};
  const std::string xml = write_rekordbox_xml({t});
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  const auto tr = doc.child("DJ_PLAYLISTS").child("COLLECTION").child("TRACK");
  EXPECT_STREQ(doc.child("DJ_PLAYLISTS").attribute("Version").value(), "1.0.0");
  EXPECT_STREQ(doc.child("DJ_PLAYLISTS").child("COLLECTION").attribute("Entries").value(), "1");
  EXPECT_STREQ(tr.attribute("Location").value(), "file://localhost/srv/parts/frontiers%20%231_sectioned.wav");
  EXPECT_STREQ(tr.child("TEMPO").attribute("Bpm").value(), "126.00");
  EXPECT_STREQ(tr.child("TEMPO").attribute("Metro").value(), "4/4");
  EXPECT_STREQ(tr.child("POSITION_MARK").attribute("Type").value(), "0");
  EXPECT_STREQ(tr.child("POSITION_MARK").attribute("Num").value(), "-1");
  auto back = parse_rekordbox_xml(xml, "written");
  ASSERT_TRUE(back) << error_sentence(back.error());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].path, t.path);
  ASSERT_EQ((*back)[0].cues.size(), 2u);
  EXPECT_DOUBLE_EQ((*back)[0].cues[1].start, 15.488);
}

}  // namespace
}  // namespace crowdmesh::structure
