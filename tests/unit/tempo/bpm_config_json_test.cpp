#include "tempo/bpm_config_json.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "common/error.hpp"
#include "tempo/movement_bpm_curve.hpp"

namespace crowdmesh::tempo {
namespace {

namespace fs = std::filesystem;

// The file of the original's "BPM Configuration Guide", as shipped.
const char* kOriginalFile = R"({
  "movement_bpm": {
    "movement_max_value": 0.6,
    "thresholds": {
      "very_very_low": 0.02,
      "very_low": 0.05,
      "low": 0.10,
      "medium": 0.10
    },
    "bpm_targets": {
      "very_very_low": 105.0,
      "very_low": 110.0,
      "low": 115.0,
      "medium": 118.0,
      "high_max": 130.0
    },
    "smoothing": {
      "transition_time_seconds": 30.0,
      "audio_loop_rate_hz": 100.0,
      "smoothing_factor_up": 0.96,
      "smoothing_factor_down": 0.92
    }
  }
})";

MovementBpmSettings parsed(const std::string& text) {
  auto r = parse_bpm_config_json(text, "/cfg/bpm_config.json");
  EXPECT_TRUE(r) << (r ? "" : error_sentence(r.error()));
  return r ? *r : MovementBpmSettings{};
}

std::string fails(const std::string& text, errc code) {
  auto r = parse_bpm_config_json(text, "/cfg/bpm_config.json");
  EXPECT_FALSE(r) << text << " unexpectedly parsed";
  if (r) return {};
  EXPECT_EQ(error_code(r.error()), code) << error_sentence(r.error());
  const std::string s = error_sentence(r.error());
  EXPECT_EQ(s.rfind("/cfg/bpm_config.json: ", 0), 0u) << s;
  return s;
}

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("crowdmesh_tempo_" + std::string(info->name()) + "_" + std::to_string(::getpid()) + ".json");
    std::ofstream(path_) << text;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

TEST(BpmConfigJsonTest, ParsesTheOriginalFile) {
  const MovementBpmSettings s = parsed(kOriginalFile);
  EXPECT_DOUBLE_EQ(s.movement_max_value, 0.6);
  EXPECT_DOUBLE_EQ(s.very_very_low, 0.02);
  EXPECT_DOUBLE_EQ(s.very_low, 0.05);
  EXPECT_DOUBLE_EQ(s.low, 0.10);
  EXPECT_DOUBLE_EQ(s.medium, 0.10);
  EXPECT_DOUBLE_EQ(s.bpm_very_very_low, 105);
  EXPECT_DOUBLE_EQ(s.bpm_very_low, 110);
  EXPECT_DOUBLE_EQ(s.bpm_low, 115);
  EXPECT_DOUBLE_EQ(s.bpm_medium, 118);
  EXPECT_DOUBLE_EQ(s.bpm_high_max, 130);
  EXPECT_DOUBLE_EQ(s.transition_time_seconds, 30);
  EXPECT_DOUBLE_EQ(s.base_bpm, 120);
  // The original guide's worked example: 18.6 % → 120.06 BPM.
  EXPECT_NEAR(MovementBpmCurve(s).target_bpm(0.186), 120.06, 0.01);
}

TEST(BpmConfigJsonTest, MissingKeysKeepDefaults) {
  const MovementBpmSettings d;
  const MovementBpmSettings s = parsed(R"({"movement_bpm": {"thresholds": {"medium": 0.08},
                                           "smoothing": {"transition_time_seconds": 15}}})");
  EXPECT_DOUBLE_EQ(s.medium, 0.08);
  EXPECT_DOUBLE_EQ(s.transition_time_seconds, 15);
  EXPECT_DOUBLE_EQ(s.low, d.low);
  EXPECT_DOUBLE_EQ(s.bpm_high_max, d.bpm_high_max);
  EXPECT_DOUBLE_EQ(s.movement_max_value, d.movement_max_value);
  // The guide's "making BPM increase easier": the rise now starts at 8 %.
  const MovementBpmCurve curve(s);
  EXPECT_DOUBLE_EQ(curve.target_bpm(0.079), 115.0);
  EXPECT_NEAR(curve.target_bpm(0.09), 118.0 + 0.01 / 0.52 * 12.0, 1e-9);

  const MovementBpmSettings e = parsed("{}");
  EXPECT_DOUBLE_EQ(e.medium, d.medium);
  EXPECT_DOUBLE_EQ(e.bpm_medium, d.bpm_medium);
  const MovementBpmSettings f = parsed(R"({"movement_bpm": {}})");
  EXPECT_DOUBLE_EQ(f.transition_time_seconds, d.transition_time_seconds);
}

TEST(BpmConfigJsonTest, AcceptsBaseBpmAndIntegerValues) {
  const MovementBpmSettings s = parsed(R"({"movement_bpm": {"base_bpm": 124, "bpm_targets": {"high_max": 128}}})");
  EXPECT_DOUBLE_EQ(s.base_bpm, 124);
  EXPECT_DOUBLE_EQ(s.bpm_high_max, 128);
}

