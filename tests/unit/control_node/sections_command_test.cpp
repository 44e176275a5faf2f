#include "control_node/sections_command.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <pugixml.hpp>

#include "audio_files.hpp"
#include "control_node/request.hpp"

namespace crowdmesh::control {
namespace {

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

namespace fs = std::filesystem;

/// A folder with a 60 s click track at 120 BPM, its struct JSON (an 8 s intro
/// then six 8 s sections), and three bad JSONs.
class SectionsCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cm-sections-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "struct");
    fs::create_directories(dir_ / "audio");
    ASSERT_TRUE(test::write_click_track_wav((dir_ / "audio/click.wav").string(), 44100, 2, 60, 120));
    std::ostringstream beats, downbeats, segments;
    for (int i = 0; i < 120; ++i) beats << (i ? "," : "") << i * 0.5;
    for (int i = 0; i < 30; ++i) downbeats << (i ? "," : "") << i * 2.0;
    segments << R"({"start": 0, "end": 8, "label": "intro"})";
    for (int k = 0; k < 6; ++k)
      segments << R"(, {"start": )" << 8 + 8 * k << R"(, "end": )" << 16 + 8 * k << R"(, "label": ")"
               << (k % 2 ? "chorus" : "verse") << R"("})";
    std::ofstream(dir_ / "struct/click.json") << R"({"path": "/elsewhere/click.wav", "bpm": 120, "key": "Am", "beats": [)"
                                              << beats.str() << R"(], "downbeats": [)" << downbeats.str()
                                              << R"(], "segments": [)" << segments.str() << "]}";
    std::ofstream(dir_ / "struct/nan.json") << R"({"path": "a.wav", "bpm": 120, "beats": [NaN], "segments": []})";
    std::ofstream(dir_ / "struct/nointro.json")
        << R"({"path": "b.wav", "bpm": 121, "segments": [{"start": 0, "end": 4, "label": "verse"}]})";
    std::ofstream(dir_ / "struct/missing.json")
        << R"({"path": "/no/such.wav", "bpm": 119, "segments": [{"start": 0, "end": 4, "label": "intro"},
               {"start": 4, "end": 8, "label": "verse"}, {"start": 8, "end": 12, "label": "verse"},
               {"start": 12, "end": 16, "label": "verse"}, {"start": 16, "end": 20, "label": "verse"}]})";
    opt_.struct_dir = (dir_ / "struct").string();
    opt_.out_dir = (dir_ / "out").string();
    opt_.audio_dir = (dir_ / "audio").string();
    opt_.filter.bpm = 120;
    opt_.target_bpm = 126;
    opt_.n_sections = 4;
  }
  void TearDown() override { fs::remove_all(dir_); }

  int run() { return run_sections(opt_, out_, err_, stop_); }

  fs::path dir_;
  SectionsOptions opt_;
  std::ostringstream out_, err_;
  std::atomic<bool> stop_{false};
};

TEST_F(SectionsCommandTest, ExportsThePartTheCsvAndTheRekordboxXmlAndNamesEverySkip) {
  ASSERT_EQ(run(), kExitOk) << out_.str() << err_.str();
  // One line per bad file, naming it and the problem; the rest went on.
  EXPECT_HAS(err_.str(), "nan.json: byte");
  EXPECT_HAS(err_.str(), "nointro.json: no \"intro\" segment");
  EXPECT_HAS(err_.str(), "missing.json: audio file /no/such.wav not found");
  EXPECT_HAS(out_.str(), "1 parts exported, 3 skipped");
  std::ifstream csv(dir_ / "out/sections.csv");
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  EXPECT_HAS(row, "/elsewhere/click.wav,120,Am,126,1.05,8,32,40,22.857143,30.47619,0:32.00,0:30.48,");
  EXPECT_TRUE(fs::exists(dir_ / "out/click_sectioned.wav"));
  EXPECT_TRUE(fs::exists(dir_ / "out/orig/click_sectioned.wav"));
  const auto part = test::read_audio((dir_ / "out/click_sectioned.wav").string());
  EXPECT_NEAR(static_cast<double>(part.frames) / part.sample_rate_hz, 32.0 / 1.05, 0.001);
  pugi::xml_document xml;
  ASSERT_TRUE(xml.load_file((dir_ / "out/sections.xml").c_str()));
  const auto track = xml.child("DJ_PLAYLISTS").child("COLLECTION").child("TRACK");
  EXPECT_STREQ(track.attribute("AverageBpm").value(), "126.00");
  EXPECT_STREQ(track.child("TEMPO").attribute("Inizio").value(), "0.000");  // a downbeat at the intro's end
  int cues = 0;
  for (auto pm : track.children("POSITION_MARK")) {
    (void)pm;
    ++cues;
  }
  EXPECT_EQ(cues, 4);
}

TEST_F(SectionsCommandTest, UnwritableOutputFailsBeforeAnyRendering) {
  opt_.out_dir = "/proc/crowdmesh-cannot-write";
  EXPECT_EQ(run(), kExitUsage);
  EXPECT_HAS(err_.str(), "nothing rendered");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(SectionsCommandTest, FilterThatKeepsNothingExportsNothing) {
  opt_.filter.bpm = 90;
  EXPECT_EQ(run(), kExitErrorReply);
  EXPECT_HAS(out_.str(), "0 match the filter");
}

}  // namespace
}  // namespace crowdmesh::control
