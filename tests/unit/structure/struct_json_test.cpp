#include "structure/struct_json.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace crowdmesh::structure {
namespace {

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

const std::string kOrigin = "/music/struct/frontiers.json";

// The shape all-in-one writes (fields we do not use included).
const std::string kGood = R"({
  "path": "/music/frontiers.mp3", "bpm": 120, "key": "Gm",
  "beats": [0.5, 1.0, 1.5, 2.0, 2.5], "downbeats": [0.5, 2.5], "beat_positions": [1, 2, 3, 4, 1],
  "segments": [{"start": 0.0, "end": 8.0, "label": "intro"}, {"start": 8.0, "end": 24.0, "label": "verse"}],
  "activations": {"beat": []}, "embeddings": null
})";

std::string error_of(const std::string& text) {
  auto t = parse_struct_json(text, kOrigin);
  EXPECT_FALSE(t) << "parsed: " << text;
  return t ? std::string() : error_sentence(t.error());
}

TEST(StructJsonTest, ReadsTheAnalysersFields) {
  auto t = parse_struct_json(kGood, kOrigin);
  ASSERT_TRUE(t) << error_sentence(t.error());
  EXPECT_EQ(t->path, "/music/frontiers.mp3");
  EXPECT_EQ(t->bpm, 120);
  EXPECT_EQ(t->key, "Gm");
  EXPECT_EQ(t->beats.size(), 5u);
  EXPECT_EQ(t->downbeats, (std::vector<double>{0.5, 2.5}));
  EXPECT_EQ(t->beat_positions, (std::vector<int>{1, 2, 3, 4, 1}));
  ASSERT_EQ(t->segments.size(), 2u);
  EXPECT_EQ(t->segments[1].label, "verse");
  EXPECT_EQ(t->origin, kOrigin);
}

TEST(StructJsonTest, MissingFieldsAreNamedWithTheFile) {
  auto s = error_of(R"({"bpm": 120, "segments": []})");
  EXPECT_HAS(s, kOrigin + ": no `path`");
  EXPECT_HAS(error_of(R"({"path": "a.mp3", "segments": []})"), "no `bpm`");
  EXPECT_HAS(error_of(R"({"path": "a.mp3", "bpm": 120})"), "no `segments`");
  EXPECT_HAS(error_of(R"({"path": "a.mp3", "bpm": 120, "segments": [{"start": 0, "end": 1}]})"),
             "segments[0] has no `label`");
}

TEST(StructJsonTest, UnsortedNegativeAndNonFiniteTimesAreRefused) {
  EXPECT_HAS(error_of(R"({"path": "a", "bpm": 120, "beats": [1.0, 0.5], "segments": []})"),
             "beats[1] = 0.5 comes before beats[0] = 1: beats must be in time order");
  EXPECT_HAS(error_of(R"({"path": "a", "bpm": 120, "downbeats": [-1], "segments": []})"),
             "downbeats[0] = -1 is negative");
  EXPECT_HAS(error_of(R"({"path": "a", "bpm": 120, "beats": [NaN], "segments": []})"), "holds NaN");
  EXPECT_HAS(error_of(R"({"path": "a", "bpm": 0, "segments": []})"), "bpm = 0 is out of range");
  EXPECT_HAS(error_of(R"({"path": "a", "bpm": 120, "segments": [{"start": 4, "end": 2, "label": "x"}]})"),
             "segments[0] ends at 2 s, not after its start 4 s");
  EXPECT_HAS(error_of(R"({"path": "a", "bpm": 120, "segments": [{"start": 0, "end": 4, "label": "intro"},
                                                                  {"start": 3, "end": 8, "label": "verse"}]})"),
             "segments[1] starts at 3 s, before segments[0] ends (4 s)");
  EXPECT_HAS(error_of(R"({"path": "a", "bpm": 120, "beats": [1, 2], "beat_positions": [1], "segments": []})"),
             "beat_positions has 1 entries and beats 2");
}

TEST(StructJsonTest, TextThatIsNotJsonIsUnreadable) {
  auto t = parse_struct_json("{\"path\": ", kOrigin);
  ASSERT_FALSE(t);
  EXPECT_EQ(error_code(t.error()), errc::unreadable_file);
  EXPECT_HAS(error_sentence(t.error()), kOrigin + ": not valid JSON");
}

TEST(StructJsonTest, MissingFileNamesTheAbsolutePath) {
  auto t = load_struct_json("/nonexistent/dir/track.json");
  ASSERT_FALSE(t);
  EXPECT_EQ(error_code(t.error()), errc::file_not_found);
  EXPECT_HAS(error_sentence(t.error()), "/nonexistent/dir/track.json");
}

}  // namespace
}  // namespace crowdmesh::structure