TEST(BpmConfigJsonTest, UnknownKeyIsNamedWithTheKnownKeys) {
  const std::string s = fails(R"({"movement_bpm": {"thresholds": {"hgih": 0.3}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("`hgih`"), std::string::npos) << s;
  EXPECT_NE(s.find("movement_bpm.thresholds"), std::string::npos) << s;
  EXPECT_NE(s.find("very_very_low, very_low, low, medium"), std::string::npos) << s;

  const std::string t = fails(R"({"movement_bpm": {"tempo": 1}})", errc::value_out_of_range);
  EXPECT_NE(t.find("`tempo`"), std::string::npos) << t;
}

TEST(BpmConfigJsonTest, BareInnerObjectIsRejectedWithAHint) {
  const std::string s = fails(R"({"thresholds": {"medium": 0.1}})", errc::value_out_of_range);
  EXPECT_NE(s.find("`thresholds`"), std::string::npos) << s;
  EXPECT_NE(s.find("movement_bpm"), std::string::npos) << s;
}

TEST(BpmConfigJsonTest, MalformedJsonIsUnreadable) {
  const std::string s = fails(R"({"movement_bpm": {"thresholds": {"low": 0.1,}})", errc::unreadable_file);
  EXPECT_NE(s.find("JSON"), std::string::npos) << s;
  fails("", errc::unreadable_file);
}

TEST(BpmConfigJsonTest, WrongTypesAndRangesNameKeyValueAndRange) {
  std::string s = fails(R"({"movement_bpm": {"bpm_targets": {"high_max": 400}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("movement_bpm.bpm_targets.high_max = 400"), std::string::npos) << s;
  EXPECT_NE(s.find("20..300 BPM"), std::string::npos) << s;
  s = fails(R"({"movement_bpm": {"thresholds": {"low": "0.1"}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("movement_bpm.thresholds.low = \"0.1\""), std::string::npos) << s;
  s = fails(R"({"movement_bpm": {"thresholds": {"low": -0.1}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("-0.1"), std::string::npos) << s;
  s = fails(R"({"movement_bpm": {"smoothing": {"transition_time_seconds": -1}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("transition_time_seconds = -1"), std::string::npos) << s;
  s = fails(R"({"movement_bpm": {"smoothing": {"smoothing_factor_up": 2}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("smoothing_factor_up = 2"), std::string::npos) << s;
  s = fails(R"({"movement_bpm": {"thresholds": true}})", errc::value_out_of_range);
  EXPECT_NE(s.find("JSON object"), std::string::npos) << s;
  s = fails(R"([1, 2])", errc::value_out_of_range);
  s = fails(R"({"movement_bpm": {"bpm_targets": {"low": true}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("must be a number"), std::string::npos) << s;
}

TEST(BpmConfigJsonTest, DecreasingThresholdsAndMaxBelowMediumAreRejected) {
  std::string s = fails(R"({"movement_bpm": {"thresholds": {"very_low": 0.12}}})", errc::value_out_of_range);
  EXPECT_NE(s.find("must not decrease"), std::string::npos) << s;
  s = fails(R"({"movement_bpm": {"movement_max_value": 0.15}})", errc::value_out_of_range);
  EXPECT_NE(s.find("movement_max_value = 0.15"), std::string::npos) << s;
}

TEST(BpmConfigJsonTest, LoadsAFileByPath) {
  TempFile f(kOriginalFile);
  auto r = load_bpm_config_json(f.path());
  ASSERT_TRUE(r) << error_sentence(r.error());
  EXPECT_DOUBLE_EQ(r->medium, 0.10);
}

TEST(BpmConfigJsonTest, MalformedFileNamesItsAbsolutePath) {
  TempFile f("{\"movement_bpm\": ");
  auto r = load_bpm_config_json(f.path());
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::unreadable_file);
  const std::string s = error_sentence(r.error());
  EXPECT_EQ(s.rfind(fs::absolute(f.path()).lexically_normal().string(), 0), 0u) << s;
}

TEST(BpmConfigJsonTest, UnknownKeyInAFileNamesPathAndKey) {
  TempFile f(R"({"movement_bpm": {"smoothing": {"speed": 3}}})");
  auto r = load_bpm_config_json(f.path());
  ASSERT_FALSE(r);
  const std::string s = error_sentence(r.error());
  EXPECT_EQ(s.rfind(f.path(), 0), 0u) << s;
  EXPECT_NE(s.find("`speed`"), std::string::npos) << s;
}

TEST(BpmConfigJsonTest, MissingFileIsFileNotFoundWithAbsolutePath) {
  auto r = load_bpm_config_json("no_such_dir_crowdmesh/bpm_config.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::file_not_found);
  const std::string s = error_sentence(r.error());
  EXPECT_EQ(s.rfind("/", 0), 0u) << s;
  EXPECT_NE(s.find("no_such_dir_crowdmesh/bpm_config.json"), std::string::npos) << s;
}

TEST(BpmConfigJsonTest, DirectoryIsUnreadable) {
  auto r = load_bpm_config_json(fs::temp_directory_path().string());
  ASSERT_FALSE(r);
  EXPECT_EQ(error_code(r.error()), errc::unreadable_file);
}

}  // namespace
}  // namespace crowdmesh::tempo
